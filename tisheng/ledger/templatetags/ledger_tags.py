from django import template

from tisheng.programs.completion import fmt_hours

register = template.Library()


@register.filter
def hours(value) -> str:
    """12.50 → "12.5", 80 → "80" (Decimal.normalize would print 8E+1)."""
    return "" if value is None else fmt_hours(value)
