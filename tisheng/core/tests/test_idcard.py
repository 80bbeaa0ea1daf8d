import datetime as dt

import pytest

from tisheng.core import idcard


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("11010519491231002X", None),  # the standard's own example, check digit X
        ("11010519491231002x", None),  # normalize() upper-cases it
        ("110105194912310021", idcard.INVALID_CHECK_DIGIT),
        ("11010519491331002X", idcard.INVALID_BIRTH_DATE),
        ("1101051949123100", idcard.INVALID_LENGTH),
        ("11010519491231002Y", idcard.INVALID_CHARACTERS),
        ("１１０１０５１９４９１２３１００２Ｘ", None),  # full-width digits from a spreadsheet
    ],
)
def test_gb11643_check_digit_and_shape(number, problem):
    assert idcard.problem(idcard.normalize(number)) == problem


def test_birth_date_and_sex_come_from_the_number():
    assert idcard.birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert idcard.sex("11010519491231002X") == "F"
    assert idcard.sex(idcard.make("350102", dt.date(1980, 1, 1), 11)) == "M"


def test_masking_keeps_the_division_and_the_last_four():
    assert idcard.mask("35010219800101123X") == "350102********123X"


def test_made_numbers_are_valid():
    assert all(idcard.is_valid(idcard.make("350203", dt.date(1990, 2, 28), n)) for n in range(1000))
