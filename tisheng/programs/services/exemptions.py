"""Manual exemptions (long sick leave, …): a school asks, the county decides, and the
approver is recorded. Automatic retirement exemptions are granted by the enrollment rule
(services.enrollment)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.orgs.scope import get_object_for_user
from tisheng.programs.models import Enrollment, EnrollmentState, Exemption

if TYPE_CHECKING:
    from tisheng.accounts.models import User

REASON_REQUIRED = gettext_noop("Give the reason for the exemption")
ALREADY_EXEMPT = gettext_noop("This teacher is already exempt")
ALREADY_PENDING = gettext_noop("An exemption for this teacher is already waiting for a decision")
ALREADY_DECIDED = gettext_noop("This exemption has already been decided")
NOT_EXEMPTIBLE = gettext_noop("Only a teacher who is enrolled or in progress can be exempted")

EXEMPTION_REQUESTED = "exemption_requested"
EXEMPTION_DECIDED = "exemption_decided"
EXEMPTIBLE_STATES = (EnrollmentState.ENROLLED, EnrollmentState.IN_PROGRESS, EnrollmentState.RETURNED)


@transaction.atomic
def exemption_request(*, actor: User, enrollment: Enrollment, reason: str) -> Exemption:
    """A school asks for a manual exemption for one of its teachers (404 outside its scope,
    403 without exemptions.request)."""
    enrollment = get_object_for_user(actor, Enrollment.objects.select_for_update(), Cap.EXEMPTIONS_REQUEST,
                                     pk=enrollment.pk)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": [_(REASON_REQUIRED)]})
    if enrollment.state == EnrollmentState.EXEMPT:
        raise ValidationError({"reason": [_(ALREADY_EXEMPT)]})
    if enrollment.state not in EXEMPTIBLE_STATES:
        raise ValidationError({"reason": [_(NOT_EXEMPTIBLE)]})
    if enrollment.exemptions.filter(state=Exemption.State.PENDING).exists():
        raise ValidationError({"reason": [_(ALREADY_PENDING)]})
    exemption = Exemption.objects.create(enrollment=enrollment, kind=Exemption.Kind.MANUAL, reason=reason[:255],
                                         requested_by=actor)
    audit(actor=actor, action=EXEMPTION_REQUESTED, obj=enrollment, exemption=exemption.pk, reason=reason)
    return exemption


@transaction.atomic
def exemption_decide(*, actor: User, exemption: Exemption, approve: bool) -> Exemption:
    """The county approves (the enrollment becomes exempt) or rejects a pending exemption;
    the approver is recorded. 404 outside the county, 403 without exemptions.approve."""
    exemption = get_object_for_user(actor, Exemption.objects.select_for_update().select_related("enrollment"),
                                    Cap.EXEMPTIONS_APPROVE, pk=exemption.pk)
    if exemption.state != Exemption.State.PENDING:
        raise ValidationError(_(ALREADY_DECIDED))
    now = timezone.now()
    exemption.state = Exemption.State.APPROVED if approve else Exemption.State.REJECTED
    exemption.decided_by = actor
    exemption.decided_at = now
    exemption.save(update_fields=["state", "decided_by", "decided_at"])
    enrollment = exemption.enrollment
    if approve and enrollment.state in EXEMPTIBLE_STATES:
        enrollment.state = EnrollmentState.EXEMPT
        enrollment.updated_at = now
        enrollment.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action=EXEMPTION_DECIDED, obj=enrollment, exemption=exemption.pk, approved=approve)
    return exemption
