"""Demo: one teacher of the demo school already signs in through the province platform (their
link is on the security admin's 平台身份关联 page); the demo teacher 13800000008 is not linked,
so the first platform sign-in shows the link page."""

from __future__ import annotations

from django.conf import settings

from tisheng.accounts.federation.models import IdentityLink, LinkedVia, Protocol
from tisheng.accounts.models import User

DEMO_TEACHER_PHONE = "13800000008"


def federation_seed_demo(*, school_code: str) -> str:
    user = (User.objects.filter(teacher__school__code=school_code, is_active=True)
            .exclude(phone=DEMO_TEACHER_PHONE).order_by("pk").first())
    if user is None:
        return "-"
    discovery = settings.FEDERATION_OIDC["DISCOVERY_URL"]
    issuer = discovery.split("/.well-known/")[0] if discovery else "https://idp.fjedu.example.cn"
    link, _created = IdentityLink.objects.get_or_create(
        issuer=issuer, subject="fj-demo-0001",
        defaults={"user": user, "protocol": Protocol.OIDC, "linked_via": LinkedVia.ATTRIBUTE})
    return f"{link.user.name} linked to the platform identity {link.subject}"
