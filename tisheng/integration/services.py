"""Writes of the integration app: credentials and OAuth2 applications for institutions.

Only the province office (Cap.INTEGRATION_MANAGE over the institution's node) issues, rotates
and revokes. Secrets are returned once, to be shown once; only their hashes are stored. Every
change is audited."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.integration.auth import secret_hash
from tisheng.integration.models import ApiCredential, InstitutionApplication
from tisheng.orgs.models import Organization
from tisheng.orgs.scope import path_in_scope

NOT_AN_INSTITUTION = _("Credentials are issued to training institutions only.")
NAME_REQUIRED = _("Give the credential a name.")
ALREADY_REVOKED = _("This credential has already been revoked.")
RATE_LIMIT_INVALID = _("The rate limit is a whole number of requests per minute, 0 for no limit.")
REDIRECT_URI_INVALID = _("Give the platform's redirect URI as an https:// address (http:// only on a "
                         "development install).")
LOGIN_URL_INVALID = _("The platform's login URL must be an http:// or https:// address.")


def _authorise(actor, institution: Organization) -> None:
    if not path_in_scope(actor, Cap.INTEGRATION_MANAGE, institution.path):
        raise PermissionDenied
    if institution.kind != "institution":
        raise ValidationError(NOT_AN_INSTITUTION)


def _rate_limit(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise ValidationError(RATE_LIMIT_INVALID) from None
    if limit < 0 or limit > 1_000_000:
        raise ValidationError(RATE_LIMIT_INVALID)
    return limit


def credential_issue(*, actor, institution: Organization, name: str,
                     rate_limit: int | str | None = None) -> tuple[ApiCredential, str]:
    """A new HTTP Basic key/secret for the institution; returns it with the secret (shown once)."""
    _authorise(actor, institution)
    name = (name or "").strip()
    if not name:
        raise ValidationError(NAME_REQUIRED)
    secret = secrets.token_urlsafe(32)
    credential = ApiCredential(institution=institution, name=name[:64], secret_hash=secret_hash(secret),
                               created_by=actor)
    limit = _rate_limit(rate_limit)
    if limit is not None:
        credential.rate_limit = limit
    with transaction.atomic():
        credential.full_clean()
        credential.save()
        audit(actor=actor, action="integration.credential_issue", obj=institution, key=credential.key,
              name=credential.name, rate_limit=credential.rate_limit)
    return credential, secret


def credential_rotate(*, actor, credential: ApiCredential) -> str:
    """A new secret under the same key: the old secret stops working at once."""
    _authorise(actor, credential.institution)
    if credential.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        credential.secret_hash = secret_hash(secret)
        credential.rotated_at = timezone.now()
        credential.save(update_fields=["secret_hash", "rotated_at"])
        audit(actor=actor, action="integration.credential_rotate", obj=credential.institution, key=credential.key)
    return secret


def credential_revoke(*, actor, credential: ApiCredential) -> None:
    _authorise(actor, credential.institution)
    if credential.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    with transaction.atomic():
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
        audit(actor=actor, action="integration.credential_revoke", obj=credential.institution, key=credential.key)


def credential_set_rate_limit(*, actor, credential: ApiCredential, rate_limit: int | str) -> None:
    _authorise(actor, credential.institution)
    limit = _rate_limit(rate_limit)
    if limit is None:
        raise ValidationError(RATE_LIMIT_INVALID)
    with transaction.atomic():
        before = credential.rate_limit
        credential.rate_limit = limit
        credential.save(update_fields=["rate_limit"])
        audit(actor=actor, action="integration.credential_rate_limit", obj=credential.institution,
              key=credential.key, before=before, after=limit)


def _http_url(value: str, message) -> str:
    value = (value or "").strip()
    if value and not (value.startswith("https://") or value.startswith("http://")) or " " in value:
        raise ValidationError(message)
    return value


def application_create(*, actor, institution: Organization, name: str, sso: bool = False,
                       redirect_uri: str = "", login_url: str = "",
                       rate_limit: int | str | None = None) -> tuple[InstitutionApplication, str]:
    """An OAuth2 application for the institution; returns it with its client secret (shown once).

    `sso=False`: a client-credentials client for the LRS and the integration API.
    `sso=True`: an OpenID Connect relying party (authorization code with PKCE) that signs
    teachers in at `redirect_uri`; `login_url` is where the platform starts that flow (OIDC
    third-party initiated login), linked from the teacher's page."""
    _authorise(actor, institution)
    name = (name or "").strip()
    if not name:
        raise ValidationError(NAME_REQUIRED)
    Application = get_application_model()
    redirect_uri = _http_url(redirect_uri, REDIRECT_URI_INVALID)
    # The same schemes the OAuth2 provider accepts (https only unless DEBUG): refused here with
    # our words rather than by the toolkit's English message at save.
    if redirect_uri and redirect_uri.split(":", 1)[0] not in settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"]:
        raise ValidationError(REDIRECT_URI_INVALID)
    if sso and not redirect_uri:
        raise ValidationError(REDIRECT_URI_INVALID)
    login_url = _http_url(login_url, LOGIN_URL_INVALID)
    secret = generate_client_secret()
    with transaction.atomic():
        application = Application(
            name=f"{institution.code} {name}"[:255], client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=(Application.GRANT_AUTHORIZATION_CODE if sso
                                      else Application.GRANT_CLIENT_CREDENTIALS),
            redirect_uris=redirect_uri if sso else "", client_secret=secret, hash_client_secret=True,
            skip_authorization=sso, algorithm=Application.RS256_ALGORITHM if sso else Application.NO_ALGORITHM)
        application.full_clean()
        application.save()
        link = InstitutionApplication(application=application, institution=institution, created_by=actor,
                                      login_url=login_url)
        limit = _rate_limit(rate_limit)
        if limit is not None:
            link.rate_limit = limit
        link.save()
        audit(actor=actor, action="integration.application_create", obj=institution,
              client_id=application.client_id, sso=sso, redirect_uri=redirect_uri)
    return link, secret


def application_rotate(*, actor, link: InstitutionApplication) -> str:
    """A new client secret; tokens already issued stay valid until they expire."""
    _authorise(actor, link.institution)
    if link.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    secret = generate_client_secret()
    with transaction.atomic():
        application = link.application
        application.client_secret = secret
        application.save()
        audit(actor=actor, action="integration.application_rotate", obj=link.institution,
              client_id=application.client_id)
    return secret


def application_revoke(*, actor, link: InstitutionApplication) -> None:
    """Ends the application: its tokens are deleted and no new ones are issued."""
    _authorise(actor, link.institution)
    if link.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        get_refresh_token_model().objects.filter(application=link.application).delete()
        get_access_token_model().objects.filter(application=link.application).delete()
        # A fresh unknown secret: the client can no longer authenticate at /o/token/.
        application = link.application
        application.client_secret = generate_client_secret()
        application.redirect_uris = ""
        application.save()
        audit(actor=actor, action="integration.application_revoke", obj=link.institution,
              client_id=application.client_id)


ACTIVITY_ID_INVALID = _("The xAPI activity id is an absolute http:// or https:// IRI without spaces.")
ACTIVITY_ID_TAKEN = _("Another course of your institution already uses this activity id.")


def course_activity_id_set(*, actor, course, activity_id: str):
    """The institution says which xAPI activity id its platform uses for a course (allowed on
    published courses too: it changes no hours and no content). One id per course within an
    institution, so a completion maps to exactly one course. Audited."""
    from tisheng.learning.models import Course
    from tisheng.learning.selectors import institutions_of

    if actor is not None and course.institution_id not in {o.pk for o in institutions_of(actor)}:
        raise PermissionDenied
    activity_id = (activity_id or "").strip()
    if activity_id and (not activity_id.startswith(("http://", "https://")) or " " in activity_id
                        or len(activity_id) > 255):
        raise ValidationError(ACTIVITY_ID_INVALID)
    if activity_id and Course.objects.filter(institution_id=course.institution_id, activity_id=activity_id).exclude(
            pk=course.pk).exists():
        raise ValidationError(ACTIVITY_ID_TAKEN)
    with transaction.atomic():
        before = course.activity_id
        course.activity_id = activity_id
        course.save(update_fields=["activity_id"])
        audit(actor=actor, action="integration.course_activity_id", obj=course,
              scope_path=course.institution.path, before=before, after=activity_id)
    return course


def institution_access_revoke(*, actor, institution: Organization, reason: str = "") -> int:
    """Revoke every live API credential and OAuth/OIDC application of an institution at once
    (the province's exit decision, institutions.services.exit, which has checked its own
    authority; `actor` may be None when the periodic run applies a decision that takes effect
    today). Returns how many were revoked."""
    now, count = timezone.now(), 0
    with transaction.atomic():
        for credential in ApiCredential.objects.select_for_update().filter(institution=institution,
                                                                           revoked_at__isnull=True):
            credential.revoked_at = now
            credential.save(update_fields=["revoked_at"])
            audit(actor=actor, action="integration.credential_revoke", obj=institution, key=credential.key,
                  reason=reason[:255])
            count += 1
        for link in InstitutionApplication.objects.select_for_update().filter(
                institution=institution, revoked_at__isnull=True).select_related("application"):
            link.revoked_at = now
            link.save(update_fields=["revoked_at"])
            get_refresh_token_model().objects.filter(application=link.application).delete()
            get_access_token_model().objects.filter(application=link.application).delete()
            application = link.application
            application.client_secret = generate_client_secret()
            application.redirect_uris = ""
            application.save()
            audit(actor=actor, action="integration.application_revoke", obj=institution,
                  client_id=application.client_id, reason=reason[:255])
            count += 1
    return count
