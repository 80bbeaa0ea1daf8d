"""Seeded schools: how many per county, their stage, name, setting and planned staff.

Everything here is a pure function of the divisions, the scale and the seed, so the plan
can be tested without a database and is the same on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tisheng.core.seed.towns import TOWNS, town_short
from tisheng.orgs.models import Environment, Stage
from tisheng.orgs.services import DivisionRow

# Fujian's school mix by stage (share of all schools and kindergartens).
STAGE_SHARES: dict[str, float] = {
    Stage.KINDERGARTEN: 0.45,
    Stage.PRIMARY: 0.37,
    Stage.JUNIOR: 0.10,
    Stage.SENIOR: 0.025,
    Stage.COMPLETE_SECONDARY: 0.025,
    Stage.NINE_YEAR: 0.01,
    Stage.VOCATIONAL: 0.015,
    Stage.SPECIAL: 0.005,
}
# Typical full-time teachers per school before calibration to the scale's total.
TEACHERS_PER_SCHOOL: dict[str, int] = {
    Stage.KINDERGARTEN: 12,
    Stage.PRIMARY: 35,
    Stage.JUNIOR: 60,
    Stage.SENIOR: 120,
    Stage.COMPLETE_SECONDARY: 120,
    Stage.NINE_YEAR: 50,
    Stage.VOCATIONAL: 80,
    Stage.SPECIAL: 25,
}
MIN_TEACHERS = 3

DEMO_COUNTY = "350102"  # 福州市鼓楼区: the county the demo accounts work in
DEMO_SCHOOL_CODE = "3501020001"
DEMO_SCHOOL_NAME = "福州市鼓楼第一中心小学"

# Inland mountain counties whose rural schools the seed flags as deep-poverty areas now and
# then, so dashboards have something to filter on. Demo data, not an official designation.
MOUNTAIN_COUNTIES = frozenset({
    "350125", "350421", "350423", "350424", "350428", "350429", "350430", "350624", "350628",
    "350722", "350723", "350724", "350725", "350821", "350824", "350825", "350923", "350924",
    "350925", "350926",
})

_CN_DIGITS = "零一二三四五六七八九"
_KINDERGARTEN_NAMES = ["阳光", "蓓蕾", "童心", "启蒙", "育才", "爱心", "春晖", "智慧树", "七色花", "小百合", "蓝天", "彩虹", "星星", "博雅", "童乐", "新苗", "金太阳", "小天使", "金苹果", "小海豚", "向日葵", "贝贝", "银河", "榕树", "茉莉花", "绿叶", "快乐", "明珠", "晨光"]
_STREETS = ["东街", "南门", "中山路", "江滨", "金山", "湖滨", "五一", "六一", "北门", "西湖", "花园", "新华", "解放", "人民", "八一", "华侨", "育英", "培元", "凤凰", "文昌", "朝阳", "东升", "胜利", "建设", "光明", "青年", "和平", "滨海", "南湖", "北峰"]
_VILLAGE_FIRST = "东西南北上下前后新大高长石桥溪山林湖田竹梅桃龙凤白青黄金玉"
_VILLAGE_SECOND = "洋坑厝埔头尾口墩岭坂亭洲塘里湾美峰浦园洋厝坑"
_VOCATIONAL_FIELDS = ["信息", "旅游", "商贸", "工业", "农业", "卫生", "艺术", "海洋", "建筑", "财经"]


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city_code: str
    city_name: str
    population: int

    @property
    def is_district(self) -> bool:
        return self.name.endswith("区")

    @property
    def prefix(self) -> str:
        """How a school name starts: 福州市鼓楼区…, 安溪县…, 晋江市…"""
        return f"{self.city_name}{self.name}" if self.is_district else self.name


@dataclass
class SchoolSpec:
    code: str
    name: str
    county_code: str
    stage: str
    is_rural: bool
    environment: str
    is_deep_poverty_area: bool = False
    is_demonstration: bool = False
    planned_teachers: int = 0
    # Raw staff weight before calibration.
    weight: float = field(default=0.0, repr=False)


@dataclass(frozen=True)
class ScalePlan:
    """How many schools each county gets, and the teachers to aim for in total."""

    schools: dict[str, int]
    teachers: int


SCALES = ("demo", "county", "province")
PROVINCE_SCHOOLS = 12_000
PROVINCE_TEACHERS = 450_000
DEMO_SCHOOLS = 300
DEMO_TEACHERS = 8_000
DEMO_COUNTY_SCHOOLS = 25


def counties_of(rows: list[DivisionRow]) -> list[County]:
    cities = {r.code: r for r in rows if r.level == "city"}
    return [
        County(code=r.code, name=r.name, city_code=r.parent_code, city_name=cities[r.parent_code].name,
               population=r.population)
        for r in rows if r.level == "county"
    ]


def allocate(total: int, weights: dict[str, float], minimum: int = 0) -> dict[str, int]:
    """`total` split over `weights` by largest remainder, each key getting at least `minimum`."""
    keys = list(weights)
    base = {k: minimum for k in keys}
    rest = total - minimum * len(keys)
    weight_sum = sum(weights.values()) or 1
    shares = {k: rest * weights[k] / weight_sum for k in keys}
    for k in keys:
        base[k] += int(shares[k])
    left = total - sum(base.values())
    for k in sorted(keys, key=lambda k: (-(shares[k] - int(shares[k])), k))[:left]:
        base[k] += 1
    return base


def scale_plan(scale: str, counties: list[County]) -> ScalePlan:
    population = {c.code: c.population for c in counties}
    total_population = sum(population.values())
    if scale == "province":
        return ScalePlan(allocate(PROVINCE_SCHOOLS, population, minimum=1), PROVINCE_TEACHERS)
    if scale == "county":
        share = population[DEMO_COUNTY] / total_population
        return ScalePlan({DEMO_COUNTY: round(PROVINCE_SCHOOLS * share)}, round(PROVINCE_TEACHERS * share))
    if scale == "demo":
        others = {k: v for k, v in population.items() if k != DEMO_COUNTY}
        schools = allocate(DEMO_SCHOOLS - DEMO_COUNTY_SCHOOLS, others, minimum=1)
        return ScalePlan({DEMO_COUNTY: DEMO_COUNTY_SCHOOLS, **schools}, DEMO_TEACHERS)
    raise ValueError(scale)


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (school names count in Chinese numerals)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    if tens >= 10:
        return str(n)
    return f"{'' if tens == 1 else _CN_DIGITS[tens]}十{_CN_DIGITS[ones] if ones else ''}"


class _Namer:
    """Names the schools of one county, unique across the province (`used` is shared)."""

    def __init__(self, county: County, rng: random.Random, used: set[str], city_numbers: dict[str, int]):
        self.county = county
        self.rng = rng
        self.used = used
        self.city_numbers = city_numbers
        self.towns = list(TOWNS.get(county.code, ()))
        rng.shuffle(self.towns)
        self.next_town = 0
        self.numbers: dict[str, int] = {}

    def _number(self, key: str, start: int = 1) -> int:
        self.numbers[key] = self.numbers.get(key, start - 1) + 1
        return self.numbers[key]

    def _town(self) -> str | None:
        if not self.towns:
            return None
        town = self.towns[self.next_town % len(self.towns)]
        self.next_town += 1
        return town

    def _village(self) -> str:
        return self.rng.choice(_VILLAGE_FIRST) + self.rng.choice(_VILLAGE_SECOND)

    def _claim(self, name: str) -> str | None:
        if name in self.used:
            return None
        self.used.add(name)
        return name

    def _numbered(self, suffix: str) -> str:
        p = self.county.prefix
        while True:
            name = self._claim(f"{p}第{cn_number(self._number('fallback' + suffix))}{suffix}")
            if name:
                return name

    def _secondary_numbered(self) -> str:
        """Districts' secondary schools are numbered city-wide (泉州第五中学), counties' by county."""
        if self.county.is_district:
            city = self.county.city_name.removesuffix("市")
            self.city_numbers[city] = self.city_numbers.get(city, 0) + 1
            return f"{city}第{cn_number(self.city_numbers[city])}中学"
        return f"{self.county.prefix}第{cn_number(self._number('secondary'))}中学"

    def name(self, stage: str, rural: bool) -> str:
        p = self.county.prefix
        town = self._town() if rural else None
        candidates: list[str] = []
        if stage == Stage.KINDERGARTEN:
            if town:
                candidates = [f"{p}{town}中心幼儿园", f"{p}{town}{self._village()}幼儿园"]
            elif rural:
                candidates = [f"{p}{self._village()}幼儿园"]
            else:
                candidates = [f"{p}实验幼儿园"]
                if self.rng.random() < 0.4:
                    candidates.append(f"{p}第{cn_number(self._number('k', 2))}幼儿园")
                candidates.append(f"{p}{self.rng.choice(_KINDERGARTEN_NAMES)}幼儿园")
        elif stage == Stage.PRIMARY:
            if town:
                candidates = [f"{p}{town}中心小学", f"{p}{town}{self._village()}小学"]
            elif rural:
                candidates = [f"{p}{self._village()}小学"]
            else:
                candidates = [f"{p}实验小学"]
                candidates.append(f"{p}第{cn_number(self._number('p'))}中心小学" if self.rng.random() < 0.5
                                  else f"{p}{self.rng.choice(_STREETS)}小学")
        elif stage in (Stage.JUNIOR, Stage.SENIOR, Stage.COMPLETE_SECONDARY):
            if town:
                short = town_short(town)
                candidates = [f"{p}{short}中学", f"{p}{short}第{cn_number(self._number('town' + town, 2))}中学"]
            else:
                if stage != Stage.JUNIOR:
                    candidates.append(f"{p}实验中学")
                candidates.append(self._secondary_numbered())
        elif stage == Stage.NINE_YEAR:
            if town:
                candidates = [f"{p}{town_short(town)}九年一贯制学校"]
            else:
                candidates = [f"{p}实验学校", f"{p}第{cn_number(self._number('nine', 2))}实验学校"]
        elif stage == Stage.VOCATIONAL:
            candidates = [f"{p}职业中专学校", f"{p}{self.rng.choice(_VOCATIONAL_FIELDS)}职业中专学校"]
        else:
            candidates = [f"{p}特殊教育学校"]
        for candidate in candidates:
            name = self._claim(candidate)
            if name:
                return name
        suffix = {Stage.KINDERGARTEN: "幼儿园", Stage.PRIMARY: "小学", Stage.NINE_YEAR: "学校",
                  Stage.VOCATIONAL: "职业中专学校", Stage.SPECIAL: "特殊教育学校"}.get(stage, "中学")
        return self._numbered(suffix)


def _is_rural(county: County, rng: random.Random) -> bool:
    if county.is_district:
        return rng.random() < (0.2 if TOWNS.get(county.code) else 0.03)
    return rng.random() < (0.55 if county.name.endswith("市") else 0.68)


def _environment(rural: bool, rng: random.Random) -> str:
    weights = (65, 28, 7) if rural else (25, 50, 25)
    return rng.choices((Environment.A, Environment.B, Environment.C), weights=weights)[0]


def plan_schools(scale: str, counties: list[County], *, seed: int = 1) -> list[SchoolSpec]:
    """The schools of a scale, county by county in code order, staff calibrated to the total."""
    plan = scale_plan(scale, counties)
    used: set[str] = {DEMO_SCHOOL_NAME}
    city_numbers: dict[str, int] = {}
    stages = list(STAGE_SHARES)
    shares = list(STAGE_SHARES.values())
    specs: list[SchoolSpec] = []
    for county in sorted(counties, key=lambda c: c.code):
        count = plan.schools.get(county.code, 0)
        if not count:
            continue
        rng = random.Random(f"{seed}:schools:{county.code}")
        namer = _Namer(county, rng, used, city_numbers)
        if county.code == DEMO_COUNTY:
            namer.numbers["p"] = 1  # 福州市鼓楼第一中心小学 is the demo school; numbering goes on from 第二
        for n in range(1, count + 1):
            code = f"{county.code}{n:04d}"
            if code == DEMO_SCHOOL_CODE:
                stage, rural, name = Stage.PRIMARY, False, DEMO_SCHOOL_NAME
            else:
                stage = rng.choices(stages, weights=shares)[0]
                rural = _is_rural(county, rng)
                name = namer.name(stage, rural)
            spec = SchoolSpec(
                code=code, name=name, county_code=county.code, stage=stage, is_rural=rural,
                environment=_environment(rural, rng),
                is_deep_poverty_area=rural and county.code in MOUNTAIN_COUNTIES and rng.random() < 0.35,
                is_demonstration=rng.random() < (0.3 if "实验" in name or code == DEMO_SCHOOL_CODE else 0.02),
            )
            spec.weight = TEACHERS_PER_SCHOOL[stage] * rng.uniform(0.7, 1.3) * (0.75 if rural else 1.15)
            specs.append(spec)
    factor = plan.teachers / (sum(s.weight for s in specs) or 1)
    for spec in specs:
        spec.planned_teachers = max(MIN_TEACHERS, round(spec.weight * factor))
    return specs
