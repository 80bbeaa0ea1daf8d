"""Teacher colleges, training institutions and the demo accounts, made through the services
users' own actions go through (accounts.services.user_create / role_assign)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import base_user
from django.db import transaction

from tisheng.accounts.models import User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import role_assign, user_create
from tisheng.orgs.models import Organization, OrganizationKind, Region, School
from tisheng.orgs.services import organization_ensure
from tisheng.people.models import Teacher

DEMO_PASSWORD = "Demo@2026"

DEMO_COLLEGE_CODE = "TC350102"
DEMO_COLLEGE_NAME = "福州市鼓楼区教师进修学校"
DEMO_INSTITUTION_CODE = "INST-FJNU"
DEMO_INSTITUTION_NAME = "福建师范大学继续教育学院"

# (code, name) of the training institutions the province contracts, attached to 35.
INSTITUTIONS = (
    (DEMO_INSTITUTION_CODE, DEMO_INSTITUTION_NAME),
    ("INST-FJIE", "福建教育学院"),
    ("INST-JMU", "集美大学继续教育学院"),
    ("INST-MJU", "闽江学院继续教育学院"),
)


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    name: str
    role: str
    node_kind: str  # "region", "school" or "organization"
    node_code: str
    node_name: str
    password: str = DEMO_PASSWORD


def demo_accounts() -> list[DemoAccount]:
    """The demo logins `tisheng seed` creates at every scale (all with DEMO_PASSWORD). The
    teacher (13800000008) is the first seeded teacher of the demo school; their name is the
    seeded one, shown here as 教师."""
    from tisheng.core.seed.schools import DEMO_SCHOOL_CODE, DEMO_SCHOOL_NAME

    school = ("school", DEMO_SCHOOL_CODE, DEMO_SCHOOL_NAME)
    province = ("region", "35", "福建省")
    rows = [
        ("13800000001", "省工程办管理员", Role.PROVINCE_OFFICE, province),
        ("13800000002", "福州市工程办管理员", Role.CITY_OFFICE, ("region", "3501", "福州市")),
        ("13800000003", "鼓楼区工程办管理员", Role.COUNTY_OFFICE, ("region", "350102", "鼓楼区")),
        ("13800000004", "鼓楼区进修学校管理员", Role.TEACHER_COLLEGE,
         ("organization", DEMO_COLLEGE_CODE, DEMO_COLLEGE_NAME)),
        ("13800000005", "福建师大继教院管理员", Role.INSTITUTION,
         ("organization", DEMO_INSTITUTION_CODE, DEMO_INSTITUTION_NAME)),
        ("13800000006", "鼓楼第一中心小学校长", Role.SCHOOL_ADMIN, school),
        ("13800000007", "鼓楼第一中心小学考核组", Role.SCHOOL_ASSESSOR, school),
        ("13800000008", "教师", Role.TEACHER, school),
        ("13800000009", "第三方评估专家", Role.EVALUATOR, province),
        ("13800000010", "安全管理员", Role.SECURITY_ADMIN, province),
        ("13800000011", "审计管理员", Role.AUDIT_ADMIN, province),
        ("13800000012", "思明区工程办管理员", Role.COUNTY_OFFICE, ("region", "350203", "思明区")),
    ]
    return [DemoAccount(phone=p, name=n, role=str(r), node_kind=k, node_code=c, node_name=nn)
            for p, n, r, (k, c, nn) in rows]


def organizations_seed() -> list[Organization]:
    """The demo county's teacher college, one teacher college per city-level unit and the
    province's training institutions."""
    regions = {r.code: r for r in Region.objects.filter(level__in=["province", "city"]).order_by("path")}
    orgs = [organization_ensure(code=DEMO_COLLEGE_CODE, name=DEMO_COLLEGE_NAME,
                                kind=OrganizationKind.TEACHER_COLLEGE, region=Region.objects.get(code="350102"))]
    for code, city in regions.items():
        if city.level != "city":
            continue
        name = "平潭综合实验区教师进修学校" if code == "3590" else f"{city.name}教师进修学院"
        orgs.append(organization_ensure(code=f"TC{code}", name=name, kind=OrganizationKind.TEACHER_COLLEGE,
                                        region=city))
    for code, name in INSTITUTIONS:
        orgs.append(organization_ensure(code=code, name=name, kind=OrganizationKind.INSTITUTION,
                                        region=regions["35"]))
    return orgs


def _node(account: DemoAccount) -> Region | School | Organization:
    model = {"region": Region, "school": School, "organization": Organization}[account.node_kind]
    return model.objects.get(code=account.node_code)


@contextlib.contextmanager
def _each_password_hashed_once() -> Iterator[None]:
    """Every demo account has the same published password, and each hash costs the hasher's
    full work factor (about half a second of CPU with PBKDF2 at Django's default, by design):
    while the demo accounts are made, a password already hashed gets the same hash again
    instead of a new salt. For the demo only; a real account always gets its own salt."""
    real = base_user.make_password
    made: dict[str, str] = {}

    def once(password, salt=None, hasher="default"):
        if salt is not None or hasher != "default" or not isinstance(password, str):
            return real(password, salt, hasher)
        if password not in made:
            made[password] = real(password)
        return made[password]

    base_user.make_password = once
    try:
        yield
    finally:
        base_user.make_password = real


@transaction.atomic
def demo_accounts_seed() -> list[DemoAccount]:
    """Create the demo users with their roles; the teacher login is an actual seeded teacher
    of the demo school, whose account gets the demo phone and password. Returns the accounts
    as created (the teacher row carries the teacher's real name)."""
    with _each_password_hashed_once():
        return _demo_accounts_create()


def _demo_accounts_create() -> list[DemoAccount]:
    created = []
    for account in demo_accounts():
        node = _node(account)
        if account.role == Role.TEACHER:
            teacher = (Teacher.objects.filter(school=node, user__isnull=False).select_related("user")
                       .order_by("pk").first())
            if teacher is None:
                continue
            user: User = teacher.user
            user.phone = account.phone
            user.set_password(account.password)
            user.must_change_password = False
            user.save(update_fields=["phone", "password", "must_change_password"])
            teacher.phone = account.phone
            teacher.save(update_fields=["phone"])
            role_assign(actor=None, user=user, role=account.role, node=node)
            account = DemoAccount(phone=account.phone, name=teacher.name, role=account.role,
                                  node_kind=account.node_kind, node_code=account.node_code,
                                  node_name=account.node_name)
        else:
            user_create(actor=None, phone=account.phone, name=account.name, password=account.password,
                        role=account.role, node=node)
        created.append(account)
    return created
