"""Rollout batches (which counties join when), enrolling a batch, and the management and
backbone training quotas (target against actual)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import has_capability
from tisheng.programs import selectors
from tisheng.programs.forms import BatchForm, QuotaTargetForm, TrainingForm
from tisheng.programs.models import RolloutBatch
from tisheng.programs.services import enrollment as enrollment_services
from tisheng.programs.services import programs as program_services

BATCH_CREATED_MSG = gettext_lazy("The batch was created. Enroll it when the counties are ready.")
TARGET_SAVED_MSG = gettext_lazy("The target was saved.")
FUJIAN_TARGETS_MSG = gettext_lazy("The notice's targets were set: the province 2,000, each city 500, 平潭 100.")


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _county_choices() -> list:
    """Counties grouped by city, for the batch form (the province's ~85 counties)."""
    groups: dict[str, list] = {}
    for county in Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent").order_by("path"):
        groups.setdefault(county.parent.name, []).append((str(county.pk), county.name))
    return list(groups.items())


@login_required
def rollout(request, pk: int):
    actor = request.user
    program = selectors.get_program_for_user(actor, pk)
    can_manage = has_capability(actor, Cap.PROGRAMS_MANAGE)
    form = None
    if can_manage:
        form = BatchForm(request.POST or None, county_choices=_county_choices(),
                         initial={"year": program.start_date.year})
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            counties = list(Region.objects.filter(pk__in=[int(c) for c in d["counties"]]))
            try:
                enrollment_services.batch_create(actor=actor, program=program, year=d["year"], name=d["name"],
                                                 counties=counties)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, BATCH_CREATED_MSG)
                return redirect("programs:rollout", program.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "programs/rollout.html", {
        "program": program, "batches": selectors.batch_list(program), "form": form, "can_manage": can_manage,
        # The notice's minimums are the province office's business.
        "warnings": selectors.rollout_warnings(program) if can_manage else [],
    })


@login_required
@require_POST
def batch_enroll(request, pk: int, batch_pk: int):
    program = selectors.get_program_for_user(request.user, pk, manage=True)
    batch = get_object_or_404(RolloutBatch, pk=batch_pk, program=program)
    n = enrollment_services.batch_enroll(actor=request.user, batch=batch)
    messages.success(request, ngettext("%(n)d teacher enrolled.", "%(n)d teachers enrolled.", n) % {"n": n})
    return redirect("programs:rollout", program.pk)


@login_required
def quotas(request, pk: int):
    actor = request.user
    program = selectors.get_program_for_user(actor, pk)
    can_manage = has_capability(actor, Cap.PROGRAMS_MANAGE)
    record_regions = selectors.training_regions(actor)
    target_regions = list(Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]).order_by("path"))
    target_form = QuotaTargetForm(prefix="target", regions=target_regions) if can_manage else None
    training_form = TrainingForm(prefix="training", regions=record_regions) if record_regions else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "fujian" and can_manage:
            program_services.quota_targets_fujian(actor=actor, program=program)
            messages.success(request, FUJIAN_TARGETS_MSG)
            return redirect("programs:quotas", program.pk)
        if action == "target" and can_manage:
            target_form = QuotaTargetForm(request.POST, prefix="target", regions=target_regions)
            if target_form.is_valid():
                region = next(r for r in target_regions if str(r.pk) == target_form.cleaned_data["region"])
                program_services.quota_target_set(actor=actor, program=program, region=region,
                                                  target=target_form.cleaned_data["target"])
                messages.success(request, TARGET_SAVED_MSG)
                return redirect("programs:quotas", program.pk)
        elif action == "training" and record_regions:
            training_form = TrainingForm(request.POST, prefix="training", regions=record_regions)
            if training_form.is_valid():
                d = training_form.cleaned_data
                region = next(r for r in record_regions if str(r.pk) == d["region"])
                try:
                    n = program_services.management_trainings_record(
                        actor=actor, program=program, region=region, kind=d["kind"], trained_on=d["trained_on"],
                        people=d["people"])
                except ValidationError as exc:
                    _form_errors(training_form, exc)
                else:
                    messages.success(request, ngettext("%(n)d trainee recorded.", "%(n)d trainees recorded.", n)
                                     % {"n": n})
                    return redirect("programs:quotas", program.pk)
        else:
            raise PermissionDenied
    return render(request, "programs/quotas.html", {
        "program": program, "rows": selectors.quota_table(actor, program),
        "trainings": selectors.training_list(actor, program)[:50],
        "target_form": target_form, "training_form": training_form, "can_manage": can_manage,
    })
