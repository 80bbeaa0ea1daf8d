"""The demo's achievement rounds, through the real services: the demo county's finished round
(the demo school nominated its three best resources, an expert panel scored them, the county
published the results: certificates, the county library, the teachers' records), and the city's
round taking nominations, where the county has already put its first prize forward."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.achievements import services
from tisheng.achievements.models import Nomination, Round
from tisheng.orgs.models import School
from tisheng.panels import services as panels

RUBRIC = {"criteria": [
    {"key": "c1", "label": "教学设计与创新", "weight": 30, "max": 100},
    {"key": "c2", "label": "信息技术融合应用", "weight": 30, "max": 100},
    {"key": "c3", "label": "教学效果", "weight": 25, "max": 100},
    {"key": "c4", "label": "示范推广价值", "weight": 15, "max": 100},
]}
CATEGORIES = [{"key": "k1", "label": "典型应用案例"}, {"key": "k2", "label": "课例"}, {"key": "k3", "label": "微课"},
              {"key": "k4", "label": "教学设计"}]
CATEGORY_OF_KIND = {"case": "k1", "lesson": "k2", "micro": "k3", "design": "k4"}
EXPERTS = [("13900015001", "陈慧敏", "福建师范大学教育学院"), ("13900015002", "林国栋", "福州市教育研究院")]
SCORES = [(92, 90, 88, 85), (85, 83, 80, 78), (76, 74, 70, 72)]


def _user(role: str, **node):
    a = RoleAssignment.objects.filter(role=role, **node).select_related("user").order_by("pk").first()
    return a.user if a else None


def achievements_seed_demo(*, school_code: str) -> dict[str, int]:
    school = School.objects.select_related("county__parent").get(code=school_code)
    county, city = school.county, school.county.parent
    county_office = _user(Role.COUNTY_OFFICE, region=county)
    city_office = _user(Role.CITY_OFFICE, region=city)
    principal = _user(Role.SCHOOL_ADMIN, school=school)
    if county_office is None or city_office is None or principal is None:
        return {"rounds": 0}
    today = timezone.localdate()
    r = services.round_create(
        actor=county_office, region=county, title=f"{today.year}年{county.name}中小学教师信息技术应用优秀成果评选",
        year=today.year, categories=CATEGORIES, rubric=RUBRIC, nominate_from=today, nominate_until=today, quota=3,
        description="各校从校本研修推优成果和校级资源库中推荐，每校不超过 3 项。")
    candidates = list(services.candidate_resources(r, school.path).filter(kind__in=list(CATEGORY_OF_KIND))[:3])
    nominations = [services.nomination_create(actor=principal, r=r, unit_path=school.path,
                                              category=CATEGORY_OF_KIND[c.kind], resource_id=c.pk)
                   for c in candidates]
    services.round_start_scoring(actor=county_office, r=r, ends_on=today)
    r.refresh_from_db()
    experts = [panels.panel_expert_add(actor=county_office, panel=r.panel, phone=phone, name=name, affiliation=aff)
               for phone, name, aff in EXPERTS]
    panels.panel_assign_all(actor=county_office, panel=r.panel)
    order = {n.panel_key: i for i, n in enumerate(nominations)}
    for e, expert in enumerate(experts):
        for assignment in expert.assignments.select_related("item"):
            values = SCORES[order[assignment.item.key] % len(SCORES)]
            panels.scores_submit(actor=expert.user, assignment=assignment,
                                 values={f"c{i}": str(v - 2 * e) for i, v in enumerate(values, start=1)})
    panels.panel_close(actor=county_office, panel=r.panel)
    r.refresh_from_db()
    scored = list(r.nominations.all())
    services.round_publish(actor=county_office, r=r, awards=services.proposed_awards(scored) | (
        {n.pk: "second" for n in scored if n.rank == 2}))
    # The round ran over the past weeks (the dates a reader of the demo expects).
    Round.objects.filter(pk=r.pk).update(nominate_from=today - dt.timedelta(days=45),
                                         nominate_until=today - dt.timedelta(days=30))
    city_round = services.round_create(
        actor=city_office, region=city, title=f"{today.year}年{city.name}中小学教师信息技术应用优秀成果评选",
        year=today.year, categories=CATEGORIES, rubric=RUBRIC, nominate_from=today - dt.timedelta(days=3),
        nominate_until=today + dt.timedelta(days=27), quota=5,
        description="各县（市、区）从本级评选获奖成果中择优推荐。")
    promoted = 0
    for winner in Nomination.objects.filter(round=r, award="first"):
        services.nomination_create(actor=county_office, r=city_round, unit_path=county.path,
                                   category=winner.category, winner_id=winner.pk)
        promoted += 1
    return {"rounds": 2, "nominations": len(nominations), "winners": r.nominations.exclude(award="").count(),
            "promoted": promoted}
