"""tisheng as an OpenID Connect provider: the claims an institution's platform gets, and the
only grants it accepts.

`sub` is the teacher's platform id (the same name the platform must use as the xAPI account
name); with the `profile` scope: name, school (code and name) and the teacher's enrollments
in the programs the institution is contracted for in the teacher's region.

Grants: authorization code with PKCE (single sign-on, plus its refresh tokens) and client
credentials (institutions' platforms). The password and implicit grants are refused by the
validator even for an application that has them set, and no application can be saved with
them (`refuse_unused_grant_types`). A password sent to the token endpoint is never checked:
it counts as a failed login of that account (accounts.lockout), so the token endpoint cannot
be used to guess passwords around the login page's lockout."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView

from tisheng.accounts.lockout import LoginRefused, password_login
from tisheng.accounts.services import audit
from tisheng.core.clientip import client_ip
from tisheng.integration.selectors import ContractMap, platform_id
from tisheng.people.models import Teacher
from tisheng.programs.models import Enrollment


def claims_for(user, application) -> dict:
    teacher = Teacher.objects.filter(user=user).select_related("school").first()
    if teacher is None:
        return {"sub": f"user-{user.pk}", "name": user.name}
    link = getattr(application, "institution_link", None) if application is not None else None
    enrollments = []
    if link is not None:
        rows = list(Enrollment.objects.filter(teacher=teacher).select_related("program").order_by("program__code"))
        contracts = ContractMap({e.program_id for e in rows})
        enrollments = [{"program": e.program.code, "program_name": e.program.name, "state": e.state}
                       for e in rows if contracts.serves(link.institution_id, e.program_id, e.org_path)]
    return {
        "sub": platform_id(teacher),
        "name": teacher.name,
        "school": {"code": teacher.school.code, "name": teacher.school.name},
        "enrollments": enrollments,
    }


# The oauthlib grant types (token endpoint) and application grant types tisheng uses.
TOKEN_GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})
APPLICATION_GRANT_TYPES = frozenset({AbstractApplication.GRANT_AUTHORIZATION_CODE,
                                     AbstractApplication.GRANT_CLIENT_CREDENTIALS})
GRANT_TYPE_NOT_ALLOWED = _("Applications use the authorization code grant (single sign-on) or client credentials "
                           "(platforms) only.")


def refuse_unused_grant_types(sender, instance, **kwargs) -> None:
    """pre_save of the OAuth2 application model (connected in IntegrationConfig.ready): no
    application is stored with the password, implicit, hybrid or device grant, whoever saves it."""
    if instance.authorization_grant_type not in APPLICATION_GRANT_TYPES:
        raise ValidationError({"authorization_grant_type": GRANT_TYPE_NOT_ALLOWED}, code="grant_type_not_allowed")


class TishengValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "school": "profile", "enrollments": "profile"}

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        return grant_type in TOKEN_GRANT_TYPES and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs)

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs) -> bool:
        # "code" only: no implicit (token, id_token) and no hybrid (code id_token, …) responses.
        return response_type == "code" and super().validate_response_type(
            client_id, response_type, client, request, *args, **kwargs)

    def validate_user(self, username, password, client, request, *args, **kwargs) -> bool:
        """The password grant (oauthlib asks this before it checks the grant type): always
        refused, without checking the password, and counted as a failed login of the account
        (audited, towards its lockout and the client network's throttle)."""
        with contextlib.suppress(LoginRefused):
            password_login(login=username or "", password=password or "",
                           ip=client_ip(self.build_http_request(request)), via="oauth_password_grant", check=False)
        return False

    def get_claim_dict(self, request) -> dict:
        return claims_for(request.user, getattr(request, "client", None))

    def get_discovery_claims(self, request) -> list[str]:
        return ["sub", "name", "school", "enrollments"]


SSO_NOT_SERVED = _("This training institution is not contracted for your programs in your region, so it cannot "
                   "sign you in with your tisheng account.")


class InstitutionAuthorizationView(AuthorizationView):
    """/o/authorize/ for institutions' single sign-on: a teacher is signed in at an institution's
    platform only when that institution is contracted for one of their programs in their region
    (institutions reach teachers only through contracts); anyone else gets a 403 page and the
    platform learns nothing. Applications not linked to an institution are refused too."""

    def _refusal(self, request):
        from tisheng.integration.models import InstitutionApplication
        from tisheng.integration.selectors import institutions_serving

        client_id = request.GET.get("client_id") or request.POST.get("client_id") or ""
        link = (InstitutionApplication.objects.filter(application__client_id=client_id, revoked_at__isnull=True)
                .select_related("institution").first())
        teacher = Teacher.objects.filter(user=request.user).only("id", "org_path").first()
        served = link is not None and teacher is not None and link.institution_id in institutions_serving(teacher)
        if served:
            return None
        if link is not None and request.user.is_authenticated:
            # Counted by the institution's evaluation (institutions.measures: sign-ons refused).
            audit(actor=request.user, action="integration.sso_refused", obj=link.institution,
                  scope_path=teacher.org_path if teacher is not None else "")
        return render(request, "integration/sso_refused.html", {
            "message": SSO_NOT_SERVED, "institution": link.institution if link else None}, status=403)

    def _change_password_first(self, request):
        """A user with a temporary password changes it before any platform signs them in (the
        forced-change middleware leaves /o/ to the machines); the change page sends them back
        here, and the sign-on goes on."""
        if not request.user.is_authenticated or not request.user.must_change_password:
            return None
        target = reverse("passwords:change")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

    def get(self, request, *args, **kwargs):
        return (self._change_password_first(request) or self._refusal(request)
                or super().get(request, *args, **kwargs))

    def post(self, request, *args, **kwargs):
        return (self._change_password_first(request) or self._refusal(request)
                or super().post(request, *args, **kwargs))
