"""A misconfigured signing key is found at start-up (`tisheng check`, every command), not
at the first certificate."""

import binascii

from django.core.checks import Error, register

KEY_INVALID = "TISHENG_CERT_SIGNING_KEY is not the base64 of a raw 32-byte Ed25519 private key."


@register()
def signing_key_check(app_configs, **kwargs) -> list[Error]:
    from tisheng.certificates import signing

    try:
        signing.private_key()
    except (ValueError, binascii.Error):
        return [Error(KEY_INVALID, id="certificates.E001")]
    return []
