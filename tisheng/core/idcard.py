"""Resident identity numbers (GB 11643-1999): normalization, check digit, birth date, sex."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")

INVALID_LENGTH = "length"
INVALID_CHARACTERS = "characters"
INVALID_BIRTH_DATE = "birth_date"
INVALID_CHECK_DIGIT = "check_digit"


def normalize_text(value: object) -> str:
    """Full-width to half-width (NFKC), spaces and invisible characters removed at the ends
    and collapsed inside. Spreadsheets exported from other systems are full of them."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def normalize(value: object) -> str:
    """An ID as typed or pasted → canonical 18 characters (all spaces gone, upper-case X)."""
    return "".join(normalize_text(value).split()).upper()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def problem(number: str) -> str | None:
    """None when `number` (already normalized) is a valid ID, else the kind of problem."""
    if len(number) != 18:
        return INVALID_LENGTH
    if not _SHAPE.match(number):
        return INVALID_CHARACTERS
    try:
        birth_date(number)
    except ValueError:
        return INVALID_BIRTH_DATE
    if check_digit(number[:17]) != number[17]:
        return INVALID_CHECK_DIGIT
    return None


def is_valid(number: str) -> bool:
    return problem(number) is None


def birth_date(number: str) -> dt.date:
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if born.year < 1900 or born > dt.date.today():  # noqa: DTZ011 - a calendar date, no time zone
        raise ValueError("birth date out of range")
    return born


def sex(number: str) -> str:
    """'M' or 'F': the 17th digit is odd for men."""
    return "M" if int(number[16]) % 2 else "F"


def mask(number: str) -> str:
    """`350102********123X`: the division and the last four, as Chinese systems show it."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


def make(prefix6: str, born: dt.date, sequence: int) -> str:
    """A valid ID (for seeding and tests): division, birth date, 3-digit sequence, check."""
    first17 = f"{prefix6}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
