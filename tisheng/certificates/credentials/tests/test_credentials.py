"""Certificates as verifiable credentials: downloaded from the verify page, checked offline by a
verifier that shares no code with tisheng (RFC 8785 by the `jcs` library, base58 by `base58`,
Ed25519 by `cryptography`), revoked through the published status list, and checked on the
public verify page from a file."""

import base64
import gzip
import hashlib
import json

import base58
import jcs
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.certificates.services import certificate_issue, certificate_revoke
from tisheng.certificates.tests.conftest import approved_2, enroll  # noqa: F401 - fixtures


class OfflineVerifier:
    """What a school in another province does with the file: it fetched the issuer's did:web
    document once (and the status list when it wants the revocation state); the check itself
    needs no call to tisheng."""

    def __init__(self, did_document: dict) -> None:
        self.methods = {m["id"]: m for m in did_document["verificationMethod"]}
        self.did = did_document["id"]

    def signature_ok(self, credential: dict) -> bool:
        proof = dict(credential["proof"])
        if proof["cryptosuite"] != "eddsa-jcs-2022" or not proof["verificationMethod"].startswith(self.did + "#"):
            return False
        multikey = base58.b58decode(self.methods[proof["verificationMethod"]]["publicKeyMultibase"][1:])
        assert multikey[:2] == b"\xed\x01"
        key = Ed25519PublicKey.from_public_bytes(multikey[2:])
        signature = base58.b58decode(proof.pop("proofValue")[1:])
        proof["@context"] = credential["@context"]
        document = {k: v for k, v in credential.items() if k != "proof"}
        data = hashlib.sha256(jcs.canonicalize(proof)).digest() + hashlib.sha256(jcs.canonicalize(document)).digest()
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def revoked(self, credential: dict, status_list: dict) -> bool:
        assert self.signature_ok(status_list)
        encoded = status_list["credentialSubject"]["encodedList"][1:]
        bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        index = int(credential["credentialStatus"]["statusListIndex"])
        return bool(bits[index // 8] & (0x80 >> (index % 8)))


@pytest.fixture
def certificate(world, approved_2):  # noqa: F811
    return certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")


def _path(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[1].join(["/", ""])


def test_a_certificate_downloads_as_a_credential_that_an_outside_verifier_checks_and_sees_revoked(
        world, certificate, client):
    verify_page = client.get(f"/verify/{certificate.number}/{certificate.verify_code}").content.decode()
    download = f"/credentials/{certificate.number}/{certificate.verify_code}.json"
    assert download in verify_page
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.credential.json"')
    credential = json.loads(response.content)
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["issuer"]["id"].startswith("did:web:")

    verifier = OfflineVerifier(client.get("/.well-known/did.json").json())
    assert verifier.signature_ok(credential)
    status_url = _path(credential["credentialStatus"]["statusListCredential"])
    assert not verifier.revoked(credential, client.get(status_url).json())

    tampered = json.loads(response.content)
    tampered["credentialSubject"]["creditsEarned"] = "500.00"
    assert not verifier.signature_ok(tampered)

    certificate_revoke(actor=world.province_officer, certificate=certificate, reason="学时记录有误")
    assert verifier.revoked(credential, client.get(status_url).json())
    assert client.get(download).content == response.content  # the same file, byte for byte


def test_the_credential_carries_the_masked_id_and_a_salted_hash_never_the_id(world, certificate, client):
    text = client.get(f"/credentials/{certificate.number}/{certificate.verify_code}.json").content.decode()
    national_id = world.teacher.national_id
    assert national_id not in text
    identifiers = {i["identityType"]: i for i in json.loads(text)["credentialSubject"]["identifier"]}
    hashed = identifiers["nationalIdentityNumber"]
    assert hashed["hashed"] is True
    assert hashed["identityHash"] == "sha256$" + hashlib.sha256((national_id + hashed["salt"]).encode()).hexdigest()
    assert identifiers["ext:maskedNationalIdentityNumber"]["identityHash"] == certificate.id_masked


def test_our_canonical_form_is_rfc_8785(world, certificate):
    from tisheng.certificates.credentials import vc
    from tisheng.certificates.credentials.services import credential_for

    document = credential_for(certificate).document
    assert vc.canonical(document) == jcs.canonicalize(document)


def test_a_wrong_code_or_an_unknown_number_gets_404(world, certificate, client):
    assert client.get(f"/credentials/{certificate.number}/AAAAAAAAAAAAAAAA.json").status_code == 404
    assert client.get("/credentials/FJ0000-000000-000000/AAAAAAAAAAAAAAAA.json").status_code == 404
    assert client.get("/credentials/status/99").status_code == 404


def test_the_verify_page_checks_a_credential_file_and_says_what_it_checked(world, certificate, client):
    data = client.get(f"/credentials/{certificate.number}/{certificate.verify_code}.json").content
    page = client.post(reverse("credentials:check"), {"credential": SimpleUploadedFile("c.json", data)})
    text = page.content.decode()
    assert page.status_code == 200
    assert "证书文件真实有效" in text
    for said in ("签名", "撤销", "证书记录"):
        assert said in text

    forged = json.loads(data)
    forged["credentialSubject"]["creditsEarned"] = "500.00"
    page = client.post(reverse("credentials:check"),
                       {"credential": SimpleUploadedFile("c.json", json.dumps(forged).encode())})
    assert "未通过" in page.content.decode()

    certificate_revoke(actor=world.province_officer, certificate=certificate, reason="学时记录有误")
    page = client.post(reverse("credentials:check"), {"credential": SimpleUploadedFile("c.json", data)})
    assert "未通过" in page.content.decode()

    bad = client.post(reverse("credentials:check"), {"credential": SimpleUploadedFile("c.json", b"\xff{")})
    assert bad.status_code == 400
    assert "不是 JSON" in bad.content.decode() or "不是电子证书" in bad.content.decode()
