"""What each decision tells whom, in words a teacher reads: the hook the deciding service
calls, one line where the decision is made.

Each notice says what happened, why (the reviewer's reason, the grader's comments) and links to
the page to see or act on it. The text is written in the site's language (Chinese) whatever
language the deciding officer browses in, because it is stored and read later by someone else.
The objects come from the apps above (a declaration, a point result, an enrollment, a
certificate); this module only reads their fields and never imports those apps.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from tisheng.notifications.models import Kind
from tisheng.notifications.services import Delivery, Message, notify, notify_many

DECLARATION_APPROVED_TITLE = gettext_noop("Hours declaration approved")
DECLARATION_APPROVED_BODY = gettext_noop(
    "Your declaration of %(declared)s hours for “%(training)s” (%(platform)s) was approved by %(reviewer)s: "
    "%(approved)s imported hours were credited to %(program)s.")
DECLARATION_REFUSED_TITLE = gettext_noop("Hours declaration refused")
DECLARATION_REFUSED_BODY = gettext_noop(
    "Your declaration of %(declared)s hours for “%(training)s” (%(platform)s) was refused by %(reviewer)s. "
    "Reason: %(reason)s")
PRACTICE_ASSESSED_TITLE = gettext_noop("Practice point assessed: %(point)s %(result)s")
PRACTICE_ASSESSED_BODY = gettext_noop("The school's assessment team assessed your point %(point)s %(name)s: %(result)s.")
PRACTICE_CREDITED = gettext_noop("%(hours)s practice hours were credited.")
PRACTICE_FAILED = gettext_noop("No hours are credited for it; read the comments on your practice page.")
PRACTICE_COMMENTS = gettext_noop("Assessors' comments: %(comments)s")
ITEM_FAILED_TITLE = gettext_noop("Practice evidence to revise: %(point)s %(task)s")
ITEM_FAILED_BODY = gettext_noop(
    "The school's assessment team graded your “%(task)s” for %(point)s %(name)s as failed; revise it and submit "
    "it again. Comment: %(comment)s")
PRACTICE_RETURNED_TITLE = gettext_noop("Practice point returned: %(point)s")
PRACTICE_RETURNED_BODY = gettext_noop(
    "Your result for %(point)s %(name)s was returned. Reason: %(reason)s. Its practice hours were withdrawn; "
    "the school's team assesses it again.")
SPOT_CHECK_TITLE = gettext_noop("Spot check reversed a practice point: %(point)s")
COMPLETION_SUBMITTED_TITLE = gettext_noop("Completion submitted for review")
COMPLETION_SUBMITTED_BODY = gettext_noop(
    "Your school submitted your completion of %(program)s; the county office reviews it next.")
COMPLETION_PASSED_TITLE = gettext_noop("Completion review passed at the %(level)s")
COMPLETION_PASSED_BODY = gettext_noop(
    "Your completion of %(program)s passed the %(level)s review (%(reviewer)s); the %(next)s reviews it next.")
COMPLETION_APPROVED_TITLE = gettext_noop("Completion approved")
COMPLETION_APPROVED_BODY = gettext_noop(
    "The province office approved your completion of %(program)s. Your certificate is issued next.")
COMPLETION_RETURNED_TITLE = gettext_noop("Completion review returned")
COMPLETION_RETURNED_BODY = gettext_noop(
    "The %(level)s (%(reviewer)s) returned your completion of %(program)s. Reason: %(reason)s. "
    "Your school submits it again once your record is complete.")
CERTIFICATE_TITLE = gettext_noop("Certificate issued: %(name)s")
CERTIFICATE_BODY = gettext_noop(
    "Your %(name)s for %(program)s was issued, number %(number)s. Download it from your certificates page.")


def _level(level: str) -> str:
    return {"school": pgettext("review level", "school"), "county": pgettext("review level", "county office"),
            "city": pgettext("review level", "city office"),
            "province": pgettext("review level", "province office")}.get(level, level)


def _hours(value: Decimal | int | float) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _name(user: Any) -> str:
    return getattr(user, "name", "") or pgettext("notification", "the platform")


class _SiteLanguage(translation.override):
    """Write in the site's language, whoever decides."""

    def __init__(self) -> None:
        super().__init__(settings.LANGUAGE_CODE)


def declaration_decided(declaration: Any, *, actor: Any) -> Delivery:
    """An hours declaration approved (with the hours credited, and why fewer when capped) or
    refused (with the reviewer's reason)."""
    with _SiteLanguage():
        facts = {"declared": _hours(declaration.hours), "training": declaration.title,
                 "platform": declaration.platform, "reviewer": _name(actor)}
        if declaration.state == "approved":
            kind, title = Kind.DECLARATION_APPROVED, _(DECLARATION_APPROVED_TITLE)
            body = _(DECLARATION_APPROVED_BODY) % {**facts, "approved": _hours(declaration.approved_hours),
                                                   "program": declaration.program.name}
            if declaration.note:
                body += f"（{declaration.note}）"
        else:
            kind, title = Kind.DECLARATION_REFUSED, _(DECLARATION_REFUSED_TITLE)
            body = _(DECLARATION_REFUSED_BODY) % {**facts, "reason": declaration.note}
    return notify(declaration.teacher, kind, title, body, reverse("ledger:my_hours"))


def _practice_url(program: Any) -> str:
    return f"{reverse('practice:my')}?program={program.pk}"


def practice_assessed(result: Any, *, reviews: Iterable[Any], hours: Decimal) -> Delivery:
    """The team decided a point: its result, the hours it credited, the assessors' comments."""
    with _SiteLanguage():
        facts = {"point": result.point.code, "name": result.point.name, "result": result.get_result_display()}
        parts = [_(PRACTICE_ASSESSED_BODY) % facts]
        parts.append(_(PRACTICE_CREDITED) % {"hours": _hours(hours)} if hours else _(PRACTICE_FAILED))
        comments = [r.comment.strip() for r in reviews if (r.comment or "").strip()]
        if comments:
            parts.append(_(PRACTICE_COMMENTS) % {"comments": "；".join(dict.fromkeys(comments))})
        title = _(PRACTICE_ASSESSED_TITLE) % facts
    return notify(result.teacher, Kind.PRACTICE_GRADED, title, "".join(parts), _practice_url(result.program))


def practice_item_failed(review: Any) -> Delivery:
    """The team graded one item 不合格: the teacher revises and resubmits it (the comment says how)."""
    submission = review.submission
    point = submission.task.point_version.point
    with _SiteLanguage():
        facts = {"point": point.code, "name": point.name, "task": submission.task.title,
                 "comment": review.comment.strip()}
        title, body = _(ITEM_FAILED_TITLE) % facts, _(ITEM_FAILED_BODY) % facts
    return notify(submission.teacher, Kind.PRACTICE_RETURNED, title, body, _practice_url(submission.program))


def practice_returned(result: Any, *, reason: str, kind: str = Kind.PRACTICE_RETURNED) -> Delivery:
    """A passed point sent back (by the school, or reversed by a county spot check)."""
    with _SiteLanguage():
        facts = {"point": result.point.code, "name": result.point.name, "reason": reason.rstrip("。.")}
        title = _(SPOT_CHECK_TITLE if kind == Kind.SPOT_CHECK_REVERSED else PRACTICE_RETURNED_TITLE) % facts
        body = _(PRACTICE_RETURNED_BODY) % facts
    return notify(result.teacher, kind, title, body, _practice_url(result.program))


def completion_moved(enrollments: Iterable[Any], *, level: str, following: str, program: Any,
                     actor: Any) -> list[Delivery]:
    """A level passed the teachers on: the school submitted them, the county or city passed
    them to the next level, or the province approved them. One notification each, in bulk;
    `enrollments` come with their teacher (and its user) loaded."""
    with _SiteLanguage():
        if level == "school":
            title, body = _(COMPLETION_SUBMITTED_TITLE), _(COMPLETION_SUBMITTED_BODY) % {"program": program.name}
        elif following:
            facts = {"level": _level(level), "next": _level(following), "program": program.name,
                     "reviewer": _name(actor)}
            title, body = _(COMPLETION_PASSED_TITLE) % facts, _(COMPLETION_PASSED_BODY) % facts
        else:
            title, body = _(COMPLETION_APPROVED_TITLE), _(COMPLETION_APPROVED_BODY) % {"program": program.name}
    url = reverse("review:mine")
    return notify_many(Message(to=e.teacher, kind=Kind.COMPLETION_APPROVED, title=title, body=body, url=url)
                       for e in enrollments)


def completion_returned(enrollment: Any, *, level: str, reason: str, actor: Any) -> Delivery:
    with _SiteLanguage():
        body = _(COMPLETION_RETURNED_BODY) % {"level": _level(level), "reviewer": _name(actor),
                                              "program": enrollment.program.name, "reason": reason.rstrip("。.")}
        title = _(COMPLETION_RETURNED_TITLE)
    return notify(enrollment.teacher, Kind.COMPLETION_RETURNED, title, body, reverse("review:mine"))


def certificate_message(certificate: Any) -> Message:
    """The notice of one issued certificate, for `notify_many` (a batch sends its chunk at once)."""
    with _SiteLanguage():
        facts = {"name": certificate.name, "program": certificate.program_name, "number": certificate.number}
        title, body = _(CERTIFICATE_TITLE) % facts, _(CERTIFICATE_BODY) % facts
    return Message(to=certificate.teacher, kind=Kind.CERTIFICATE_ISSUED, title=title, body=body,
                   url=reverse("certificates:list"))


def certificate_issued(certificate: Any) -> Delivery:
    return notify_many([certificate_message(certificate)])[0]
