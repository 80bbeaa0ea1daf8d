"""Statutory retirement dates for teachers, as the law in force says.

Before 2025 the age is 60 for men and 55 for women in professional posts (teachers hold
professional posts, so never the 50 of women workers). The 2024 decision of the NPC Standing
Committee (《关于实施渐进式延迟法定退休年龄的决定》, in force 2025-01-01) raises them
gradually: one month later for every four months of birth, starting with men born in
1965-01 and women born in 1970-01, until men reach 63 and women (professional posts) 58.

    born 1965-01 … 1965-04 (men): 60 years + 1 month
    born 1965-05 … 1965-08 (men): 60 years + 2 months
    …
    born 1976-09 and later (men): 63 years (the 36th step, capped)
    born 1981-09 and later (women): 58 years

Convention for the day: the retirement date is the day the teacher reaches the age, i.e.
the birth date moved on by the age in whole months. The law fixes the month (a teacher
retires in the month they reach the age); the day keeps the birth day, clamped to the last
day of a shorter month (born 1965-01-31, 60 y + 1 m → 2025-02-28; born on 29 February, a
whole number of years → 28 February in a common year).
"""

from __future__ import annotations

import calendar
import datetime as dt

MEN = "M"
WOMEN = "F"

_BASE_MONTHS = {MEN: 60 * 12, WOMEN: 55 * 12}
# (year, month) of the first birth month the gradual raise applies to.
_RAISE_STARTS = {MEN: (1965, 1), WOMEN: (1970, 1)}
MAX_RAISE_MONTHS = 36  # 60 → 63 and 55 → 58
MONTHS_OF_BIRTH_PER_STEP = 4


def _sex(sex: str) -> str:
    if sex in (MEN, "m", "male", "男"):
        return MEN
    if sex in (WOMEN, "f", "female", "女"):
        return WOMEN
    raise ValueError(f"unknown sex {sex!r}")


def retirement_age_months(birth_date: dt.date, sex: str) -> int:
    """The statutory retirement age in months for a teacher born on `birth_date`."""
    sex = _sex(sex)
    start_year, start_month = _RAISE_STARTS[sex]
    months_since_start = (birth_date.year - start_year) * 12 + (birth_date.month - start_month)
    if months_since_start < 0:
        return _BASE_MONTHS[sex]
    raise_months = min(months_since_start // MONTHS_OF_BIRTH_PER_STEP + 1, MAX_RAISE_MONTHS)
    return _BASE_MONTHS[sex] + raise_months


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved on by `months`, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def statutory_retirement_date(birth_date: dt.date, sex: str) -> dt.date:
    """The day the teacher reaches the statutory retirement age (see the module docstring)."""
    return add_months(birth_date, retirement_age_months(birth_date, sex))


def within_years_of_retirement(birth_date: dt.date, sex: str, at: dt.date, years: int) -> dt.date | None:
    """The retirement date when it falls less than `years` after `at` (or before it): the
    rule of the 1.0 exemption ("距法定退休不足5年"). None otherwise."""
    retires = statutory_retirement_date(birth_date, sex)
    return retires if retires < add_months(at, years * 12) else None
