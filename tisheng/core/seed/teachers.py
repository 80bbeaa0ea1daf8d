"""Seeded teachers, as roster rows (the raw cells a school would type into the template).

The rows go through the roster import's own validation and bulk write, so seeding exercises
exactly the path a province's real rosters take.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator

from django.utils import timezone

from tisheng.core import idcard
from tisheng.core.seed.names import person_name
from tisheng.core.seed.schools import SchoolSpec
from tisheng.orgs.models import Stage

# The day the seeded world describes: ages, retirement and years of service are as of it.
REFERENCE_DATE = dt.date(2026, 9, 1)
# Statutory retirement ages the seed plans with (men 60, women in professional posts 55).
RETIREMENT_AGE = {"M": 60, "F": 55}
NEAR_RETIREMENT_YEARS = 5
NEAR_RETIREMENT_SHARE = 0.125

_YEAR = 365.2425
COUNTIES_NOT_GROUPED = "Schools must come grouped by county: national ID sequences are kept per county."

# Teaching stage (roster text) of a teacher by the school's stage: (stage text, weight).
_TEACHING_STAGES: dict[str, tuple[tuple[str, int], ...]] = {
    Stage.KINDERGARTEN: (("幼儿园", 1),),
    Stage.PRIMARY: (("小学", 1),),
    Stage.JUNIOR: (("初中", 1),),
    Stage.SENIOR: (("高中", 1),),
    Stage.COMPLETE_SECONDARY: (("初中", 45), ("高中", 55)),
    Stage.NINE_YEAR: (("小学", 60), ("初中", 40)),
    Stage.VOCATIONAL: (("中职", 1),),
    Stage.SPECIAL: (("特殊教育", 1),),
}
FEMALE_SHARE: dict[str, float] = {
    "幼儿园": 0.97, "小学": 0.75, "初中": 0.60, "高中": 0.50, "中职": 0.55, "特殊教育": 0.75,
}
_SUBJECTS: dict[str, tuple[tuple[str, int], ...]] = {
    "幼儿园": (("学前教育", 1),),
    "小学": (("语文", 34), ("数学", 27), ("英语", 9), ("科学", 5), ("道德与法治", 4), ("音乐", 5), ("体育", 6),
           ("美术", 5), ("信息技术", 2), ("综合实践活动", 1), ("心理健康", 1), ("书法", 1)),
    "初中": (("语文", 16), ("数学", 16), ("英语", 14), ("道德与法治", 6), ("历史", 6), ("地理", 5), ("物理", 7),
           ("化学", 5), ("生物", 5), ("体育", 7), ("音乐", 3), ("美术", 3), ("信息技术", 3), ("心理健康", 2),
           ("劳动", 1), ("综合实践活动", 1)),
    "高中": (("语文", 14), ("数学", 14), ("英语", 13), ("思想政治", 6), ("历史", 6), ("地理", 6), ("物理", 9),
           ("化学", 8), ("生物", 7), ("体育", 6), ("音乐", 2), ("美术", 2), ("信息技术", 3), ("通用技术", 2),
           ("心理健康", 1), ("日语", 1)),
    "中职": (("专业课", 50), ("语文", 10), ("数学", 10), ("英语", 8), ("思想政治", 6), ("体育", 6), ("信息技术", 6),
           ("心理健康", 2), ("其他", 2)),
    "特殊教育": (("特殊教育", 70), ("语文", 8), ("数学", 8), ("音乐", 4), ("体育", 4), ("美术", 4), ("其他", 2)),
}
# Mobile prefixes for seeded teachers. 137–139 are left out: demo accounts (138…) and the
# test world's factories (137/138/139…) use them, and a phone belongs to one person.
_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "150", "151", "152", "153", "155", "156", "157", "158",
    "159", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "199",
)


def _pick(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    if len(options) == 1:
        return options[0][0]
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _title(rng: random.Random, years: float, kindergarten: bool) -> str:
    if years < 1:
        return "未定级"
    if years < 5:
        title = rng.choices(("二级教师", "未定级", "三级教师"), weights=(80, 15, 5))[0]
    elif years < 12:
        title = rng.choices(("一级教师", "二级教师"), weights=(55, 45))[0]
    elif years < 20:
        title = rng.choices(("一级教师", "高级教师", "二级教师"), weights=(65, 25, 10))[0]
    else:
        title = rng.choices(("高级教师", "一级教师", "正高级教师", "二级教师"), weights=(45, 50, 1, 4))[0]
    if kindergarten and title in ("高级教师", "正高级教师") and rng.random() < 0.5:
        title = "一级教师"
    return title


class TeacherRowMaker:
    """Makes roster rows school by school. National IDs (county code + birth date + a
    sequence whose parity is the sex) and phones are unique across everything it makes."""

    def __init__(self, *, seed: int = 1):
        self.seed = seed
        self.made = 0
        self.today = timezone.localdate()
        self._sequences: dict[tuple[str, dt.date, str], int] = {}

    def _phone(self) -> str:
        i = self.made
        prefixes = len(_PHONE_PREFIXES)
        return f"{_PHONE_PREFIXES[i % prefixes]}{(i * 7_654_321 + 31_415_926) % 10**8:08d}"

    def _national_id(self, county_code: str, born: dt.date, sex: str) -> str:
        key = (county_code, born, sex)
        k = self._sequences.get(key, 0)
        self._sequences[key] = k + 1
        # Odd 17th digit for men, even for women; starting a little above 000 like real IDs.
        sequence = 20 + 2 * k + (1 if sex == "M" else 0)
        return idcard.make(county_code, born, sequence)

    def _birth(self, rng: random.Random, sex: str, kindergarten: bool) -> dt.date:
        retire = RETIREMENT_AGE[sex]
        near_from = retire - NEAR_RETIREMENT_YEARS
        if rng.random() < NEAR_RETIREMENT_SHARE:
            age_days = rng.uniform(near_from * _YEAR + 2, retire * _YEAR - 2)
        else:
            age = rng.triangular(21.5, near_from, 27 if kindergarten else 36)
            age_days = min(age * _YEAR, near_from * _YEAR - 2)
        return REFERENCE_DATE - dt.timedelta(days=int(age_days))

    def rows_for_school(self, school: SchoolSpec) -> Iterator[dict[str, str]]:
        rng = random.Random(f"{self.seed}:teachers:{school.code}")
        options = _TEACHING_STAGES[school.stage]
        for _ in range(school.planned_teachers):
            stage = _pick(rng, options)
            kindergarten = stage == "幼儿园"
            sex = "F" if rng.random() < FEMALE_SHARE[stage] else "M"
            born = self._birth(rng, sex, kindergarten)
            age = (REFERENCE_DATE - born).days / _YEAR
            start_age = min(rng.uniform(18.5, 22.5) if kindergarten else rng.uniform(21.5, 24.5), age - 0.05)
            start_year = (born + dt.timedelta(days=int(start_age * _YEAR))).year
            started = dt.date(start_year, 9, 1)
            if started > REFERENCE_DATE:
                started = dt.date(start_year - 1, 9, 1)
            # The roster refuses future dates; only matters on a clock set before the reference date.
            started = min(started, self.today)
            years = (REFERENCE_DATE - started).days / _YEAR
            row = {
                "姓名": person_name(rng, sex),
                "身份证号": self._national_id(school.county_code, born, sex),
                "手机号码": self._phone(),
                "学校代码": school.code,
                "任教学段": stage,
                "任教学科": _pick(rng, _SUBJECTS[stage]),
                "职称": _title(rng, years, kindergarten),
                "参加工作时间": started.isoformat(),
                "状态": "离岗" if rng.random() < 0.015 else "在职",
            }
            self.made += 1
            yield row

    def rows(self, schools: Iterable[SchoolSpec]) -> Iterator[dict[str, str]]:
        """Rows of every school. Schools come grouped by county (as plan_schools orders them),
        so the ID sequences of a finished county can be dropped: memory stays flat."""
        current = None
        finished: set[str] = set()
        for school in schools:
            if school.county_code != current:
                if school.county_code in finished:
                    raise ValueError(COUNTIES_NOT_GROUPED)
                if current is not None:
                    finished.add(current)
                self._sequences.clear()
                current = school.county_code
            yield from self.rows_for_school(school)


def retirement_date(national_id: str) -> dt.date:
    """The day the ID's holder reaches RETIREMENT_AGE (1 March for those born on 29 February)."""
    born, sex = idcard.birth_date(national_id), idcard.sex(national_id)
    year = born.year + RETIREMENT_AGE[sex]
    if born.month == 2 and born.day == 29:
        return dt.date(year, 3, 1)
    return born.replace(year=year)


def near_retirement(national_id: str, on: dt.date = REFERENCE_DATE) -> bool:
    """Whether the ID's holder is within NEAR_RETIREMENT_YEARS of RETIREMENT_AGE on `on`."""
    retire = retirement_date(national_id)
    return on < retire <= dt.date(on.year + NEAR_RETIREMENT_YEARS, on.month, on.day)
