"""New training institutions register an organisation account, checked by the province (issue 14,
item 1: 新机构注册机构账号，经省级审核).

    registration_submit(...)   the public page: checked, throttled, stored as a request
    registration_approve(...)  the province: Organization + the contact's account + the role
    registration_reject(...)   the province, with a reason

Nothing is created before approval: a request is one row and one stored licence file. The
password the contact chose is validated by Django's validators and kept only as its hash, so the
office never sees it and the approved account logs in with it (by the phone) at once. The
applicant is told by SMS (and email when given) either way; the province offices are told a
request waits. Guards: CSRF and a size-checked PDF/.docx licence (documents.document_store),
REGISTRATIONS_PER_HOUR requests from one client network an hour (counted from the requests
themselves, one indexed COUNT), one pending request per phone and per credit code, and at most
MAX_PENDING waiting in the province, so a flood cannot bury the queue."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit, role_assign
from tisheng.core import storage_files
from tisheng.institutions.documents import document_store
from tisheng.institutions.models import InstitutionRegistration, RegistrationStatus
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify, notify_many
from tisheng.orgs.models import Organization, OrganizationKind, Region, RegionLevel
from tisheng.orgs.scope import path_in_scope

MAX_PENDING = 300
PHONE = re.compile(r"^1\d{10}$")
# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z), the last a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

NAME_REQUIRED = _("Enter the institution's full registered name.")
CODE_INVALID = _("The unified social credit code has 18 characters and its last one does not match: check it "
                 "against the business licence.")
CONTACT_REQUIRED = _("Enter the name of the person who will manage the account.")
PHONE_INVALID = _("Enter an 11-digit mobile phone number.")
EMAIL_INVALID = _("Enter a valid email address, or leave it empty.")
PASSWORDS_DIFFER = _("The two passwords are not the same.")
LICENCE_REQUIRED = _("Upload the business licence or legal-person certificate (PDF or Word .docx).")
PHONE_TAKEN = _("This phone number already has an account: sign in with it, or ask your institution's "
                "account manager to add you.")
CODE_TAKEN = _("An institution with this credit code already has an account on the platform.")
ALREADY_PENDING = _("A registration with this phone number or credit code is already waiting for the province's "
                    "check: you will get an SMS when it is decided.")
TOO_MANY = _("Too many registrations from your network in the last hour: try again later.")
QUEUE_FULL = _("The province has too many registrations waiting to be checked: try again in a few days.")
NO_PROVINCE = _("Registration is not open: the platform has no province yet.")
NOT_PENDING = _("This registration has already been decided.")
REASON_REQUIRED = _("Give the reason for rejecting, so the institution knows what to correct.")


def credit_code_valid(code: str) -> bool:
    """The GB 32100-2015 check character (written here: ten lines, and no kept library in our
    dependencies has it)."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


@dataclass
class RegistrationForm:
    name: str = ""
    credit_code: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    statement: str = ""
    password: str = ""
    password2: str = ""

    @classmethod
    def from_post(cls, data) -> RegistrationForm:
        limits = {"name": 128, "credit_code": 18, "contact_name": 64, "phone": 20, "email": 254, "statement": 4000,
                  "password": 128, "password2": 128}
        values = {k: str(data.get(k, ""))[:n * 2] for k, n in limits.items()}
        for k in ("name", "credit_code", "contact_name", "phone", "email", "statement"):
            values[k] = values[k].strip()
        values["credit_code"] = values["credit_code"].upper()
        return cls(**values)


def province() -> Region | None:
    """The province the platform serves (its top province: a national instance registers none)."""
    return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("path").first()


def _office_users(path: str) -> list[User]:
    ids = (RoleAssignment.objects.filter(role=Role.PROVINCE_OFFICE, region__path=path, user__is_active=True)
           .values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _add(errors: dict, field: str, message, code: str) -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code))


def _check(form: RegistrationForm) -> dict:
    errors: dict[str, list[ValidationError]] = {}
    if not form.name or len(form.name) > 128:
        _add(errors, "name", NAME_REQUIRED, "name_required")
    if not credit_code_valid(form.credit_code):
        _add(errors, "credit_code", CODE_INVALID, "code_invalid")
    elif Organization.objects.filter(code=form.credit_code).exists():
        _add(errors, "credit_code", CODE_TAKEN, "code_taken")
    if not form.contact_name or len(form.contact_name) > 64:
        _add(errors, "contact_name", CONTACT_REQUIRED, "contact_required")
    if not PHONE.match(form.phone):
        _add(errors, "phone", PHONE_INVALID, "phone_invalid")
    elif User.objects.filter(phone=form.phone).exists():
        _add(errors, "phone", PHONE_TAKEN, "phone_taken")
    if form.email:
        try:
            validate_email(form.email)
        except ValidationError:
            _add(errors, "email", EMAIL_INVALID, "email_invalid")
    if form.password != form.password2:
        _add(errors, "password", PASSWORDS_DIFFER, "passwords_differ")
    else:
        try:
            validate_password(form.password, User(phone=form.phone, name=form.contact_name))
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.error_list)
    return errors


def registration_submit(*, form: RegistrationForm, licence: UploadedFile | None,
                        network: str) -> InstitutionRegistration:
    """Check the request and keep it for the province (raises ValidationError with every field's
    problems at once, or a single one for the throttle and the queue)."""
    region = province()
    if region is None:
        raise ValidationError(NO_PROVINCE, code="no_province")
    since = timezone.now() - dt.timedelta(hours=1)
    limit = settings.INSTITUTION_REGISTRATIONS_PER_HOUR
    if limit and network and InstitutionRegistration.objects.filter(network=network, created_at__gte=since
                                                                    ).count() >= limit:
        raise ValidationError(TOO_MANY, code="too_many")
    if InstitutionRegistration.objects.filter(status=RegistrationStatus.PENDING).count() >= MAX_PENDING:
        raise ValidationError(QUEUE_FULL, code="queue_full")
    errors = _check(form)
    if licence is None:
        _add(errors, "licence", LICENCE_REQUIRED, "licence_required")
    if not errors and InstitutionRegistration.objects.filter(status=RegistrationStatus.PENDING).filter(
            Q(phone=form.phone) | Q(credit_code=form.credit_code)).exists():
        _add(errors, "phone", ALREADY_PENDING, "already_pending")
    if errors:
        raise ValidationError(errors)
    stored = document_store(actor=None, upload=licence, directory="institutions/registrations",
                            stem=form.credit_code)
    try:
        # Stored before the row; a request that is not recorded takes its licence away again.
        with storage_files.discarded_on_error(stored.relative), transaction.atomic():
            registration = InstitutionRegistration.objects.create(
                region=region, scope_path=region.path, name=form.name, credit_code=form.credit_code,
                contact_name=form.contact_name, phone=form.phone, email=form.email, statement=form.statement,
                password_hash=make_password(form.password), licence_name=stored.name, licence_path=stored.relative,
                licence_type=stored.content_type, licence_size=stored.size, licence_sha256=stored.sha256,
                network=network)
            audit(actor=None, action="institutions.signup_sent", obj=registration,
                  name=registration.name, credit_code=registration.credit_code)
            with translation.override(settings.LANGUAGE_CODE):
                url = reverse("institutions:registration", args=[registration.pk])
                notify_many([Message(to=u, kind=Kind.OTHER, url=url,
                                     title=gettext("An institution asks for an account"),
                                     body=gettext("%(name)s (%(code)s) registered; check its licence and decide.")
                                     % {"name": registration.name, "code": registration.credit_code})
                             for u in _office_users(region.path)])
    except IntegrityError as exc:  # the same phone or code sent twice at once
        raise ValidationError({"phone": [ValidationError(ALREADY_PENDING, code="already_pending")]}) from exc
    return registration


def _pending_for_office(actor: User, pk: int) -> InstitutionRegistration:
    registration = InstitutionRegistration.objects.select_for_update().filter(pk=pk).first()
    if registration is None or not path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, registration.scope_path):
        raise Http404
    if registration.status != RegistrationStatus.PENDING:
        raise ValidationError(NOT_PENDING, code="not_pending")
    return registration


@transaction.atomic
def registration_approve(*, actor: User, pk: int, ip: str | None = None) -> InstitutionRegistration:
    """Create the institution, its first account (the contact, with the password they chose) and
    the institution role at it; tell the contact."""
    registration = _pending_for_office(actor, pk)
    if User.objects.filter(phone=registration.phone).exists():
        raise ValidationError(PHONE_TAKEN, code="phone_taken")
    if Organization.objects.filter(code=registration.credit_code).exists():
        raise ValidationError(CODE_TAKEN, code="code_taken")
    organization = Organization(code=registration.credit_code, name=registration.name,
                                kind=OrganizationKind.INSTITUTION, region=registration.region)
    organization.save()
    user = User(phone=registration.phone, name=registration.contact_name, password=registration.password_hash)
    user.full_clean()
    user.save()
    audit(actor=actor, action="institutions.signup_approved", obj=registration, ip=ip,
          organization=organization.pk, user=user.pk)
    role_assign(actor=actor, user=user, role=Role.INSTITUTION, node=organization, ip=ip)
    registration.status, registration.decided_by, registration.decided_at = (
        RegistrationStatus.APPROVED, actor, timezone.now())
    registration.organization, registration.user = organization, user
    registration.password_hash = ""  # the account holds it now
    registration.save(update_fields=["status", "decided_by", "decided_at", "organization", "user", "password_hash"])
    with translation.override(settings.LANGUAGE_CODE):
        notify(user, Kind.OTHER, gettext("Your institution's account is open"),
               gettext("%(name)s is registered on the platform. Sign in with %(phone)s and the password you chose.")
               % {"name": organization.name, "phone": user.phone}, url=reverse("institutions:rounds"))
    return registration


@transaction.atomic
def registration_reject(*, actor: User, pk: int, reason: str, ip: str | None = None) -> InstitutionRegistration:
    registration = _pending_for_office(actor, pk)
    reason = reason.strip()[:2000]
    if not reason:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    registration.status, registration.decided_by, registration.decided_at = (
        RegistrationStatus.REJECTED, actor, timezone.now())
    registration.reason, registration.password_hash = reason, ""
    registration.save(update_fields=["status", "decided_by", "decided_at", "reason", "password_hash"])
    audit(actor=actor, action="institutions.signup_rejected", obj=registration, ip=ip, reason=reason)
    with translation.override(settings.LANGUAGE_CODE):
        # No account exists: the registration itself carries the phone (and email) to tell.
        notify(registration, Kind.OTHER, gettext("Your institution's registration was not approved"),
               gettext("%(name)s: %(reason)s You may register again with the corrections.")
               % {"name": registration.name, "reason": reason})
    return registration
