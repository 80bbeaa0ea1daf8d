"""Password complexity for level-3 protection (等保三级): length and character classes."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_LENGTH = 8
MIN_CLASSES = 3
_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^A-Za-z0-9]"))


class ComplexityValidator:
    def validate(self, password: str, user=None) -> None:
        classes = sum(1 for c in _CLASSES if c.search(password))
        if len(password) < MIN_LENGTH or classes < MIN_CLASSES:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "The password must be at least %(length)d characters long and use at least %(classes)d of: "
            "lower-case letters, upper-case letters, digits and symbols."
        ) % {"length": MIN_LENGTH, "classes": MIN_CLASSES}
