"""The province office's writes on its plan: save the draft's texts, and file (备案) a version:
the document composed now, rendered to PDF and .docx, hashed and stored for good. Both audited.
Filing numbers versions per province under a row lock on the draft, so two offices filing at
once get versions n and n+1, never the same one."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.orgs.models import Region
from tisheng.orgs.scope import path_in_scope
from tisheng.supervision.models import PlanFiling, ProvincePlan
from tisheng.supervision.plan.compose import REQUIRED_TEXTS, SECTION_KEYS, SECTIONS, TEXT_LIMIT, plan_compose
from tisheng.supervision.plan.documents import plan_docx, plan_pdf

NOT_THE_PROVINCE = gettext_noop("Only the province office composes and files the province's plan.")
PLAN_TITLE_REQUIRED = gettext_noop("Give the plan a title.")
TEXT_TOO_LONG = gettext_noop("“%(section)s” is longer than %(n)s characters.")
TEXTS_MISSING = gettext_noop("Write these sections before filing the plan: %(sections)s.")


def default_title(region: Region) -> str:
    return f"{region.name}中小学教师信息技术应用能力提升工程实施规划方案"


def plan_for(region: Region) -> ProvincePlan:
    """The province's draft (a blank one, not saved, before the first save)."""
    return ProvincePlan.objects.filter(region=region).first() or ProvincePlan(
        region=region, region_path=region.path, title=default_title(region), texts={})


def _check(actor, region: Region) -> None:
    if region.level != "province" or not path_in_scope(actor, Cap.NATIONAL_REPORT, region.path):
        raise PermissionDenied(_(NOT_THE_PROVINCE))


def plan_save(*, actor, region: Region, title: str, texts: dict[str, str]) -> ProvincePlan:
    _check(actor, region)
    title = (title or "").strip()[:128]
    names = {key: str(name) for key, name, _hint in SECTIONS}
    errors = [] if title else [_(PLAN_TITLE_REQUIRED)]
    clean = {}
    for key in SECTION_KEYS:
        text = (texts.get(key) or "").replace("\r\n", "\n").replace("\x00", "").strip()
        if len(text) > TEXT_LIMIT:
            errors.append(_(TEXT_TOO_LONG) % {"section": names[key], "n": TEXT_LIMIT})
        clean[key] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = ProvincePlan.objects.select_for_update().filter(region=region).first() or plan_for(region)
        changed = [k for k in SECTION_KEYS if plan.texts.get(k, "") != clean[k]]
        plan.title, plan.texts, plan.updated_by, plan.updated_at = title, clean, actor, timezone.now()
        plan.full_clean()
        plan.save()
        audit(actor=actor, action="supervision.plan_save", obj=plan, scope_path=region.path,
              sections=[names[k] for k in changed])
    return plan


def plan_file(*, actor, region: Region) -> PlanFiling:
    """File the saved draft as the next version."""
    _check(actor, region)
    with transaction.atomic():
        plan = ProvincePlan.objects.select_for_update().filter(region=region).first()
        texts = plan.texts if plan else {}
        missing = [str(name) for key, name, _hint in SECTIONS if key in REQUIRED_TEXTS and not texts.get(key)]
        if missing:
            raise ValidationError(_(TEXTS_MISSING) % {"sections": "、".join(missing)})
        on = shanghai_today()
        document = plan_compose(actor, region, title=plan.title, texts=texts, on=on)
        pdf, docx = plan_pdf(document), plan_docx(document)
        version = (PlanFiling.objects.filter(region=region).aggregate(n=Max("version"))["n"] or 0) + 1
        filing = PlanFiling(region=region, region_path=region.path, version=version, title=plan.title, filed_on=on,
                            filed_by=actor, document=document, pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                            docx=docx, docx_sha256=hashlib.sha256(docx).hexdigest())
        filing.full_clean()
        filing.save()
        audit(actor=actor, action="supervision.plan_file", obj=filing, scope_path=region.path, version=version,
              pdf_sha256=filing.pdf_sha256, docx_sha256=filing.docx_sha256)
    return filing
