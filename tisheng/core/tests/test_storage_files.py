"""Private files through the storage API: local by default, an S3-compatible store when configured.

The S3 tests run against moto in server mode (ThreadedMotoServer: a local S3-compatible HTTP server
from the moto package, standing in where no MinIO can be installed), over real HTTP with real
signatures, so what they check is what the S3 protocol does."""

import contextlib
import stat
from pathlib import Path

import pytest
import requests

from tisheng.core import storage_files
from tisheng.core.private_storage import STORAGE_UNWRITABLE, PrivateStorageError

BUCKET = "tisheng-private"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_storage_settings(endpoint: str) -> dict:
    options = {"bucket_name": BUCKET, "endpoint_url": endpoint, "access_key": "tisheng-test",
               "secret_key": "tisheng-test-secret", "region_name": "us-east-1", "addressing_style": "path",
               "signature_version": "s3v4", "default_acl": None, "querystring_auth": True,
               "querystring_expire": 600, "file_overwrite": False}
    backend = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    return {"default": backend, "private": backend,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def s3(settings, s3_server):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="tisheng-test",
                          aws_secret_access_key="tisheng-test-secret", region_name="us-east-1")
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = s3_storage_settings(s3_server)
    settings.S3_URL_SECONDS = 600
    return s3_server


@pytest.fixture
def local(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path  # the default storage follows PRIVATE_MEDIA_ROOT


def test_a_file_saved_to_the_object_store_reads_back_the_same(s3):
    name = storage_files.save("evidence/350102/教案.pdf", b"%PDF-1.7 lesson plan")

    assert name.startswith("evidence/350102/")
    assert storage_files.exists(name)
    assert storage_files.size(name) == len(b"%PDF-1.7 lesson plan")
    with storage_files.open(name) as f:
        assert f.read() == b"%PDF-1.7 lesson plan"


def test_a_second_file_of_the_same_name_does_not_overwrite_the_first(s3):
    first = storage_files.save("declarations/申报书.docx", b"first")
    second = storage_files.save("declarations/申报书.docx", b"second")

    assert first != second
    with storage_files.open(first) as f:
        assert f.read() == b"first"


def test_an_object_is_not_readable_without_a_signature(s3):
    name = storage_files.save("certificates/35-2026-000001.pdf", b"%PDF certificate")

    assert requests.get(f"{s3}/{BUCKET}/{name}", timeout=5).status_code == 403


@pytest.mark.django_db
def test_serving_from_the_object_store_redirects_to_a_short_lived_signed_url(s3, rf):
    name = storage_files.save("videos/lesson-1.mp4", b"0123456789" * 100)

    response = storage_files.serve(rf.get("/"), name, content_type="video/mp4", filename="第一课.mp4")

    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Expires=600" in url
    assert "X-Amz-Signature=" in url
    assert response["Cache-Control"] == "private, no-store"
    fetched = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=5)
    assert fetched.status_code == 206
    assert fetched.content == b"0123456789"
    assert fetched.headers["Content-Type"] == "video/mp4"


@pytest.mark.django_db
def test_a_store_that_is_down_gives_a_clear_error_and_keeps_nothing(settings, world):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    settings.STORAGES = s3_storage_settings(dead)
    from tisheng.accounts.models import AuditLog

    with pytest.raises(PrivateStorageError) as raised:
        storage_files.save("evidence/350102/课例.mp4", b"video", actor=world.teacher.user,
                           scope_path=world.county_a.path)

    assert raised.value.messages == [str(storage_files._(STORAGE_UNWRITABLE))]
    assert AuditLog.objects.filter(action="storage_write_failed", object_id="evidence/350102/课例.mp4").exists()


def test_a_local_file_is_private_to_the_platform_account(local):
    name = storage_files.save("roster/350102/名册.xlsx", b"PK\x03\x04 roster")

    path = Path(local) / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_local_file_is_served_through_the_app_with_byte_ranges(local, rf):
    name = storage_files.save("videos/lesson-2.mp4", b"abcdefghij" * 10)

    response = storage_files.serve(rf.get("/", HTTP_RANGE="bytes=0-4"), name, content_type="video/mp4")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"abcde"
    assert response["Cache-Control"] == "private, no-store"


def test_a_name_that_leaves_the_storage_is_refused(local):
    with pytest.raises(ValueError, match="leaves"):
        storage_files.save("../../etc/passwd", b"x")
