"""Achievements' fixtures: resources' private media and in-process text extraction, a county
round of county A with one published resource of school A's, and a helper that scores and closes
a round's panel through the panels app's own services."""

import datetime as dt

import pytest
from django.utils import timezone

from tisheng.achievements import services
from tisheng.panels import services as panels
from tisheng.resources.tests.conftest import _extract_in_process, _private_media, make_resource  # noqa: F401

RUBRIC = {"criteria": [{"key": "c1", "label": "设计", "weight": 60, "max": 100},
                       {"key": "c2", "label": "效果", "weight": 40, "max": 100}]}
CATEGORIES = [{"key": "k1", "label": "典型应用案例"}, {"key": "k2", "label": "微课"}]


def open_round(world, *, region=None, actor=None, quota=2, title="2026年鼓楼区优秀应用成果评选"):
    today = timezone.localdate()
    return services.round_create(actor=actor or world.county_officer, region=region or world.county_a, title=title,
                                 year=today.year, categories=CATEGORIES, rubric=RUBRIC,
                                 nominate_from=today - dt.timedelta(days=1), nominate_until=today + dt.timedelta(days=7),
                                 quota=quota)


def score_and_close(world, r, scores: dict[int, tuple[str, str]], *, manager=None, phone="13900000301"):
    """One expert scores every nomination (nomination pk → (c1, c2)) and the panel closes."""
    manager = manager or world.county_officer
    r.refresh_from_db()
    expert = panels.panel_expert_add(actor=manager, panel=r.panel, phone=phone, name="郑专家", affiliation="师范大学")
    panels.panel_assign_all(actor=manager, panel=r.panel)
    for assignment in expert.assignments.select_related("item"):
        c1, c2 = scores[int(assignment.item.key.split(":")[1])]
        panels.scores_submit(actor=expert.user, assignment=assignment, values={"c1": c1, "c2": c2})
    panels.panel_close(actor=manager, panel=r.panel)
    r.refresh_from_db()
    return expert


@pytest.fixture
def county_round(world):
    return open_round(world)


@pytest.fixture
def two_resources(world):
    return [make_resource(world, title="分数的意义 课例", text="用希沃白板开展分数的意义教学"),
            make_resource(world, title="学情分析 微课", text="问卷星课前学情分析", kind="micro")]
