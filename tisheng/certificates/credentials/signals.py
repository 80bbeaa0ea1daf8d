"""Every signed record of a registered kind gets its credential when it is saved, after the
transaction commits (a failure there leaves the certificate issued; the credential is then
issued on its first download); a revocation sets its bit in the status list."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save

from tisheng.certificates.credentials import records

log = logging.getLogger(__name__)


def _saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    from tisheng.certificates.credentials import services

    def issue() -> None:
        try:
            services.credential_for(instance)
        except Exception:  # the certificate stands; its credential is issued at first download
            log.exception("credential for %s %s not issued", sender.__name__, instance.pk)

    if created:
        transaction.on_commit(issue)
    elif getattr(instance, "revoked_at", None) is not None and (update_fields is None or "revoked_at" in update_fields):
        services.credential_revoke(instance)


def connect() -> None:
    records.register_certificates()
    for kind in records.KINDS.values():
        post_save.connect(_saved, sender=kind.model, dispatch_uid=f"credentials-{kind.model.__name__}")
