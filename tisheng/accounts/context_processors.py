from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap, Role
from tisheng.orgs.scope import grants_for

# (url name, label, capability needed; None = every signed-in user). Menu labels carry the
# "navigation" context, so a word here never takes another screen's Chinese.
NAV_ITEMS = (
    ("home", pgettext_lazy("navigation", "Home"), None),
    ("monitoring:dashboard", pgettext_lazy("navigation", "Dashboard"), Cap.REPORTS_VIEW),
    ("monitoring:warning_list", pgettext_lazy("navigation", "Early warning"), Cap.REPORTS_VIEW),
    ("notifications:list", pgettext_lazy("navigation", "My notifications"), None),
    ("orgs:tree", pgettext_lazy("navigation", "Org tree"), Cap.ORGS_VIEW),
    ("people:teacher_list", pgettext_lazy("navigation", "Teachers"), Cap.TEACHERS_VIEW),
    ("people:roster_import", pgettext_lazy("navigation", "Roster import"), Cap.ROSTER_IMPORT),
    ("passwords:school_teachers", pgettext_lazy("navigation", "Teachers' logins"), Cap.TEACHERS_PASSWORD_RESET),
    ("programs:list", pgettext_lazy("navigation", "Programs"), Cap.REPORTS_VIEW),
    ("review:school", pgettext_lazy("navigation", "Completion list"), Cap.COMPLETION_SUBMIT),
    ("review:home", pgettext_lazy("navigation", "Completion review"), Cap.COMPLETION_REVIEW),
    ("review:province", pgettext_lazy("navigation", "Completion approval"), Cap.COMPLETION_APPROVE),
    ("review:mine", pgettext_lazy("navigation", "My completion review"), Cap.HOURS_DECLARE),  # every teacher holds hours.declare
    ("accounts:account_list", pgettext_lazy("navigation", "Accounts"), Cap.ACCOUNTS_MANAGE),
    ("federation:links", pgettext_lazy("navigation", "Platform links"), Cap.ACCOUNTS_MANAGE),
    ("accounts:audit_log", pgettext_lazy("navigation", "Audit log"), Cap.AUDIT_VIEW),
    ("certificates:list", pgettext_lazy("navigation", "Certificates"), Cap.CERTIFICATES_VIEW),
    ("certificates:partner", pgettext_lazy("navigation", "Partner certificates"), Cap.CERTIFICATES_ISSUE_PARTNER),
    ("monitoring:my_progress", pgettext_lazy("navigation", "My progress"), Cap.HOURS_DECLARE),
    ("ledger:my_hours", pgettext_lazy("navigation", "My hours"), Cap.HOURS_DECLARE),
    ("ledger:declaration_queue", pgettext_lazy("navigation", "Hours declarations"), Cap.HOURS_APPROVE),
    ("ledger:my_registry", pgettext_lazy("navigation", "My hours registry"), Cap.HOURS_DECLARE),
    ("ledger:cycles", pgettext_lazy("navigation", "Continuing-education cycles"), Cap.PROGRAMS_MANAGE),
    ("ledger:external_imports", pgettext_lazy("navigation", "Import outside hours"), Cap.HOURS_IMPORT),
    ("ledger:registration", pgettext_lazy("navigation", "Registration hours review"), Cap.REGISTRY_REPORT),
    ("ledger:registration_dates", pgettext_lazy("navigation", "Registration dates"), Cap.REGISTRATION_DATES),
    ("certificates:title_records", pgettext_lazy("navigation", "Records for title review"), Cap.TITLE_RECORDS),
    ("certificates:indicators", pgettext_lazy("navigation", "School evaluation indicators"), Cap.SCHOOL_INDICATORS),
    ("learning:catalogue", pgettext_lazy("navigation", "Course catalogue"), Cap.COURSES_SELECT),
    ("playback:my-lessons", pgettext_lazy("navigation", "My lessons"), Cap.COURSES_SELECT),
    ("learning:institution_courses", pgettext_lazy("navigation", "My courses"), Cap.COURSES_MANAGE),
    ("learning:contracts", pgettext_lazy("navigation", "Institution contracts"), Cap.CONTRACTS_MANAGE),
    ("learning:selection_status", pgettext_lazy("navigation", "Course selection"), Cap.LEARNING_MONITOR),
    ("learning:monitor", pgettext_lazy("navigation", "Online learning"), Cap.LEARNING_MONITOR),
    ("diagnostics:home", pgettext_lazy("navigation", "Diagnostic test"), Cap.TEACHERS_VIEW),
    ("practice:home", pgettext_lazy("navigation", "School-based practice"), Cap.PRACTICE_VIEW),
    ("resources:library", pgettext_lazy("navigation", "Resource library"), None),
    ("achievements:list", pgettext_lazy("navigation", "Achievement rounds"), Cap.ACHIEVEMENTS_MANAGE),
    ("achievements:list", pgettext_lazy("navigation", "Achievement rounds"), Cap.ACHIEVEMENTS_NOMINATE),
    ("practice:checks_overview", pgettext_lazy("navigation", "Practice overview"), Cap.REPORTS_VIEW),
    ("practice:checks_spot_list", pgettext_lazy("navigation", "Spot checks"), Cap.PRACTICE_SPOT_CHECK),
    ("practice:checks_review_list", pgettext_lazy("navigation", "My spot checks"), Cap.PRACTICE_SPOT_REVIEW),
    ("practice:checks_similarity_list", pgettext_lazy("navigation", "Similar evidence"), Cap.PRACTICE_ASSESS),
    ("integration:operations", pgettext_lazy("navigation", "Institution integration"), Cap.INTEGRATION_MANAGE),
    ("integration:platforms", pgettext_lazy("navigation", "Training platforms"), Cap.COURSES_SELECT),
    ("integration:institution_courses", pgettext_lazy("navigation", "xAPI activity ids"), Cap.COURSES_MANAGE),
    ("monitoring:evaluators", pgettext_lazy("navigation", "Third-party evaluators"), Cap.EVALUATORS_MANAGE),
    ("supervision:home", pgettext_lazy("navigation", "Supervision"), Cap.SUPERVISION_MANAGE),
    ("supervision:home", pgettext_lazy("navigation", "Supervision"), Cap.SUPERVISION_INSPECT),
    ("supervision:home", pgettext_lazy("navigation", "Supervision"), Cap.SUPERVISION_RESPOND),
    ("national:report", pgettext_lazy("navigation", "Report to the ministry"), Cap.NATIONAL_REPORT),
    ("national:dashboard", pgettext_lazy("navigation", "Provinces compared"), Cap.NATIONAL_VIEW),
    ("panels:list", pgettext_lazy("navigation", "Expert panels"), Cap.PANELS_MANAGE),
    ("panels:mine", pgettext_lazy("navigation", "My review assignments"), Cap.PANELS_SCORE),
    ("institutions:rounds", pgettext_lazy("navigation", "Institution selection"), Cap.INSTITUTIONS_MANAGE),
    ("institutions:rounds", pgettext_lazy("navigation", "Selection rounds"), Cap.INSTITUTIONS_APPLY),
    ("institutions:evaluation", pgettext_lazy("navigation", "Institution evaluation"), Cap.INSTITUTIONS_MANAGE),
    ("institutions:evaluation", pgettext_lazy("navigation", "Institution evaluation"), Cap.INSTITUTIONS_ASSESS),
    ("institutions:evaluation", pgettext_lazy("navigation", "Our evaluation"), Cap.INSTITUTIONS_APPLY),
    ("institutions:exits", pgettext_lazy("navigation", "Institution exit"), Cap.INSTITUTIONS_MANAGE),
    ("institutions:registrations", pgettext_lazy("navigation", "Institution registrations"), Cap.INSTITUTIONS_MANAGE),
    ("institutions:ratings", pgettext_lazy("navigation", "Rate my courses"), Cap.COURSES_SELECT),
    ("communities:class_list", pgettext_lazy("navigation", "Study classes"), Cap.COMMUNITIES_VIEW),
    ("communities:workshop_list", pgettext_lazy("navigation", "Workshops"), Cap.COMMUNITIES_VIEW),
    ("communities:pair_list", pgettext_lazy("navigation", "Pairing"), Cap.COMMUNITIES_PAIRS_MANAGE),
    ("communities:pair_list", pgettext_lazy("navigation", "Pairing"), Cap.COMMUNITIES_PAIRS_TAKE_PART),
    ("communities:rule_list", pgettext_lazy("navigation", "Points and hours rules"), Cap.COMMUNITIES_RULES),
    ("funding:index", pgettext_lazy("navigation", "Training funds"), Cap.FUNDING_VIEW),
    ("tracks:list", pgettext_lazy("navigation", "Tracks"), Cap.TRACKS_NOMINATE),
    ("tracks:pool", pgettext_lazy("navigation", "Trainer pool"), Cap.COMMUNITIES_CLASSES_MANAGE),
    ("funding:statements", pgettext_lazy("navigation", "Settlement statements"), Cap.FUNDING_CHECK),
    ("passwords:change", pgettext_lazy("navigation", "Change password"), None),
)
MY_RECORD = pgettext_lazy("navigation", "My record")


@lru_cache(maxsize=256)
def _menu_url(name: str, prefix: str, urlconf: str) -> str:
    """A menu entry's address: the same for every request under one URLconf and script prefix
    (reversing the whole menu again cost every page about a millisecond)."""
    return reverse(name, urlconf=urlconf)


def _is_active(request, url: str) -> bool:
    return request.path == url or (url != "/" and request.path.startswith(url))


def _role_labels(user) -> list[dict]:
    """Each role of the user with the name of the node it is held at: the assignments `grants_for`
    loaded for this request (ended grants left out there too), or one query."""
    from django.db.models import Q
    from django.utils import timezone

    from tisheng.accounts.models import RoleAssignment

    assignments = getattr(user, "_scope_assignments", None)
    if assignments is None:
        assignments = RoleAssignment.objects.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), user=user,  # ended grants show nothing
        ).select_related("region", "school", "organization")
    return [{"role": Role(a.role).label if a.role in Role.values else a.role, "node": a.node}
            for a in sorted(assignments, key=lambda a: a.pk)]


OWN_TEACHER_KEY = "_own_teacher"


def _own_teacher_url(request, user) -> str | None:
    """The link to the teacher's own record. Found once per login and kept in the session (every
    teacher's every page asked for it again: one query each); stored with the user it belongs to,
    and only once found, so an account linked to its teacher record later gets the link on its
    next page. The link grants nothing: the record's page checks the scope itself."""
    from tisheng.people.selectors import own_teacher

    session = getattr(request, "session", None)
    kept = session.get(OWN_TEACHER_KEY) if session is not None else None
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == user.pk:
        return reverse("people:teacher_detail", args=[kept[1]])
    teacher = own_teacher(user)
    if teacher is None:
        return None
    if session is not None:
        session[OWN_TEACHER_KEY] = [user.pk, teacher.pk]
    return reverse("people:teacher_detail", args=[teacher.pk])


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    caps = set().union(*(ROLE_CAPABILITIES.get(g.role, ()) for g in grants))  # has_capability, once for all
    prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    items = []
    for name, label, cap in NAV_ITEMS:
        if cap is not None and cap not in caps:
            continue
        # Teachers see their own record, not a list.
        if name == "people:teacher_list" and all(g.self_only for g in grants):
            continue
        url = _menu_url(name, prefix, urlconf)
        if any(i["url"] == url for i in items):  # one page listed under several capabilities
            continue
        items.append({"url": url, "label": label, "active": _is_active(request, url)})
    # Anyone holding the teacher role gets a link to their own record ("我的信息").
    if any(g.role == Role.TEACHER for g in grants):
        url = _own_teacher_url(request, user)
        if url:
            items.insert(1, {"url": url, "label": MY_RECORD, "active": request.path == url})
    # Nested entries (/monitoring/ and /monitoring/warning/): only the deepest match is current.
    deepest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for i in items:
        i["active"] = i["active"] and len(i["url"]) == deepest
    return {
        "nav_items": items,
        "user_roles": grants,
        "user_role_labels": SimpleLazyObject(lambda: _role_labels(user)),
    }
