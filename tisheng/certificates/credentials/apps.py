from django.apps import AppConfig


class CertificatesCredentialsConfig(AppConfig):
    """Certificates that travel: each certificate also issued as an Open Badges 3.0 / W3C
    Verifiable Credential signed with the province's key, the issuer published as a did:web
    document, revocations in a Bitstring Status List."""

    name = "tisheng.certificates.credentials"
    label = "certificates_credentials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tisheng.certificates.credentials import signals

        signals.connect()
