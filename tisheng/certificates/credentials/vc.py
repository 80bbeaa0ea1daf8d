"""The credential format: W3C Verifiable Credentials 2.0 in the Open Badges 3.0 vocabulary,
secured with a Data Integrity proof of the `eddsa-jcs-2022` cryptosuite (W3C Recommendation
"Data Integrity EdDSA Cryptosuites v1.0"), signed with the province's Ed25519 key (the same key
as the certificate's signature, CERT_SIGNING_KEY).

Why eddsa-jcs-2022 and not eddsa-rdfc-2022 or a JWT: the file stays a plain JSON-LD document
(what Open Badges wallets display and what the issue asks to download), and a verifier checks it
with nothing but JSON canonicalisation (RFC 8785), SHA-256 and Ed25519: no JSON-LD context has
to be fetched or bundled to check a signature years later, and canonicalising is microseconds
where RDF dataset canonicalisation (pyld) takes tens of milliseconds a document, which would put
10,000 credentials far past the issue's minute. The JSON-LD meaning is unchanged: the same
@context, types and terms as an rdfc-signed badge.

Signing (§3.3 of the cryptosuite spec): proofConfig = the proof without proofValue, with the
document's @context; hashData = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document without
proof)); proofValue = "z" + base58btc(Ed25519(hashData)). Our documents hold strings, integers
and booleans only, with ASCII keys, for which RFC 8785 is exactly `json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)` (the tests check it against an RFC 8785 library).

The issuer is did:web of SITE_URL's host (its document at /.well-known/did.json), its key a
Multikey (`z6Mk…`: multicodec ed25519-pub 0xed01 + the raw key, base58btc)."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from urllib.parse import urlsplit

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from tisheng.certificates import signing

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_PUB = b"\xed\x01"


def canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def issuer_did() -> str:
    """did:web of the site's host (a port is percent-encoded, as did:web requires)."""
    host = urlsplit(settings.SITE_URL).netloc
    return "did:web:" + host.replace(":", "%3A")


def key_id() -> str:
    return f"{issuer_did()}#key-1"


def multikey(key: Ed25519PublicKey | None = None) -> str:
    key = key or signing.public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUB + raw).decode()


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("not base58btc")
    raw = base58.b58decode(value[1:])
    if raw[:2] != ED25519_PUB or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_document() -> dict:
    did = issuer_did()
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{"id": key_id(), "type": "Multikey", "controller": did,
                                "publicKeyMultibase": multikey()}],
        "assertionMethod": [key_id()],
        "authentication": [key_id()],
    }


def _hash_data(document: dict, proof: dict) -> bytes:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(unsecured)).digest()


def sign(document: dict, created: dt.datetime) -> dict:
    proof = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE,
             "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "verificationMethod": key_id(), "proofPurpose": "assertionMethod"}
    signature = signing.private_key().sign(_hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": "z" + base58.b58encode(signature).decode()}}


def signature_valid(document: dict, key: Ed25519PublicKey) -> bool:
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return False
    try:
        key.verify(base58.b58decode(value[1:]), _hash_data(document, proof))
    except (InvalidSignature, ValueError):
        return False
    return True


def encode_bits(bits: bytes) -> str:
    """A status list's encodedList: GZIP, then multibase base64url without padding ("u…")."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode()


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_set(bits: bytes, index: int) -> bool:
    """Bit `index`, counted from the left of the first byte (the spec's order)."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
