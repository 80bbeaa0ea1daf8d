"""Programs and their rule sets: create from a preset, copy, edit; quota targets and the
management/backbone training records; the demo programs of `tisheng seed`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import ValidationError as RulesInvalid

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import has_capability, path_in_scope
from tisheng.programs.models import ManagementTraining, Program, QuotaTarget
from tisheng.programs.rules import PRESETS, RuleSet, rules_errors_localized

if TYPE_CHECKING:
    from tisheng.accounts.models import User
    from tisheng.people.models import Teacher

UNKNOWN_PRESET = gettext_noop("Unknown preset %(preset)s")
CODE_TAKEN = gettext_noop("A program with this code already exists")
DATES_OUT_OF_ORDER = gettext_noop("The deadline must not be before the start date")
TRAINING_OUTSIDE_SCOPE = gettext_noop("You may record training only for your own region")
TRAINING_NAME_REQUIRED = gettext_noop("Give the trainee's name")

# Audit actions (plain strings: the audit log stores any action name).
PROGRAM_CREATED = "program_created"
PROGRAM_CHANGED = "program_changed"
QUOTA_SET = "quota_set"
TRAINING_RECORDED = "training_recorded"

# The Fujian notice: the province trains at least 2,000, each 设区市 500, 平潭 100.
PINGTAN_CODE = "3590"
PROVINCE_QUOTA = 2000
CITY_QUOTA = 500
PINGTAN_QUOTA = 100


def _require_manage(actor: User | None) -> None:
    if actor is not None and not has_capability(actor, Cap.PROGRAMS_MANAGE):
        raise PermissionDenied


def rules_validate(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as stored (normalised JSON), or a ValidationError on `rules` whose
    messages name each wrong field in the active language."""
    try:
        rs = RuleSet.model_validate(doc)
    except RulesInvalid as exc:
        raise ValidationError({"rules": rules_errors_localized(exc)}) from exc
    return rs.model_dump(mode="json")


def _check_program(program: Program) -> None:
    if program.end_date < program.start_date:
        raise ValidationError({"end_date": [_(DATES_OUT_OF_ORDER)]})
    program.full_clean(exclude=["rules"])


@transaction.atomic
def program_create_from_preset(*, actor: User | None, preset: str, code: str, name: str = "",
                               start_date: dt.date, end_date: dt.date, reference_date: dt.date | None = None,
                               status: str = Program.Status.DRAFT) -> Program:
    _require_manage(actor)
    if preset not in PRESETS:
        raise ValidationError({"preset": [_(UNKNOWN_PRESET) % {"preset": preset}]})
    if Program.objects.filter(code=code).exists():
        raise ValidationError({"code": [_(CODE_TAKEN)]})
    default_name, doc = PRESETS[preset]
    program = Program(code=code, name=name or default_name, status=status, start_date=start_date,
                      end_date=end_date, reference_date=reference_date or start_date, rules=rules_validate(doc))
    _check_program(program)
    program.save()
    audit(actor=actor, action=PROGRAM_CREATED, obj=program, scope_path="35", preset=preset)
    return program


def _copy_code(code: str) -> str:
    taken = set(Program.objects.filter(code__startswith=f"{code}-copy").values_list("code", flat=True))
    n = 1
    while f"{code}-copy{n}"[:32] in taken:
        n += 1
    return f"{code}-copy{n}"[:32]


@transaction.atomic
def program_copy(*, actor: User | None, program: Program) -> Program:
    """A draft copy of `program` with the same rules, to be changed (复制)."""
    _require_manage(actor)
    copy = Program.objects.create(
        code=_copy_code(program.code), name=(_("%(name)s (copy)") % {"name": program.name})[:128],
        status=Program.Status.DRAFT, start_date=program.start_date, end_date=program.end_date,
        reference_date=program.reference_date, rules=program.rules, rules_version=program.rules_version,
        copied_from=program,
    )
    audit(actor=actor, action=PROGRAM_CREATED, obj=copy, scope_path="35", copied_from=program.pk)
    return copy


PROGRAM_FIELDS = ("name", "status", "start_date", "end_date", "reference_date")


@transaction.atomic
def program_update(*, actor: User | None, program: Program, rules: dict[str, Any] | None = None,
                   **fields: Any) -> Program:
    """Change some of PROGRAM_FIELDS and/or the whole rule set (validated). Audited with the
    names of the changed fields and the rule keys that changed."""
    _require_manage(actor)
    program = Program.objects.select_for_update().get(pk=program.pk)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = [f for f, v in fields.items() if getattr(program, f) != v]
    for f in changed:
        setattr(program, f, fields[f])
    changed_rules: list[str] = []
    if rules is not None:
        new_rules = rules_validate(rules)
        old_rules = rules_validate(program.rules)
        changed_rules = sorted(k for k in set(new_rules) | set(old_rules) if new_rules.get(k) != old_rules.get(k))
        if changed_rules:
            program.rules = new_rules
            changed.append("rules")
    if not changed:
        return program
    _check_program(program)
    program.save()
    audit(actor=actor, action=PROGRAM_CHANGED, obj=program, scope_path="35", fields=changed, rules=changed_rules)
    if (changed_rules or "reference_date" in changed) and program.enrollments.exists():
        # Exemptions and completion follow the rules: judge every enrollment again, in the
        # background (a province's 450,000 take minutes).
        transaction.on_commit(lambda: _completion_refresh_enqueue(actor, program))
    return program


def _completion_refresh_enqueue(actor: User | None, program: Program) -> None:
    from tisheng.jobs.services import job_enqueue
    from tisheng.programs.tasks import COMPLETION_REFRESH

    job_enqueue(actor=actor, kind=COMPLETION_REFRESH, args={"program": program.pk}, scope_path="35")


# Quotas ------------------------------------------------------------------------------------


@transaction.atomic
def quota_target_set(*, actor: User | None, program: Program, region: Region, target: int,
                     kind: str = "") -> QuotaTarget:
    _require_manage(actor)
    quota, _created = QuotaTarget.objects.update_or_create(program=program, region=region, kind=kind,
                                                           defaults={"target": target})
    audit(actor=actor, action=QUOTA_SET, obj=program, scope_path=region.path, region=region.code, kind=kind,
          target=target)
    return quota


@transaction.atomic
def quota_targets_fujian(*, actor: User | None, program: Program) -> int:
    """The notice's targets: the province 2,000, each 设区市 500, 平潭 100 (both kinds together)."""
    _require_manage(actor)
    n = 0
    for region in Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]).order_by("path"):
        target = (PROVINCE_QUOTA if region.level == RegionLevel.PROVINCE
                  else PINGTAN_QUOTA if region.code == PINGTAN_CODE else CITY_QUOTA)
        quota_target_set(actor=actor, program=program, region=region, target=target)
        n += 1
    return n


@transaction.atomic
def management_training_record(*, actor: User | None, program: Program, region: Region, kind: str, name: str,
                               trained_on: dt.date, position: str = "",
                               teacher: Teacher | None = None) -> ManagementTraining:
    """One trainee of an office's own management/backbone training, counted for `region`'s
    quota. An office records only for its own region (or below, for the province)."""
    if actor is not None and not path_in_scope(actor, Cap.TRAINING_RECORD, region.path):
        raise PermissionDenied(_(TRAINING_OUTSIDE_SCOPE))
    name = (name or (teacher.name if teacher else "")).strip()
    if not name:
        raise ValidationError({"name": [_(TRAINING_NAME_REQUIRED)]})
    record = ManagementTraining(program=program, region=region, region_path=region.path, kind=kind, name=name,
                                position=position.strip(), trained_on=trained_on, teacher=teacher,
                                recorded_by=actor if actor is not None and actor.pk else None)
    record.full_clean()
    record.save()
    audit(actor=actor, action=TRAINING_RECORDED, obj=record, kind=kind, program=program.pk)
    return record


@transaction.atomic
def management_trainings_record(*, actor: User | None, program: Program, region: Region, kind: str,
                                trained_on: dt.date, people: list[tuple[str, str]]) -> int:
    """Many trainees of one training at once ((name, position) pairs, e.g. pasted from the
    sign-in sheet): one insert and one audit row."""
    if actor is not None and not path_in_scope(actor, Cap.TRAINING_RECORD, region.path):
        raise PermissionDenied(_(TRAINING_OUTSIDE_SCOPE))
    people = [(n.strip()[:64], p.strip()[:64]) for n, p in people if n.strip()]
    if not people:
        raise ValidationError({"name": [_(TRAINING_NAME_REQUIRED)]})
    recorded_by = actor if actor is not None and actor.pk else None
    records = [ManagementTraining(program=program, region=region, region_path=region.path, kind=kind, name=name,
                                  position=position, trained_on=trained_on, recorded_by=recorded_by)
               for name, position in people]
    records[0].full_clean()
    ManagementTraining.objects.bulk_create(records, batch_size=1000)
    audit(actor=actor, action=TRAINING_RECORDED, obj=program, scope_path=region.path, kind=kind,
          region=region.code, count=len(records))
    return len(records)


# Seed -----------------------------------------------------------------------------------------


# The shipped programs: `tisheng load-presets` and `tisheng seed` create these.
PRESET_PROGRAMS = (
    {"preset": "fujian_2015", "code": "fujian-2015", "start_date": dt.date(2015, 9, 1),
     "end_date": dt.date(2017, 12, 31), "status": Program.Status.CLOSED},
    {"preset": "moe_2019", "code": "tisheng-2", "start_date": dt.date(2024, 9, 1),
     "end_date": dt.date(2029, 8, 31), "status": Program.Status.ACTIVE},
)


def programs_seed_demo(*, enroll_all: bool = True) -> list[Program]:
    """`tisheng seed`: both presets as programs. 2.0 is active with every county that has
    schools enrolled in one 2024 batch (only the demo county when `enroll_all` is false),
    through batch_enroll, the bulk path the UI uses; 1.0 is closed, with the notice's quota
    targets and the demo county's 2015 batch (so its retirement exemptions show)."""
    from tisheng.core.seed.schools import DEMO_COUNTY
    from tisheng.orgs.models import School
    from tisheng.programs.services.enrollment import batch_create, batch_enroll

    with transaction.atomic():
        # `tisheng load-presets` may have made them already.
        p1, p2 = (Program.objects.filter(code=spec["code"]).first()
                  or program_create_from_preset(actor=None, **spec) for spec in PRESET_PROGRAMS)
        if p1.batches.exists() or p2.batches.exists():
            return [p1, p2]
        quota_targets_fujian(actor=None, program=p1)
        demo = list(Region.objects.filter(code=DEMO_COUNTY))
        if demo:
            batch_enroll(actor=None, batch=batch_create(actor=None, program=p1, year=2015, name="2015年第一批",
                                                        counties=demo))
        counties = (list(Region.objects.filter(level=RegionLevel.COUNTY, pk__in=School.objects.values("county_id")))
                    if enroll_all else demo)
        if counties:
            batch_enroll(actor=None, batch=batch_create(actor=None, program=p2, year=2024, name="2024年全员",
                                                        counties=counties))
    return [p1, p2]

