"""Study-class pages: the list (each person's own classes), forming a class, the class page
(progress for tutors and the forming organization; announcements and bulletins for everyone in
it), and the tutor's actions. Every action ends on the class page with a message saying what
happened."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.communities import bulletins, discussion, selectors, services
from tisheng.communities.models import ClassBulletin, StudyClass
from tisheng.orgs.models import School
from tisheng.orgs.scope import has_capability

CLASS_FORMED_MSG = _("Class formed with %(count)s teachers.")
MEMBERS_ADDED_MSG = _("%(count)s teachers added to the class.")
MEMBER_REMOVED_MSG = _("Teacher removed from the class.")
TUTOR_ASSIGNED_MSG = _("Tutor assigned; they have been told.")
TUTOR_REMOVED_MSG = _("Tutor removed from the class.")
REMINDER_SENT_MSG = _("Reminder sent to %(count)s teachers.")
ANNOUNCED_MSG = _("Announcement posted; the class has been told.")
BULLETIN_ISSUED_MSG = _("Class bulletin issued.")


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _back(study_class: StudyClass, anchor: str = ""):
    return redirect(reverse("communities:class_detail", args=[study_class.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
def class_list(request):
    if not has_capability(request.user, Cap.COMMUNITIES_VIEW):
        raise PermissionDenied
    organizations = list(selectors.forming_organizations(request.user))
    return render(request, "communities/class_list.html", {
        "classes": selectors.classes_for(request.user)[:500], "organizations": organizations})


@login_required
def class_create(request):
    organizations = list(selectors.forming_organizations(request.user))
    if not organizations:
        raise PermissionDenied
    organization = next((o for o in organizations if str(o.pk) == (request.GET.get("organization")
                                                                     or request.POST.get("organization"))),
                        organizations[0])
    programs = list(selectors.contracted_programs(organization))
    program = next((p for p in programs if str(p.pk) == (request.GET.get("program") or request.POST.get("program"))),
                   programs[0] if programs else None)
    regions = list(selectors.contract_regions(organization, program)) if program else []
    schools = School.objects.filter(county__in=[r for r in regions if r.level == "county"]).order_by("path")[:2000]
    form = {"name": "", "basis": StudyClass.Basis.COUNTY, "subject": "", "region": None, "school": None,
            "add_enrolled": True}
    if request.method == "POST" and program is not None:
        region = next((r for r in regions if str(r.pk) == request.POST.get("region")), None)
        school_id = _int(request.POST.get("school"))
        school = School.objects.filter(pk=school_id).first() if school_id else None
        form.update(name=request.POST.get("name", ""), basis=request.POST.get("basis", "county"),
                    subject=request.POST.get("subject", ""), region=region and region.pk, school=school_id,
                    add_enrolled=bool(request.POST.get("add_enrolled")))
        if region is None:
            messages.error(request, services.REGION_OUTSIDE_CONTRACTS)
        else:
            try:
                study_class, added = services.class_create(
                    actor=request.user, organization=organization, program=program, region=region,
                    name=form["name"], basis=form["basis"], school=school, subject=form["subject"],
                    add_enrolled=form["add_enrolled"])
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, CLASS_FORMED_MSG % {"count": added})
                return _back(study_class)
    return render(request, "communities/class_create.html", {
        "organizations": organizations, "organization": organization, "programs": programs, "program": program,
        "regions": regions, "schools": schools, "bases": StudyClass.Basis.choices, "form": form})


@login_required
def class_detail(request, pk: int):
    study_class = selectors.get_class_for_user(request.user, pk)
    manage = selectors.can_manage(request.user, study_class)
    guide = manage or selectors.is_tutor(request.user, study_class)
    oversee = guide or selectors.can_oversee(request.user, study_class)
    rows = selectors.member_rows(study_class) if (guide or oversee) else []
    # The remove button's address around the member's id, reversed once instead of once a row.
    remove_url_head, _sep, remove_url_tail = reverse(
        "communities:member_remove", args=[study_class.pk, 999999999]).rpartition("999999999")
    context = {
        "c": study_class, "manage": manage, "guide": guide, "progress": guide or oversee, "rows": rows,
        "remove_url_head": remove_url_head, "remove_url_tail": remove_url_tail,
        "numbers": selectors.class_numbers(study_class, rows) if rows else None,
        "idle_days": selectors.IDLE_DAYS,
        "tutors": list(study_class.tutors.select_related("user")),
        "announcements": list(study_class.announcements.select_related("author")[:20]),
        "bulletins": list(study_class.bulletins.all()[:20]),
        "reminders": list(study_class.reminders.select_related("teacher")[:10]) if guide else [],
        "available_tutors": list(selectors.tutors_of(study_class.organization)) if manage else [],
        "candidates": selectors.candidate_enrollments(study_class).count() if manage else 0,
        "assignments": selectors.assignments_of(study_class, request.user),
        "threads": list(discussion.threads_of(study_class, moderator=guide)[:5]),
    }
    return render(request, "communities/class_detail.html", context)


def _guided_class(request, pk: int) -> StudyClass:
    study_class = selectors.get_class_for_user(request.user, pk)
    if not selectors.can_guide(request.user, study_class):
        raise PermissionDenied
    return study_class


def _managed_class(request, pk: int) -> StudyClass:
    study_class = selectors.get_class_for_user(request.user, pk)
    if not selectors.can_manage(request.user, study_class):
        raise PermissionDenied
    return study_class


@login_required
@require_POST
def members_add(request, pk: int):
    study_class = _managed_class(request, pk)
    added = services.members_add_enrolled(actor=request.user, study_class=study_class)
    messages.success(request, MEMBERS_ADDED_MSG % {"count": added})
    return _back(study_class, "members")


@login_required
@require_POST
def member_remove(request, pk: int, member_id: int):
    study_class = _managed_class(request, pk)
    try:
        services.member_remove(actor=request.user, study_class=study_class, member_id=member_id)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, MEMBER_REMOVED_MSG)
    return _back(study_class, "members")


@login_required
@require_POST
def tutor_assign(request, pk: int):
    study_class = _managed_class(request, pk)
    user = selectors.tutors_of(study_class.organization).filter(pk=_int(request.POST.get("user")) or 0).first()
    if user is None:
        messages.error(request, services.NOT_A_TUTOR)
        return _back(study_class, "tutors")
    try:
        services.tutor_assign(actor=request.user, study_class=study_class, user=user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, TUTOR_ASSIGNED_MSG)
    return _back(study_class, "tutors")


@login_required
@require_POST
def tutor_remove(request, pk: int, user_id: int):
    study_class = _managed_class(request, pk)
    services.tutor_remove(actor=request.user, study_class=study_class, user_id=user_id)
    messages.success(request, TUTOR_REMOVED_MSG)
    return _back(study_class, "tutors")


@login_required
@require_POST
def remind(request, pk: int):
    study_class = _guided_class(request, pk)
    try:
        reminder = services.reminder_send(actor=request.user, study_class=study_class, text=request.POST.get("text"),
                                          member_id=_int(request.POST.get("member")),
                                          only_idle=request.POST.get("who") == "idle")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, REMINDER_SENT_MSG % {"count": reminder.recipients})
    return _back(study_class, "members")


@login_required
@require_POST
def announce(request, pk: int):
    study_class = _guided_class(request, pk)
    try:
        services.announcement_post(actor=request.user, study_class=study_class, title=request.POST.get("title"),
                                   body=request.POST.get("body"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, ANNOUNCED_MSG)
    return _back(study_class, "announcements")


@login_required
@require_POST
def bulletin_issue(request, pk: int):
    study_class = _guided_class(request, pk)
    try:
        bulletin = services.bulletin_issue(actor=request.user, study_class=study_class,
                                           title=request.POST.get("title", ""), text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(study_class, "bulletins")
    messages.success(request, BULLETIN_ISSUED_MSG)
    return redirect("communities:bulletin_detail", bulletin.pk)


def _bulletin_for_user(request, pk: int) -> ClassBulletin:
    bulletin = ClassBulletin.objects.filter(pk=pk).select_related("study_class", "author").first()
    if bulletin is None:
        raise Http404
    selectors.get_class_for_user(request.user, bulletin.study_class_id)  # 404 outside the class's readers
    return bulletin


@login_required
def bulletin_detail(request, pk: int):
    bulletin = _bulletin_for_user(request, pk)
    return render(request, "communities/bulletin_detail.html", {
        "b": bulletin, "n": bulletin.numbers, "summary": bulletins.summary(bulletin.numbers),
        "reminders": bulletins.reminders(bulletin.numbers),
        "paragraphs": [p.strip() for p in bulletin.text.splitlines() if p.strip()]})


@login_required
def bulletin_pdf(request, pk: int):
    bulletin = _bulletin_for_user(request, pk)
    response = HttpResponse(bulletins.bulletin_pdf(bulletin), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="class-bulletin-{bulletin.pk}.pdf"'
    return response
