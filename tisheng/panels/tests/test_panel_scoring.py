import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.notifications.models import Notification
from tisheng.panels import rubric as rubric_module
from tisheng.panels import services
from tisheng.panels.models import Score
from tisheng.panels.signals import panel_closed
from tisheng.panels.tests.conftest import assignment_of


def test_a_rubric_with_a_repeated_key_a_zero_weight_or_no_maximum_is_refused_with_the_criterion_number():
    good = {"key": "a", "label": "甲", "weight": 50, "max": 100}
    for bad, code in (([good, dict(good)], "rubric_duplicate_key"),
                      ([dict(good, weight=0)], "rubric_bad_weight"),
                      ([dict(good, max="many")], "rubric_bad_max"),
                      ([dict(good, key="A b")], "rubric_bad_key"),
                      ([], "rubric_empty")):
        with pytest.raises(ValidationError) as exc:
            rubric_module.rubric_clean({"criteria": bad})
        assert exc.value.code == code


def test_a_rubric_typed_one_criterion_a_line_becomes_data():
    rubric = rubric_module.rubric_from_lines("课程资源，40，100\n平台能力, 60, 50\n")
    assert rubric["criteria"][1] == {"key": "c2", "label": "平台能力", "weight": 60.0, "max": 50}


def test_a_new_expert_gets_an_account_a_grant_ending_with_the_panel_and_a_notification(board, world):
    expert = board.experts[0]
    assert expert.initial_password
    grant = RoleAssignment.objects.get(user=expert.user, role="expert")
    assert grant.region == world.province
    assert grant.expires_at.date() == board.panel.ends_on + dt.timedelta(days=1) or \
        grant.expires_at.astimezone().date() >= board.panel.ends_on
    assert Notification.objects.filter(recipient=expert.user, url=reverse("panels:mine")).exists()
    assert AuditLog.objects.filter(action="panels.expert_added").count() == 3


def _score(expert, item, resources, service):
    return services.scores_submit(actor=expert.user, assignment=assignment_of(expert, item),
                                  values={"resources": str(resources), "service": str(service)})


def test_a_score_above_the_criterion_maximum_is_refused_and_nothing_is_saved(board):
    with pytest.raises(ValidationError) as exc:
        _score(board.experts[0], board.item_1, 80, 51)
    assert exc.value.code == "score_out_of_range"
    assert not Score.objects.exists()


def test_an_expert_who_declared_a_conflict_cannot_score_the_item_and_their_scores_are_removed(board):
    expert = board.experts[0]
    _score(expert, board.item_1, 80, 40)
    services.conflict_declare(actor=expert.user, assignment=assignment_of(expert, board.item_1),
                              reason="曾为该机构课程顾问")
    assert not Score.objects.filter(expert=expert).exists()
    with pytest.raises(ValidationError) as exc:
        _score(expert, board.item_1, 80, 40)
    assert exc.value.code == "conflict_declared"


def test_an_expert_holding_a_role_at_the_institution_is_not_assigned_its_application(board, world):
    RoleAssignment.objects.create(user=board.experts[2].user, role="institution", organization=board.org_2)
    with pytest.raises(ValidationError) as exc:
        services.panel_assign(actor=world.province_officer, panel=board.panel, item=board.item_2,
                              expert=board.experts[2], assigned=True)
    assert exc.value.code == "organization_conflict"


def test_an_expert_cannot_score_once_their_grant_has_ended(board):
    RoleAssignment.objects.filter(user=board.experts[0].user, role="expert").update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as exc:
        _score(board.experts[0], board.item_1, 80, 40)
    assert exc.value.code == "grant_ended"


def test_closing_gives_mean_spread_and_flags_the_score_far_from_the_median(board, world):
    received = []
    panel_closed.connect(lambda **kw: received.append(kw["panel"].pk), weak=False, dispatch_uid="t")
    try:
        for expert, r in zip(board.experts, (80, 84, 20), strict=True):
            _score(expert, board.item_1, r, 40)
        panel = services.panel_close(actor=world.province_officer, panel=board.panel)
    finally:
        panel_closed.disconnect(dispatch_uid="t")
    row = next(r for r in panel.results["items"] if r["item_id"] == board.item_1.pk)
    assert row["criteria"]["resources"]["mean"] == 61.33
    assert row["criteria"]["resources"]["sd"] == pytest.approx(29.27, abs=0.01)
    assert [(o["expert"], o["value"]) for o in row["outliers"]] == [("周主任", 20.0)]
    # 60 × 61.33/100 + 40 × 40/50 = 68.8
    assert row["total"] == pytest.approx(68.8, abs=0.01)
    assert panel.results["missing"] == 3  # nobody scored item 2
    assert received == [panel.pk]
    with pytest.raises(ValidationError):
        _score(board.experts[0], board.item_1, 90, 40)
