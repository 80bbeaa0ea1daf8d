"""Statutory retirement, births 1955–1990, both sexes, every boundary month.

Expected values worked out by hand from the rule (not from the code): men 60 and women
(professional posts) 55 before the raise; from births in 1965-01 (men) / 1970-01 (women) one
month more per 4 months of birth (Jan–Apr +1, May–Aug +2, Sep–Dec +3, next year Jan–Apr +4 …),
capped at +36 months: men born 1976-09 and later 63, women born 1981-09 and later 58.
The date is the birth date moved on by that many months, clamped to the month's end.
"""

import datetime as dt

import pytest

from tisheng.programs.retirement import (
    retirement_age_months,
    statutory_retirement_date,
    within_years_of_retirement,
)

D = dt.date

# (birth, sex, age as (years, months), retirement date)
TABLE = [
    # men before the raise: 60
    (D(1955, 1, 1), "M", (60, 0), D(2015, 1, 1)),
    (D(1958, 6, 15), "M", (60, 0), D(2018, 6, 15)),
    (D(1964, 12, 31), "M", (60, 0), D(2024, 12, 31)),
    # men, first steps
    (D(1965, 1, 1), "M", (60, 1), D(2025, 2, 1)),
    (D(1965, 1, 31), "M", (60, 1), D(2025, 2, 28)),  # clamped to February's end
    (D(1965, 4, 30), "M", (60, 1), D(2025, 5, 30)),
    (D(1965, 5, 1), "M", (60, 2), D(2025, 7, 1)),
    (D(1965, 8, 20), "M", (60, 2), D(2025, 10, 20)),
    (D(1965, 9, 1), "M", (60, 3), D(2025, 12, 1)),
    (D(1965, 12, 10), "M", (60, 3), D(2026, 3, 10)),
    (D(1966, 1, 1), "M", (60, 4), D(2026, 5, 1)),
    (D(1970, 1, 1), "M", (61, 4), D(2031, 5, 1)),  # 5 years × 3 steps + 1 = 16 months
    (D(1970, 5, 1), "M", (61, 5), D(2031, 10, 1)),  # 17
    (D(1975, 12, 1), "M", (62, 9), D(2038, 9, 1)),  # 10 years × 3 + 3 = 33 months
    (D(1976, 1, 1), "M", (62, 10), D(2038, 11, 1)),  # 34
    (D(1976, 5, 1), "M", (62, 11), D(2039, 4, 1)),  # 35
    (D(1976, 8, 31), "M", (62, 11), D(2039, 7, 31)),  # still 35
    (D(1976, 9, 1), "M", (63, 0), D(2039, 9, 1)),  # 36: the cap is reached
    (D(1976, 12, 1), "M", (63, 0), D(2039, 12, 1)),  # 37th step capped at 36
    (D(1980, 2, 29), "M", (63, 0), D(2043, 2, 28)),  # leap day, common year
    (D(1990, 6, 15), "M", (63, 0), D(2053, 6, 15)),
    # women (professional posts) before the raise: 55, including births 1965–1969
    (D(1955, 3, 8), "F", (55, 0), D(2010, 3, 8)),
    (D(1964, 12, 1), "F", (55, 0), D(2019, 12, 1)),
    (D(1965, 1, 1), "F", (55, 0), D(2020, 1, 1)),  # the men's start does not apply to women
    (D(1968, 2, 29), "F", (55, 0), D(2023, 2, 28)),
    (D(1969, 12, 31), "F", (55, 0), D(2024, 12, 31)),
    # women, first steps
    (D(1970, 1, 1), "F", (55, 1), D(2025, 2, 1)),
    (D(1970, 4, 15), "F", (55, 1), D(2025, 5, 15)),
    (D(1970, 5, 1), "F", (55, 2), D(2025, 7, 1)),
    (D(1970, 9, 30), "F", (55, 3), D(2025, 12, 30)),
    (D(1971, 1, 1), "F", (55, 4), D(2026, 5, 1)),
    (D(1975, 1, 1), "F", (56, 4), D(2031, 5, 1)),  # 16 months
    (D(1981, 8, 31), "F", (57, 11), D(2039, 7, 31)),  # 35
    (D(1981, 9, 1), "F", (58, 0), D(2039, 9, 1)),  # 36: the cap
    (D(1985, 10, 31), "F", (58, 0), D(2043, 10, 31)),
    (D(1990, 12, 31), "F", (58, 0), D(2048, 12, 31)),
]


@pytest.mark.parametrize(("birth", "sex", "age", "retires"), TABLE, ids=[f"{b:%Y-%m-%d}-{s}" for b, s, _a, _r in TABLE])
def test_statutory_retirement_follows_the_law_in_force(birth, sex, age, retires):
    years, months = age
    assert retirement_age_months(birth, sex) == years * 12 + months
    assert statutory_retirement_date(birth, sex) == retires


def test_every_birth_month_from_1955_to_1990_gets_a_plausible_and_non_decreasing_date():
    for sex, lowest, highest in (("M", 720, 756), ("F", 660, 696)):
        previous = None
        for year in range(1955, 1991):
            for month in range(1, 13):
                months = retirement_age_months(D(year, month, 1), sex)
                assert lowest <= months <= highest
                retires = statutory_retirement_date(D(year, month, 1), sex)
                assert previous is None or retires > previous
                previous = retires


def test_a_teacher_retiring_within_five_years_of_the_reference_date_is_found():
    # A woman born 1962-03-10 retires 2017-03-10: less than 5 years after 2015-09-01.
    assert within_years_of_retirement(D(1962, 3, 10), "F", D(2015, 9, 1), 5) == D(2017, 3, 10)
    # A man born 1960-09-01 retires 2020-09-01: exactly 5 years, so not "fewer than 5".
    assert within_years_of_retirement(D(1960, 9, 1), "M", D(2015, 9, 1), 5) is None
    assert within_years_of_retirement(D(1960, 8, 31), "M", D(2015, 9, 1), 5) == D(2020, 8, 31)


def test_an_unknown_sex_is_refused():
    with pytest.raises(ValueError, match="unknown sex"):
        retirement_age_months(D(1970, 1, 1), "X")
