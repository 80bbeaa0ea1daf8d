"""Writes of the practice app (catalogue, plans, choices, evidence, assessment)."""

from tisheng.practice.services.assessment import (
    peer_assign,
    peer_assign_school,
    point_result_decide,
    point_result_recommend,
    point_result_return,
    point_result_rule,
    review_peer,
    review_self,
    review_team,
)
from tisheng.practice.services.catalogue import catalogue_load, current_version, current_versions, point_edit
from tisheng.practice.services.choices import allowed_environments, choice_shortfall, choices_save
from tisheng.practice.services.evidence import submission_attempts, submission_upload
from tisheng.practice.services.plans import (
    approved_plan,
    latest_plan,
    plan_decide,
    plan_save,
    plan_submit,
    team_member_add,
    team_member_remove,
)

__all__ = [
    "allowed_environments", "approved_plan", "catalogue_load", "choice_shortfall", "choices_save", "current_version",
    "current_versions", "latest_plan", "peer_assign", "peer_assign_school", "plan_decide", "plan_save", "plan_submit",
    "point_edit", "point_result_decide", "point_result_recommend", "point_result_return", "point_result_rule",
    "review_peer", "review_self", "review_team", "submission_attempts", "submission_upload", "team_member_add",
    "team_member_remove",
]
