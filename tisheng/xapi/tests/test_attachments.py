"""Attachments in multipart/mixed (Data 2.4.11, Communication 1.5.2)."""

import base64
import hashlib
import json

from tisheng.xapi import services, views
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import message, statement

CONTENT = "伴随式数据采集 — a certificate".encode()
SHA2 = hashlib.sha256(CONTENT).hexdigest()


def attachment(sha2: str = SHA2, **overrides) -> dict:
    return {"usageType": "http://adlnet.gov/expapi/attachments/certificate", "display": {"zh-CN": "证书"},
            "contentType": "text/plain", "length": len(CONTENT), "sha2": sha2, **overrides}


def multipart(statements, parts: list[tuple[dict, bytes]], boundary: str = "abcXYZboundary") -> tuple[bytes, str]:
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode()]
    for headers, content in parts:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        out += [f"\r\n--{boundary}\r\n{head}\r\n".encode(), content]
    out.append(f"\r\n--{boundary}--".encode())
    return b"".join(out), f'multipart/mixed; boundary="{boundary}"'


def part(content: bytes = CONTENT, sha2: str = SHA2) -> tuple[dict, bytes]:
    return ({"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": sha2},
            content)


def test_a_statement_with_its_attachment_part_is_stored_and_returned_in_multipart(lrs):
    s = statement(attachments=[attachment()])
    body, content_type = multipart(s, [part()])
    assert lrs.post("statements", body, content_type=content_type).status_code == 200
    response = lrs.get("statements", {"statementId": s["id"], "attachments": "true"})
    assert response["Content-Type"].startswith("multipart/mixed")
    assert CONTENT in response.content
    assert f"X-Experience-API-Hash: {SHA2}".encode() in response.content


def test_attachments_false_answers_plain_json_without_the_content(lrs):
    s = statement(attachments=[attachment()])
    body, content_type = multipart(s, [part()])
    lrs.post("statements", body, content_type=content_type)
    response = lrs.get("statements", {"statementId": s["id"]})
    assert response["Content-Type"] == "application/json"
    assert CONTENT not in response.content


def test_a_statement_list_with_attachments_true_is_multipart(lrs):
    s = statement(attachments=[attachment()])
    body, content_type = multipart([s], [part()])
    lrs.post("statements", body, content_type=content_type)
    response = lrs.get("statements", {"attachments": "true"})
    assert response["Content-Type"].startswith("multipart/mixed")
    assert CONTENT in response.content


def test_an_attachment_with_only_a_file_url_needs_no_part(lrs):
    s = statement(attachments=[attachment(fileUrl="https://files.example.com/cert.txt")])
    assert lrs.post("statements", s).status_code == 200


def test_a_sha2_missing_its_part_is_refused_with_400(lrs):
    s = statement(attachments=[attachment()])
    response = lrs.post("statements", s)
    assert response.status_code == 400
    assert response.json()["error"] == message(services.ATTACHMENT_PART_MISSING, sha2=SHA2)
    assert not Statement.objects.exists()


def test_a_part_whose_content_does_not_match_its_hash_is_refused_with_400(lrs):
    s = statement(attachments=[attachment()])
    body, content_type = multipart(s, [part(content=b"something else")])
    response = lrs.post("statements", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == message(services.ATTACHMENT_HASH_MISMATCH, sha2=SHA2)


def test_a_part_matching_no_attachment_is_refused_with_400(lrs):
    other = hashlib.sha256(b"other").hexdigest()
    s = statement(attachments=[attachment()])
    body, content_type = multipart(s, [part(), part(content=b"other", sha2=other)])
    assert lrs.post("statements", body, content_type=content_type).status_code == 400


def test_a_part_without_the_hash_header_is_refused_with_400(lrs):
    s = statement(attachments=[attachment()])
    headers, content = part()
    del headers["X-Experience-API-Hash"]
    body, content_type = multipart(s, [(headers, content)])
    response = lrs.post("statements", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == message(views.PART_WITHOUT_HASH)


def test_a_part_without_binary_transfer_encoding_is_refused_with_400(lrs):
    s = statement(attachments=[attachment()])
    headers, content = part()
    del headers["Content-Transfer-Encoding"]
    body, content_type = multipart(s, [(headers, content)])
    assert lrs.post("statements", body, content_type=content_type).status_code == 400


def test_a_multipart_request_whose_first_part_is_not_json_is_refused_with_400(lrs):
    body = b'--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--'
    assert lrs.post("statements", body, content_type='multipart/mixed; boundary="b"').status_code == 400


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_malformed_signature_is_refused_with_400(lrs):
    jws = b"not-a-jws"
    sha2 = hashlib.sha256(jws).hexdigest()
    s = statement(attachments=[attachment(sha2=sha2, usageType="http://adlnet.gov/expapi/attachments/signature",
                                          contentType="application/octet-stream", length=len(jws))])
    body, content_type = multipart(s, [part(content=jws, sha2=sha2)])
    assert lrs.post("statements", body, content_type=content_type).status_code == 400


def test_a_signature_whose_payload_is_another_statement_is_refused_with_400(lrs):
    s = statement()
    other = {**s, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    jws = f"{_b64({'alg': 'RS256'})}.{_b64(other)}.c2lnbmF0dXJl".encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    s["attachments"] = [attachment(sha2=sha2, usageType="http://adlnet.gov/expapi/attachments/signature",
                                   contentType="application/octet-stream", length=len(jws))]
    body, content_type = multipart(s, [part(content=jws, sha2=sha2)])
    assert lrs.post("statements", body, content_type=content_type).status_code == 400


def test_a_signature_of_the_statement_itself_is_accepted(lrs):
    s = statement()
    jws = f"{_b64({'alg': 'RS256'})}.{_b64(s)}.c2lnbmF0dXJl".encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    s["attachments"] = [attachment(sha2=sha2, usageType="http://adlnet.gov/expapi/attachments/signature",
                                   contentType="application/octet-stream", length=len(jws))]
    body, content_type = multipart(s, [part(content=jws, sha2=sha2)])
    assert lrs.post("statements", body, content_type=content_type).status_code == 200


def test_another_institution_does_not_get_the_attachment_content(lrs, lrs_b):
    s = statement(attachments=[attachment()])
    body, content_type = multipart(s, [part()])
    lrs.post("statements", body, content_type=content_type)
    other = statement(attachments=[attachment(fileUrl="https://files.example.com/x")])
    lrs_b.post("statements", other)
    response = lrs_b.get("statements", {"statementId": other["id"], "attachments": "true"})
    assert CONTENT not in response.content
