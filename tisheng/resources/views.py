"""The library's pages: search and browse, a resource (preview, download, use, rating, its
libraries and the quality inputs), contributing (an upload, or one's own evidence in two clicks),
my resources, and the review queue of the libraries one reviews."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.orgs.models import Region
from tisheng.orgs.scope import has_capability
from tisheng.people.choices import TeachingStage
from tisheng.practice.models import Grade
from tisheng.practice.services.evidence import DOCX, PDF, PPTX
from tisheng.resources import selectors
from tisheng.resources.models import (
    ContributorKind,
    EntryState,
    FileRole,
    Level,
    Licence,
    QualityRule,
    Rating,
    ResourceFile,
    ResourceKind,
    UsageEvent,
    UsageKind,
)
from tisheng.resources.services import library, ranking, use

CREATED = gettext_lazy("The resource is saved and submitted to %(library)s for review.")
CREATED_DRAFT = gettext_lazy("The resource is saved; submit it to a library when it is ready.")
CONTRIBUTED = gettext_lazy("Your evidence is contributed and waits for the review of %(library)s.")
SUBMITTED = gettext_lazy("Submitted to %(library)s for review.")
PUBLISHED = gettext_lazy("Published in %(library)s; the contributor is told.")
RETURNED = gettext_lazy("Returned to the contributor with your comments.")
PICKED = gettext_lazy("Added to %(library)s; the contributor is told.")
RATED = gettext_lazy("Your rating is saved.")
USED = gettext_lazy("Recorded: you used this resource. Thank you, it helps others find good resources.")


class ResourceForm(forms.Form):
    unit = forms.ChoiceField(label=pgettext_lazy("resource form", "On behalf of"))
    kind = forms.ChoiceField(label=pgettext_lazy("resource form", "Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=pgettext_lazy("resource form", "Title"), max_length=128)
    description = forms.CharField(label=pgettext_lazy("resource form", "Description"), required=False,
                                  max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    stage = forms.ChoiceField(label=pgettext_lazy("resource form", "Stage"), required=False,
                              choices=[("", "—"), *TeachingStage.choices])
    subject = forms.CharField(label=pgettext_lazy("resource form", "Subject"), max_length=32, required=False)
    points = forms.CharField(label=pgettext_lazy("resource form", "Capability points"), max_length=64, required=False,
                             help_text=gettext_lazy("2.0 micro-ability codes, e.g. A1 B2"))
    topic = forms.CharField(label=pgettext_lazy("resource form", "1.0 topic"), max_length=64, required=False)
    authors = forms.CharField(label=pgettext_lazy("resource form", "Authors"), max_length=255, required=False)
    licence = forms.ChoiceField(label=pgettext_lazy("resource form", "Licence"), choices=Licence.choices)
    level = forms.ChoiceField(label=pgettext_lazy("resource form", "Submit to"), required=False,
                              choices=[("", pgettext_lazy("resource form", "Do not submit yet")), *Level.choices])
    main = forms.FileField(label=pgettext_lazy("resource form", "File"), required=False)
    video = forms.FileField(label=pgettext_lazy("resource form", "Lesson video"), required=False)
    design = forms.FileField(label=pgettext_lazy("resource form", "Teaching design or reflection"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ContributorKind.choices)
        self.fields["unit"].choices = [(f"{u.kind}|{u.path}", f"{u.name}（{labels[u.kind]}）") for u in units]


def _library_context(request) -> dict:
    return {"can_contribute": has_capability(request.user, Cap.RESOURCES_CONTRIBUTE),
            "can_review": bool(library.review_roots(request.user)),
            "can_manage": has_capability(request.user, Cap.RESOURCES_MANAGE)}


@login_required
@require_GET
def library_home(request):
    filters = selectors.Filters.from_query(request.GET)
    page = selectors.library_search(request.user, filters)
    regions = Region.objects.filter(level__in=["city", "county"]).only("path", "name", "level").order_by("path")
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "resources/library.html", {
        "page": page, "f": filters, "kinds": ResourceKind.choices, "stages": TeachingStage.choices,
        "regions": regions, "query_string": params.urlencode(), "rule": ranking.quality_rule(),
        **_library_context(request)})


@login_required
@require_GET
def resource_detail(request, pk: int):
    resource = selectors.resource_for_user(request.user, pk)
    use.usage_record(actor=request.user, resource=resource, kind=UsageKind.VIEW)
    files = list(resource.files.all())
    entries = list(resource.entries.select_related("decided_by").order_by("submitted_at", "id"))
    names = library.library_names([e.library_path for e in entries] + [p for _lv, p in
                                                                       library.library_levels(resource.org_path)])
    for e in entries:
        e.library_name = names[e.library_path]
    in_library = {e.library_path for e in entries if e.state != EntryState.RETURNED}
    submit_levels = [(lv, names[p]) for lv, p in library.library_levels(resource.org_path) if p not in in_library]
    pick = library.pick_target(request.user, resource) if resource.state == "published" else None
    mine = Rating.objects.filter(resource=resource, user=request.user).first()
    rule = ranking.quality_rule()
    return render(request, "resources/detail.html", {
        "r": resource, "files": files, "entries": entries, "points": resource.points.values_list("code", flat=True),
        "submit_levels": submit_levels if resource.contributor_id == request.user.pk else [],
        "pick_library": library.library_names([pick])[pick] if pick else "",
        "my_rating": mine, "ratings": resource.ratings.select_related("user")[:20], "rule": rule,
        "explain": ranking.explain(resource, rule), "pdf": PDF, "office": (DOCX, PPTX),
        "my_libraries": library.review_roots(request.user),
        "used": UsageEvent.objects.filter(resource=resource, user=request.user, kind=UsageKind.USED).exists(),
        **_library_context(request)})


@login_required
@require_GET
@xframe_options_sameorigin
def resource_file(request, file_id: int):
    """A resource's file to those who may see the resource: video range-served, PDF and images
    inline (framed by our own page only), anything as a download with `?download=1`."""
    f = ResourceFile.objects.filter(pk=file_id).select_related("resource").first()
    if f is None:
        raise Http404
    selectors.resource_for_user(request.user, f.resource_id)
    name = library.file_name(f)
    # No exists() first: serve finds out whether the file is there (one HEAD in the object store)
    # and answers the page that says it is gone.
    download = request.GET.get("download") == "1"
    if f.kind == "video" and not download:
        return storage_files.serve(request, name, content_type=f.content_type, filename=f.original_name)
    inline = (f.content_type == PDF or f.kind == "image") and not download
    response = storage_files.serve(request, name, content_type=f.content_type, filename=f.original_name,
                                   as_attachment=not inline, through_app=inline)
    if download and response.status_code < 400:  # a file that is gone was not downloaded
        use.usage_record(actor=request.user, resource=f.resource, kind=UsageKind.DOWNLOAD)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def resource_new(request):
    if not has_capability(request.user, Cap.RESOURCES_CONTRIBUTE):
        raise PermissionDenied
    units = library.contributor_units(request.user)
    if not units:
        raise PermissionDenied
    form = ResourceForm(request.POST or None, request.FILES or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            unit_kind, _sep, unit_path = d["unit"].partition("|")
            uploads = [(FileRole.MAIN, d["main"]), (FileRole.VIDEO, d["video"]),
                       (FileRole.DESIGN, d["design"])]
            try:
                resource = library.resource_create(
                    actor=request.user, unit_path=unit_path, unit_kind=unit_kind, kind=d["kind"], title=d["title"],
                    description=d["description"], stage=d["stage"], subject=d["subject"], topic=d["topic"],
                    authors=d["authors"], licence=d["licence"], points=d["points"].replace("，", " ").split(),
                    level=d["level"], uploads=uploads)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                if d["level"]:
                    path = library.library_path(resource.org_path, d["level"])
                    messages.success(request, CREATED % {"library": library.library_names([path])[path]})
                else:
                    messages.success(request, CREATED_DRAFT)
                return redirect("resources:detail", resource.pk)
        status = 400
    return render(request, "resources/new.html", {"form": form}, status=status)


@login_required
@require_GET
def contribute_list(request):
    rows = list(selectors.contributable_evidence(request.user)[:100])
    return render(request, "resources/contribute_list.html", {"rows": rows, "grades": dict(Grade.choices)})


@login_required
def contribute(request, submission_id: int):
    """The second click: what comes along (file, text, grade), the licence, 同意并提交."""
    submission = selectors.own_submission(request.user, submission_id)
    levels = library.library_levels(submission.teacher.org_path)
    names = library.library_names([p for _lv, p in levels])
    error = ""
    if request.method == "POST":
        try:
            resource = library.resource_contribute_evidence(
                actor=request.user, submission=submission, consent=request.POST.get("consent") == "1",
                level=request.POST.get("level") or Level.SCHOOL, kind=request.POST.get("kind") or ResourceKind.CASE,
                title=request.POST.get("title", ""), licence=request.POST.get("licence") or Licence.PROVINCE)
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            path = library.library_path(resource.org_path, request.POST.get("level") or Level.SCHOOL)
            messages.success(request, CONTRIBUTED % {"library": names.get(path, path)})
            return redirect("resources:detail", resource.pk)
    point = submission.task.point_version
    return render(request, "resources/contribute.html", {
        "s": submission, "point": point, "grade": dict(Grade.choices).get(submission.grade, ""),
        "levels": [(lv, names[p]) for lv, p in levels], "kinds": ResourceKind.choices, "licences": Licence.choices,
        "default_title": f"{point.point.code} {point.name}：{submission.task.title}", "error": error},
        status=400 if error else 200)


@login_required
@require_GET
def my_resources(request):
    rows = list(selectors.my_resources(request.user)[:200])
    names = library.library_names([e.library_path for r in rows for e in r.entries.all()])
    for r in rows:
        r.entry_rows = [(e, names[e.library_path]) for e in r.entries.all()]
    return render(request, "resources/mine.html", {"rows": rows, **_library_context(request)})


@login_required
@require_POST
def resource_submit(request, pk: int):
    resource = selectors.resource_for_user(request.user, pk)
    level = request.POST.get("level", "")
    try:
        entry = library.resource_submit(actor=request.user, resource=resource, level=level)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, SUBMITTED % {"library": library.library_names([entry.library_path])[entry.library_path]})
    return redirect("resources:detail", resource.pk)


@login_required
@require_GET
def review_queue(request):
    roots = library.review_roots(request.user)
    if not roots:
        raise PermissionDenied
    entries = list(selectors.review_queue(request.user)[:200])
    names = library.library_names(roots)
    for e in entries:
        e.library_name = names.get(e.library_path, e.library_path)
    return render(request, "resources/review.html", {"entries": entries, "libraries": names.values(),
                                                     **_library_context(request)})


@login_required
@require_POST
def entry_decide(request, entry_id: int):
    entry = selectors.entry_for_reviewer(request.user, entry_id)
    publish = request.POST.get("decision") == "publish"
    try:
        library.entry_decide(actor=request.user, entry=entry, publish=publish, comment=request.POST.get("comment", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("resources:detail", entry.resource_id)
    if publish:
        messages.success(request, PUBLISHED % {"library": library.library_names([entry.library_path])[entry.library_path]})
    else:
        messages.success(request, RETURNED)
    return redirect("resources:review")


@login_required
@require_POST
def resource_pick(request, pk: int):
    resource = selectors.resource_for_user(request.user, pk)
    try:
        entry = library.resource_pick(actor=request.user, resource=resource)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, PICKED % {"library": library.library_names([entry.library_path])[entry.library_path]})
    return redirect("resources:detail", resource.pk)


@login_required
@require_POST
def resource_rate(request, pk: int):
    resource = selectors.resource_for_user(request.user, pk)
    try:
        use.rating_set(actor=request.user, resource=resource, stars=request.POST.get("stars"),
                       comment=request.POST.get("comment", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, RATED)
    return redirect("resources:detail", resource.pk)


@login_required
@require_POST
def resource_use(request, pk: int):
    resource = selectors.resource_for_user(request.user, pk)
    try:
        use.usage_record(actor=request.user, resource=resource, kind=UsageKind.USED, note=request.POST.get("note", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, USED)
    return redirect("resources:detail", resource.pk)


RULE_SAVED = gettext_lazy("The ranking's parameters are saved; the ranking is recomputed in the background.")
RANK_QUEUED = gettext_lazy("The ranking is being recomputed in the background.")


class QualityRuleForm(forms.ModelForm):
    class Meta:
        model = QualityRule
        fields = ["prior_mean", "prior_weight", "half_life_days", "weight_view", "weight_download", "weight_used",
                  "rating_share", "excellent_min_score", "excellent_min_ratings", "excellent_min_users"]

    def clean(self):
        data = super().clean()
        for name, low, high in (("prior_mean", 1, 5), ("prior_weight", 0, 10_000), ("rating_share", 0, 1),
                                ("excellent_min_score", 0, 100), ("weight_view", 0, 100),
                                ("weight_download", 0, 100), ("weight_used", 0, 100)):
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, _(OUT_OF_RANGE) % {"low": low, "high": high})
        return data


OUT_OF_RANGE = gettext_noop("Give a number from %(low)s to %(high)s.")


@login_required
def quality_rule(request):
    """The province sets the ranking's parameters and the 优质资源 thresholds (data, audited)."""
    if not has_capability(request.user, Cap.RESOURCES_MANAGE):
        raise PermissionDenied
    rule = ranking.quality_rule()
    form = QualityRuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if request.POST.get("recompute") == "1":
            ranking.ranking_queue(actor=request.user)
            messages.success(request, RANK_QUEUED)
            return redirect("resources:quality")
        if form.is_valid():
            rule = form.save(commit=False)
            rule.updated_by, rule.updated_at = request.user, timezone.now()
            rule.save()
            audit(actor=request.user, action="resources.rule_set", obj=rule, **{
                f: getattr(rule, f) for f in QualityRuleForm.Meta.fields})
            ranking.ranking_queue(actor=request.user)
            messages.success(request, RULE_SAVED)
            return redirect("resources:quality")
    return render(request, "resources/quality.html", {"form": form, "rule": rule},
                  status=400 if form.errors else 200)
