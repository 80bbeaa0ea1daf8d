"""Program pages: the list, a program's rules in words, new from a preset, copy, edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import has_capability
from tisheng.programs import selectors
from tisheng.programs.forms import PROGRAM_STATUS_LABELS, ProgramForm, ProgramFromPresetForm
from tisheng.programs.models import EnrollmentState
from tisheng.programs.rules import ISSUER_LABELS, certificate_summary, ruleset_summary
from tisheng.programs.services import programs as services

PROGRAM_CREATED_MSG = gettext_lazy("The program was created. Check its rules below.")
PROGRAM_COPIED_MSG = gettext_lazy("A draft copy was made; change it and save.")
PROGRAM_SAVED_MSG = gettext_lazy("The program was saved.")


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def program_list(request):
    actor = request.user
    programs = list(selectors.program_list(actor))
    for p in programs:
        p.status_label = PROGRAM_STATUS_LABELS[p.status]
    can_manage = has_capability(actor, Cap.PROGRAMS_MANAGE)
    form = None
    if can_manage:
        form = ProgramFromPresetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                program = services.program_create_from_preset(
                    actor=actor, preset=d["preset"], code=d["code"], name=d["name"], start_date=d["start_date"],
                    end_date=d["end_date"], reference_date=d["reference_date"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, PROGRAM_CREATED_MSG)
                return redirect("programs:detail", program.pk)
    return render(request, "programs/program_list.html", {
        "programs": programs, "can_manage": can_manage, "form": form,
        "can_approve_exemptions": has_capability(actor, Cap.EXEMPTIONS_APPROVE),
    })


@login_required
def program_detail(request, pk: int):
    actor = request.user
    program = selectors.get_program_for_user(actor, pk)
    program.status_label = PROGRAM_STATUS_LABELS[program.status]
    rs = program.ruleset
    counts = selectors.enrollment_counts(actor, program)
    return render(request, "programs/program_detail.html", {
        "program": program,
        "rules": ruleset_summary(rs),
        "certificates": [{"code": c.code, "name": c.name, "issuers": "、".join(_(ISSUER_LABELS[i]) for i in c.issuers),
                          "needs": certificate_summary(c, {k.code: k.name for k in rs.certificates})}
                         for c in rs.certificates],
        "batches": selectors.batch_list(program),
        "counts": [(label, counts[value]) for value, label in EnrollmentState.choices],
        "enrolled_total": sum(counts.values()),
        "can_manage": has_capability(actor, Cap.PROGRAMS_MANAGE),
    })


@login_required
@require_POST
def program_copy(request, pk: int):
    program = selectors.get_program_for_user(request.user, pk, manage=True)
    copy = services.program_copy(actor=request.user, program=program)
    messages.success(request, PROGRAM_COPIED_MSG)
    return redirect("programs:edit", copy.pk)


@login_required
def program_edit(request, pk: int):
    actor = request.user
    program = selectors.get_program_for_user(actor, pk, manage=True)
    if request.method == "POST":
        form = ProgramForm(request.POST, program=program)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.program_update(actor=actor, program=program, rules=form.rules, name=d["name"],
                                        status=d["status"], start_date=d["start_date"], end_date=d["end_date"],
                                        reference_date=d["reference_date"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, PROGRAM_SAVED_MSG)
                return redirect("programs:detail", program.pk)
    else:
        form = ProgramForm(program=program)
    return render(request, "programs/program_edit.html", {"program": program, "form": form})
