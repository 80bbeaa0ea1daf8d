"""The RSA key tisheng signs OpenID Connect id_tokens with (imported by settings: no Django here).

Production sets TISHENG_OIDC_RSA_PRIVATE_KEY (PEM). Without it, a development key is generated
at first start into VAR_DIR/oidc-dev-key.pem and reused after that, so id_tokens stay
verifiable across restarts and across the processes of one machine. Never use it in production:
it is not backed up and anyone with the file can sign as tisheng."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def load_or_create(pem_from_env: str, var_dir: Path) -> str:
    if pem_from_env.strip():
        return pem_from_env
    path = var_dir / "oidc-dev-key.pem"
    if path.exists():
        return path.read_text()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    fd, tmp = tempfile.mkstemp(dir=var_dir, prefix=".oidc-key-")
    with os.fdopen(fd, "w") as out:
        out.write(pem)
    try:
        os.link(tmp, path)  # atomic and refuses to overwrite: two first starts agree on one key
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path.read_text()
