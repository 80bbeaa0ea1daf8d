# Django's zh_Hans formats group digits by four with no separator ("450000"); government
# reports and this UI write numbers with thousands separators ("450,000"). Everything not
# defined here falls back to Django's zh_Hans formats (dates: 2026年11月24日).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
