"""The scope filter against a model of the rules, over random trees and role assignments.

The claim: no user can read or change anything outside their subtree. Hypothesis builds
random worlds (provinces → cities → counties → schools → teachers, teacher colleges and
institutions hanging off regions, users holding several roles, self-scoped teachers) whose
codes deliberately share string prefixes — province "3" beside "35", city "351" beside
"3510", school "3512021" beside "35120210", organization "~T1" beside "~T10" — because a
scope filter that matches `path LIKE 'p%'` instead of `path = p OR path LIKE 'p/%'` leaks
exactly there. Then, for every user and capability, `scope_filter` must return exactly the
set a plain Python model predicts, and `get_object_for_user` must answer 404 outside and 403
for visible objects the capability does not reach.

The model below is written from the rules, not from scope.py: it compares path components
(no string prefixes), derives every path from the generated tree (not from the saved rows),
and knows where each role's subtree starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import ROLE_CAPABILITIES, ROLE_NODE_KINDS, SELF_SCOPED_ROLES, Cap, Role
from tisheng.core import idcard
from tisheng.orgs.models import Organization, Region, RegionLevel, School, Stage
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.orgs.selectors import school_list
from tisheng.people.models import Teacher
from tisheng.people.selectors import teacher_list

CAPABILITIES: tuple[str, ...] = tuple(v for k, v in vars(Cap).items() if k.isupper())

# Code pools chosen so that siblings and cousins are string prefixes of each other.
PROVINCE_CODES = ("3", "35")
CITY_SUFFIXES = ("1", "10", "0")
COUNTY_SUFFIXES = ("2", "20", "02")
SCHOOL_SUFFIXES = ("1", "10", "01", "A", "a")
ORG_CODES = ("T1", "T10", "T", "t1", "I1", "I10", "I")


@dataclass
class RegionSpec:
    code: str
    level: str
    parent: RegionSpec | None

    @property
    def parts(self) -> tuple[str, ...]:
        return (*self.parent.parts, self.code) if self.parent else (self.code,)


@dataclass
class SchoolSpec:
    code: str
    county: RegionSpec

    @property
    def parts(self) -> tuple[str, ...]:
        return (*self.county.parts, self.code)


@dataclass
class OrgSpec:
    code: str
    kind: str
    region: RegionSpec

    @property
    def parts(self) -> tuple[str, ...]:
        return (*self.region.parts, "~" + self.code)


@dataclass
class TeacherSpec:
    school: SchoolSpec
    owner: int | None = None  # index of the user whose own record this is

    @property
    def parts(self) -> tuple[str, ...]:
        return self.school.parts


@dataclass
class UserSpec:
    is_active: bool
    assignments: list[tuple[str, str, object]] = field(default_factory=list)  # (role, node kind, node spec)


@dataclass
class WorldSpec:
    regions: list[RegionSpec]
    schools: list[SchoolSpec]
    orgs: list[OrgSpec]
    teachers: list[TeacherSpec]
    users: list[UserSpec]
    probes: list[tuple[int, str]]  # (user index, capability) for get_object_for_user
    filter_region: RegionSpec  # what the selectors' region filters are tried with


def _children(draw, parent: RegionSpec, suffixes, level: str, used: set[str]) -> list[RegionSpec]:
    out = []
    for suffix in draw(st.lists(st.sampled_from(suffixes), min_size=1, max_size=3, unique=True)):
        code = parent.code + suffix
        if code not in used:  # division codes are unique nationwide
            used.add(code)
            out.append(RegionSpec(code, level, parent))
    return out


@st.composite
def worlds(draw) -> WorldSpec:
    used: set[str] = set()
    provinces = [RegionSpec(c, RegionLevel.PROVINCE, None)
                 for c in draw(st.lists(st.sampled_from(PROVINCE_CODES), min_size=1, max_size=2, unique=True))]
    used.update(p.code for p in provinces)
    cities = [c for p in provinces for c in _children(draw, p, CITY_SUFFIXES, RegionLevel.CITY, used)]
    counties = [c for city in cities for c in _children(draw, city, COUNTY_SUFFIXES, RegionLevel.COUNTY, used)]
    regions = provinces + cities + counties

    school_codes: set[str] = set()
    schools = []
    for county in counties:
        for suffix in draw(st.lists(st.sampled_from(SCHOOL_SUFFIXES), max_size=3, unique=True)):
            # "<county>0" + "1" and "<county>01" collide across counties: keep codes unique.
            code = county.code + "0" + suffix
            if code not in school_codes:
                school_codes.add(code)
                schools.append(SchoolSpec(code, county))

    orgs = []
    if cities or counties:
        for code in draw(st.lists(st.sampled_from(ORG_CODES), max_size=4, unique=True)):
            kind = "teacher_college" if code.upper().startswith("T") else "institution"
            orgs.append(OrgSpec(code, kind, draw(st.sampled_from(cities + counties))))

    teachers = [TeacherSpec(s) for s in schools for _ in range(draw(st.integers(0, 3)))]

    nodes: dict[str, list] = {
        "province": provinces, "city": cities, "county": counties, "school": schools,
        "teacher_college": [o for o in orgs if o.kind == "teacher_college"],
        "institution": [o for o in orgs if o.kind == "institution"],
    }
    users = []
    for index in range(draw(st.integers(1, 5))):
        user = UserSpec(is_active=draw(st.sampled_from((True, True, True, False))))
        seen = set()
        for role in draw(st.lists(st.sampled_from(list(Role)), min_size=1, max_size=4)):
            kinds = [k for k in sorted(ROLE_NODE_KINDS[role]) if nodes.get(k)]  # no national root here
            if not kinds:
                continue
            kind = draw(st.sampled_from(kinds))
            node = draw(st.sampled_from(nodes[kind]))
            if (role, kind, id(node)) not in seen:
                seen.add((role, kind, id(node)))
                user.assignments.append((role, kind, node))
        # Some users are teachers: their own record, usually with the teacher role.
        unowned = [t for t in teachers if t.owner is None]
        if unowned and draw(st.booleans()):
            mine = draw(st.sampled_from(unowned))
            mine.owner = index
            if draw(st.integers(0, 3)) and ("teacher", "school", id(mine.school)) not in seen:
                user.assignments.append((Role.TEACHER, "school", mine.school))
        users.append(user)

    probes = draw(st.lists(st.tuples(st.integers(0, len(users) - 1), st.sampled_from(CAPABILITIES)),
                           min_size=1, max_size=3))
    return WorldSpec(regions, schools, orgs, teachers, users, probes, draw(st.sampled_from(regions)))


def at_or_below(parts: tuple[str, ...], root: tuple[str, ...]) -> bool:
    return parts[: len(root)] == root


def subtree_root(kind: str, node) -> tuple[str, ...]:
    """Where an assignment's subtree starts: its node, except that a teacher college serves
    the whole region it is attached to."""
    if kind == "teacher_college":
        return node.region.parts
    return node.parts


def expected_visible(user: UserSpec, user_index: int, capability: str, parts: tuple[str, ...],
                     owner: int | None = None) -> bool:
    if not user.is_active:
        return False
    for role, kind, node in user.assignments:
        if capability not in ROLE_CAPABILITIES[role]:
            continue
        if role in SELF_SCOPED_ROLES:
            if owner == user_index:
                return True
        elif at_or_below(parts, subtree_root(kind, node)):
            return True
    return False


def build(spec: WorldSpec):
    """Write the world through the models; returns spec object → saved row."""
    rows: dict[int, object] = {}
    for r in spec.regions:
        rows[id(r)] = Region.objects.create(
            code=r.code, name=f"R{r.code}", level=r.level,
            parent=rows[id(r.parent)] if r.parent else None, path="/".join(r.parts))
    for s in spec.schools:
        rows[id(s)] = School.objects.create(code=s.code, name=f"S{s.code}", county=rows[id(s.county)],
                                            stage=Stage.PRIMARY)
    for o in spec.orgs:
        rows[id(o)] = Organization.objects.create(code=o.code, name=f"O{o.code}", kind=o.kind,
                                                  region=rows[id(o.region)])
    users = []
    for i, u in enumerate(spec.users):
        user = User.objects.create(phone=f"1500000{i:04d}", name=f"U{i}", is_active=u.is_active)
        for role, kind, node in u.assignments:
            key = {"school": "school", "teacher_college": "organization", "institution": "organization"}
            RoleAssignment.objects.create(user=user, role=role, **{key.get(kind, "region"): rows[id(node)]})
        users.append(user)
    for n, t in enumerate(spec.teachers):
        school = rows[id(t.school)]
        teacher = Teacher(name=f"T{n}", school=school, org_path=school.path, stage="primary", subject="语文",
                          user=users[t.owner] if t.owner is not None else None)
        teacher.set_national_id(idcard.make("350102", dt.date(1980, 1, 1), n))
        teacher.save()
        rows[id(t)] = teacher
    return rows, users


def expected_sets(spec: WorldSpec, rows, user_index: int, capability: str) -> dict[type, set[int]]:
    user = spec.users[user_index]
    return {
        Region: {rows[id(r)].pk for r in spec.regions if expected_visible(user, user_index, capability, r.parts)},
        School: {rows[id(s)].pk for s in spec.schools if expected_visible(user, user_index, capability, s.parts)},
        Organization: {rows[id(o)].pk for o in spec.orgs
                       if expected_visible(user, user_index, capability, o.parts)},
        Teacher: {rows[id(t)].pk for t in spec.teachers
                  if expected_visible(user, user_index, capability, t.parts, owner=t.owner)},
    }


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(spec=worlds())
def test_no_user_reads_or_changes_anything_outside_their_subtree(spec: WorldSpec):
    # Each example in its own savepoint, rolled back, so examples never see each other.
    with transaction.atomic():
        rows, users = build(spec)
        # The saved paths are the tree's paths: otherwise the model below would be moot.
        for s in spec.schools:
            assert rows[id(s)].path == "/".join(s.parts)
        for o in spec.orgs:
            assert rows[id(o)].path == "/".join(o.parts)

        for i, user in enumerate(users):
            for capability in CAPABILITIES:
                expected = expected_sets(spec, rows, i, capability)
                for model, pks in expected.items():
                    got = set(scope_filter(model.objects.all(), user, capability).values_list("pk", flat=True))
                    assert got == pks, (model.__name__, capability, spec.users[i])

        everything = [rows[id(x)] for x in (*spec.regions, *spec.schools, *spec.orgs, *spec.teachers)]
        for user_index, capability in spec.probes:
            user = users[user_index]
            allowed_sets = expected_sets(spec, rows, user_index, capability)
            visible_sets = {cap: expected_sets(spec, rows, user_index, cap)
                            for cap in {m.scope_view_capability for m in allowed_sets}}
            for obj in everything:
                model = type(obj)
                visible = visible_sets[model.scope_view_capability][model]
                allowed = allowed_sets[model]
                if obj.pk not in visible:
                    with pytest.raises(Http404):
                        get_object_for_user(user, model, capability, pk=obj.pk)
                elif obj.pk not in allowed:
                    with pytest.raises(PermissionDenied):
                        get_object_for_user(user, model, capability, pk=obj.pk)
                else:
                    assert get_object_for_user(user, model, capability, pk=obj.pk) == obj

        # The selectors the lists, the API and the exports start from, including a region filter
        # that may point outside the user's scope or at a prefix-sharing cousin.
        region = spec.filter_region
        for i, user in enumerate(users):
            teachers = expected_sets(spec, rows, i, Cap.TEACHERS_VIEW)[Teacher]
            schools = expected_sets(spec, rows, i, Cap.ORGS_VIEW)[School]
            assert set(teacher_list(user).values_list("pk", flat=True)) == teachers
            assert {s.pk for s in school_list(user)} == schools
            below = {rows[id(t)].pk for t in spec.teachers if at_or_below(t.parts, region.parts)}
            assert set(teacher_list(user, region=region.code).values_list("pk", flat=True)) == teachers & below
            below = {rows[id(s)].pk for s in spec.schools if at_or_below(s.parts, region.parts)}
            assert {s.pk for s in school_list(user, {"region": region.code})} == schools & below

        anonymous = AnonymousUser()
        for model in (Region, School, Organization, Teacher):
            for capability in CAPABILITIES:
                assert not scope_filter(model.objects.all(), anonymous, capability).exists()
        transaction.set_rollback(True)


def holds_anywhere(user: UserSpec, capability: str) -> bool:
    return user.is_active and any(capability in ROLE_CAPABILITIES[role] for role, _, _ in user.assignments)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(spec=worlds(), data=st.data())
def test_the_api_shows_each_user_exactly_their_subtree(client, spec: WorldSpec, data):
    """The same claim end to end, through /api/v1/: lists hold exactly the user's subtree,
    details answer 404 outside it (401 for a disabled account, 403 without the capability)."""
    with transaction.atomic():
        rows, users = build(spec)
        endpoints = (
            ("regions", Region, Cap.ORGS_VIEW, spec.regions, lambda r: r.code),
            ("schools", School, Cap.ORGS_VIEW, spec.schools, lambda s: s.code),
            ("teachers", Teacher, Cap.TEACHERS_VIEW, spec.teachers, lambda t: t.pk),
        )
        for i, (user, user_spec) in enumerate(zip(users, spec.users, strict=True)):
            client.force_login(user)
            for name, model, capability, specs, key in endpoints:
                response = client.get(f"/api/v1/{name}", {"page_size": 200})
                if not user_spec.is_active:
                    assert response.status_code == 401
                    continue
                if not holds_anywhere(user_spec, capability):
                    assert response.status_code == 403
                    continue
                expected = expected_sets(spec, rows, i, capability)[model]
                assert response.status_code == 200
                items = response.json()["items"]
                assert {item["code"] if name != "teachers" else item["id"] for item in items} == {
                    key(rows[id(x)]) for x in specs if rows[id(x)].pk in expected}
                assert response.json()["count"] == len(expected)
                for x in data.draw(st.lists(st.sampled_from(specs), max_size=3, unique_by=id)) if specs else ():
                    obj = rows[id(x)]
                    status = client.get(f"/api/v1/{name}/{key(obj)}").status_code
                    assert status == (200 if obj.pk in expected else 404), (name, key(obj), user_spec)
        transaction.set_rollback(True)
