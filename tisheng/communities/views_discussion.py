"""Discussion pages: a class's threads (by topic), a thread with its replies paged by keyset,
posting, the tutor's pin/feature/hide, and the report button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.communities import discussion, selectors, workshop_selectors
from tisheng.communities.models import Reply, Thread

THREAD_POSTED_MSG = _("Thread posted.")
REPLY_POSTED_MSG = _("Reply posted.")
HIDDEN_MSG = _("Hidden; the author has been told why.")
REPORTED_MSG = _("Reported to the tutors. Thank you.")
FLAGS_MSG = _("Saved.")
DISCUSSION_LABEL = _("Discussion")


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _thread_for_user(request, pk: int) -> tuple[Thread, bool]:
    """The thread and whether the user moderates it (the class's guides, or the workshop's
    leaders); 404 outside the class or workshop, and for a hidden thread unless a moderator.
    A class's member, tutor or forming organization, a workshop's joined member or leader: one
    query (`discussion.thread_for_poster`); anyone else, the general path below."""
    fast = discussion.thread_for_poster(request.user, pk)
    if fast is not None:
        thread, moderator = fast.thread, fast.moderator
        if thread.hidden_reason and not moderator:
            raise Http404
        thread.takes_part = request.user.pk  # a workshop's joined member or leader (may post while open)
        return thread, moderator
    thread = Thread.objects.filter(pk=pk).select_related("author", "activity").first()
    if thread is None:
        raise Http404
    if thread.activity_id:
        thread.activity = workshop_selectors.get_activity_for_user(request.user, thread.activity_id)
        moderator = workshop_selectors.can_lead(request.user, thread.activity.workshop)
    else:
        study_class = selectors.get_class_for_user(request.user, thread.study_class_id, with_viewer=True, related=False)
        thread.study_class = study_class
        moderator = selectors.can_guide(request.user, study_class)
    if thread.hidden_reason and not moderator:
        raise Http404
    return thread, moderator


def _may_post(request, study_class=None, *, thread: Thread | None = None, guide: bool | None = None) -> bool:
    """Members and the class's guides (the workshop's members and leaders) post; offices that
    oversee only read; a closed workshop activity takes no more posts. `guide`: whether the user
    guides the class, when the caller already knows (two queries fewer on every reply posted)."""
    if thread is not None and thread.activity_id:
        activity = thread.activity
        if activity.closed:
            return False
        if getattr(thread, "takes_part", None) == request.user.pk:  # known from `thread_for_poster`
            return True
        return workshop_selectors.can_take_part(request.user, activity.workshop)
    study_class = study_class if study_class is not None else thread.study_class
    if guide is None:
        guide = selectors.can_guide(request.user, study_class)
    return guide or selectors.attends(request.user, study_class)


def _back(thread: Thread) -> tuple[str, str]:
    """Where the thread page's back button goes, and its label."""
    if thread.activity_id:
        return reverse("communities:activity_detail", args=[thread.activity_id]), thread.activity.title
    return reverse("communities:thread_list", args=[thread.study_class_id]), _gettext(DISCUSSION_LABEL)


@login_required
def thread_list(request, pk: int):
    study_class = selectors.get_class_for_user(request.user, pk, with_viewer=True, related=False)
    moderator = selectors.can_guide(request.user, study_class)
    topic = (request.GET.get("topic") or "").strip()[:32]
    if request.method == "POST":
        if not _may_post(request, study_class):
            raise PermissionDenied
        try:
            thread = discussion.thread_create(actor=request.user, study_class=study_class,
                                              title=request.POST.get("title"), body=request.POST.get("body"),
                                              topic=request.POST.get("topic", ""))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, THREAD_POSTED_MSG)
            return redirect("communities:thread_detail", thread.pk)
    return render(request, "communities/thread_list.html", {
        "c": study_class, "threads": discussion.threads_of(study_class, topic=topic, moderator=moderator)[:200],
        "topics": discussion.topics_of(study_class), "topic": topic, "moderator": moderator,
        "may_post": _may_post(request, study_class),
        "reports": list(discussion.open_reports(study_class)[:50]) if moderator else []})


@login_required
def thread_detail(request, pk: int):
    thread, moderator = _thread_for_user(request, pk)
    if request.method == "POST":
        if not _may_post(request, thread=thread, guide=moderator):
            raise PermissionDenied
        try:
            reply = discussion.reply_post(actor=request.user, thread=thread, body=request.POST.get("body"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, REPLY_POSTED_MSG)
            return redirect(reverse("communities:thread_detail", args=[thread.pk])
                            + f"?after={_int(request.POST.get('after'))}#reply-{reply.pk}")
    after = _int(request.GET.get("after"))
    replies, next_after = discussion.replies_page(thread, after=after, moderator=moderator)
    back_url, back_label = _back(thread)
    return render(request, "communities/thread_detail.html", {
        "t": thread, "replies": replies, "after": after, "next_after": next_after, "back_url": back_url,
        "back_label": back_label, "moderator": moderator, "may_post": _may_post(request, thread=thread, guide=moderator)})


@login_required
@require_POST
def thread_moderate(request, pk: int):
    thread, moderator = _thread_for_user(request, pk)
    if not moderator:
        raise PermissionDenied
    action = request.POST.get("action")
    reply = None
    if request.POST.get("reply"):
        reply = Reply.objects.filter(thread=thread, pk=_int(request.POST.get("reply"))).first()
        if reply is None:
            raise Http404
    try:
        if action == "hide":
            discussion.post_hide(actor=request.user, thread=thread, reply=reply, reason=request.POST.get("reason"))
            messages.success(request, HIDDEN_MSG)
            if reply is None:
                return redirect(_back(thread)[0])
        elif action in ("pin", "unpin"):
            discussion.thread_flag(actor=request.user, thread=thread, pinned=action == "pin")
            messages.success(request, FLAGS_MSG)
        elif action in ("feature", "unfeature") and reply is not None:
            discussion.reply_feature(actor=request.user, reply=reply, featured=action == "feature")
            messages.success(request, FLAGS_MSG)
        elif action in ("feature", "unfeature"):
            discussion.thread_flag(actor=request.user, thread=thread, featured=action == "feature")
            messages.success(request, FLAGS_MSG)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("communities:thread_detail", thread.pk)


@login_required
@require_POST
def post_report(request, pk: int):
    thread, _moderator = _thread_for_user(request, pk)
    reply = None
    if request.POST.get("reply"):
        reply = Reply.objects.filter(thread=thread, pk=_int(request.POST.get("reply")), hidden_reason="").first()
        if reply is None:
            raise Http404
    try:
        discussion.post_report(actor=request.user, thread=thread, reply=reply, reason=request.POST.get("reason"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, REPORTED_MSG)
    return redirect("communities:thread_detail", thread.pk)
