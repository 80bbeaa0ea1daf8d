"""Writes of study classes: forming one (bulk from the enrollment list), members, tutors, and the
tutor's reminders, announcements and bulletins. Each is one transaction with an audit row; a
decision about people tells them (notifications)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.communities import selectors
from tisheng.communities.models import (
    Announcement,
    ClassBulletin,
    ClassMember,
    ClassTutor,
    Reminder,
    StudyClass,
)
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many

REGION_OUTSIDE_CONTRACTS = _("Your organization may not form classes for this region in this program.")
SCHOOL_OUTSIDE_REGION = _("The school is not in the class's region.")
CLASS_NAME_TAKEN = _("Your organization already has a class of this name in this program.")
NAME_REQUIRED = _("Give the class a name.")
NOT_A_TUTOR = _("This person is not a tutor of your organization.")
ALREADY_TUTOR = _("This person already tutors the class.")
TEXT_REQUIRED = _("Write the text first.")
TEACHER_NOT_MEMBER = _("This teacher is not a member of the class.")
CLASS_HAS_NO_MEMBERS = _("The class has no members yet.")
BULK_CHUNK = 1000


def _url(study_class: StudyClass) -> str:
    return reverse("communities:class_detail", args=[study_class.pk])


@transaction.atomic
def class_create(*, actor, organization, program, region, name: str, basis: str = StudyClass.Basis.COUNTY,
                 school=None, subject: str = "", add_enrolled: bool = True) -> tuple[StudyClass, int]:
    """Form a class in `region` (within the organization's contracts for `program`) and, with
    `add_enrolled`, put into it every enrolled teacher of the region (school, subject) who is in no
    class of the program yet. Returns the class and the number of teachers added."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(NAME_REQUIRED)
    if not selectors.contract_regions(organization, program).filter(pk=region.pk).exists():
        raise ValidationError(REGION_OUTSIDE_CONTRACTS)
    if school is not None and not (school.path.startswith(region.path + "/")):
        raise ValidationError(SCHOOL_OUTSIDE_REGION)
    study_class = StudyClass(program=program, organization=organization, name=name, basis=basis, region=region,
                             region_path=region.path, school=school, subject=(subject or "").strip(),
                             created_by=actor)
    study_class.full_clean(exclude=["created_by"], validate_unique=False)
    if StudyClass.objects.filter(organization=organization, program=program, name=name).exists():
        raise ValidationError(CLASS_NAME_TAKEN)
    study_class.save()
    added = members_add_enrolled(actor=actor, study_class=study_class, audit_it=False) if add_enrolled else 0
    audit(actor=actor, action="communities.class_create", obj=study_class, program=program.code, name=name, count=added)
    return study_class, added


@transaction.atomic
def members_add_enrolled(*, actor, study_class: StudyClass, school_id: int | None = None, subject: str = "",
                         audit_it: bool = True) -> int:
    """Bulk: the enrolled teachers of the class's region (school, subject) in no class yet. One
    INSERT per chunk; a teacher put in another class meanwhile is skipped, not an error."""
    teacher_ids = list(selectors.candidate_enrollments(study_class, school_id=school_id, subject=subject)
                       .values_list("teacher_id", flat=True))
    now = timezone.now()
    for start in range(0, len(teacher_ids), BULK_CHUNK):
        ClassMember.objects.bulk_create(
            [ClassMember(study_class=study_class, program_id=study_class.program_id, teacher_id=t, added_at=now)
             for t in teacher_ids[start:start + BULK_CHUNK]], ignore_conflicts=True)
    if audit_it:
        audit(actor=actor, action="communities.members_add", obj=study_class, count=len(teacher_ids))
    return len(teacher_ids)


@transaction.atomic
def member_remove(*, actor, study_class: StudyClass, member_id: int) -> None:
    member = ClassMember.objects.filter(study_class=study_class, pk=member_id).select_related("teacher").first()
    if member is None:
        raise ValidationError(TEACHER_NOT_MEMBER)
    member.delete()
    audit(actor=actor, action="communities.member_remove", obj=study_class, teacher=member.teacher_id)


@transaction.atomic
def tutor_assign(*, actor, study_class: StudyClass, user) -> ClassTutor:
    if not selectors.tutors_of(study_class.organization).filter(pk=user.pk).exists():
        raise ValidationError(NOT_A_TUTOR)
    try:
        with transaction.atomic():
            tutor = ClassTutor.objects.create(study_class=study_class, user=user)
    except IntegrityError:
        raise ValidationError(ALREADY_TUTOR) from None
    audit(actor=actor, action="communities.tutor_assign", obj=study_class, user=user.pk)
    notify_many([Message(to=user, kind=Kind.OTHER, title=f"您已被指定为“{study_class.name}”的辅导教师",
                         body=f"{study_class.organization.name}请您辅导{study_class.program.name}研修班级"
                              f"“{study_class.name}”。", url=_url(study_class))])
    return tutor


@transaction.atomic
def tutor_remove(*, actor, study_class: StudyClass, user_id: int) -> None:
    deleted, _ = ClassTutor.objects.filter(study_class=study_class, user_id=user_id).delete()
    if deleted:
        audit(actor=actor, action="communities.tutor_remove", obj=study_class, user=user_id)


@transaction.atomic
def reminder_send(*, actor, study_class: StudyClass, text: str, member_id: int | None = None,
                  only_idle: bool = False) -> Reminder:
    """Remind one member, the whole class, or (only_idle) those not started or idle for IDLE_DAYS."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(TEXT_REQUIRED)
    members = ClassMember.objects.filter(study_class=study_class).select_related("teacher__user")
    teacher = None
    if member_id is not None:
        members = members.filter(pk=member_id)
        if not members.exists():
            raise ValidationError(TEACHER_NOT_MEMBER)
        teacher = members[0].teacher
    targets = [m.teacher for m in members]
    if only_idle and member_id is None:
        wanted = {r.teacher_id for r in selectors.member_rows(study_class) if r.is_idle or not r.started}
        targets = [t for t in targets if t.pk in wanted]
    if not targets:
        raise ValidationError(CLASS_HAS_NO_MEMBERS)
    reminder = Reminder.objects.create(study_class=study_class, teacher=teacher, author=actor, text=text[:300],
                                       recipients=len(targets))
    notify_many([Message(to=t, kind=Kind.REMINDER, title=f"{study_class.name}：辅导教师提醒", body=text,
                         url=_url(study_class)) for t in targets])
    audit(actor=actor, action="communities.remind", obj=study_class, count=len(targets),
          teacher=teacher.pk if teacher else None)
    return reminder


@transaction.atomic
def announcement_post(*, actor, study_class: StudyClass, title: str, body: str) -> Announcement:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationError(TEXT_REQUIRED)
    announcement = Announcement(study_class=study_class, author=actor, title=title, body=body)
    announcement.full_clean(exclude=["author"])
    announcement.save()
    members = ClassMember.objects.filter(study_class=study_class).select_related("teacher__user")
    notify_many([Message(to=m.teacher, kind=Kind.OTHER, title=f"{study_class.name}公告：{title}", body=body,
                         url=_url(study_class)) for m in members])
    audit(actor=actor, action="communities.announce", obj=study_class, name=title)
    return announcement


@transaction.atomic
def bulletin_issue(*, actor, study_class: StudyClass, title: str = "", text: str = "") -> ClassBulletin:
    """Freeze the class's numbers now with the tutor's words; the page and the PDF render from it."""
    rows = selectors.member_rows(study_class)
    if not rows:
        raise ValidationError(CLASS_HAS_NO_MEMBERS)
    numbers = selectors.class_numbers(study_class, rows)
    today = timezone.localdate()
    numbers["class"] = study_class.name
    numbers["program"] = study_class.program.name
    numbers["organization"] = study_class.organization.name
    numbers["day"] = today.isoformat()
    title = (title or "").strip() or f"{study_class.name}班级简报（{today.year}年{today.month}月{today.day}日）"
    bulletin = ClassBulletin(study_class=study_class, author=actor, title=title[:100], text=(text or "").strip(),
                             numbers=numbers)
    bulletin.full_clean(exclude=["author"])
    bulletin.save()
    members = ClassMember.objects.filter(study_class=study_class).select_related("teacher__user")
    url = reverse("communities:bulletin_detail", args=[bulletin.pk])
    notify_many([Message(to=m.teacher, kind=Kind.OTHER, title=bulletin.title,
                         body=f"{study_class.name}发布了新一期班级简报。", url=url) for m in members])
    audit(actor=actor, action="communities.bulletin_issue", obj=study_class, name=bulletin.title)
    return bulletin
