"""Serving a private file from the object store through the app (issue 20, items 4 and 7): a
missing object is a clear 404 page, found out (HEAD) before anything is answered and logged with
its key, not a redirect to the store's own error or a stream that breaks midway; a store that
is down is a clear 503; what streams through the app (a video a player seeks in, a PDF the
viewer reads by parts) answers byte ranges with the store's own ranged GET.

The object store is moto in server mode (tisheng/core/tests/conftest.py)."""

import logging

import boto3
import pytest
from django.contrib.auth.models import AnonymousUser

from tisheng.core import storage_files
from tisheng.core.tests.conftest import BUCKET

pytestmark = pytest.mark.django_db

GONE = "文件已不存在"
VIDEO = bytes(range(256)) * 1200  # 307,200 bytes
SIZE = len(VIDEO)


def get(rf, **headers):
    request = rf.get("/", headers=headers)
    request.user = AnonymousUser()
    return request


def _remove_behind_the_apps_back(s3, name):
    boto3.client("s3", endpoint_url=s3, aws_access_key_id="tisheng-test", aws_secret_access_key="tisheng-test-secret",
                 region_name="us-east-1").delete_object(Bucket=BUCKET, Key=name)


@pytest.mark.parametrize("through_app", [False, True])
def test_an_object_missing_from_the_store_is_a_clear_404_page_logged_with_its_key(s3, rf, caplog, through_app):
    name = storage_files.save("supervision/1/2/现场.pdf", b"%PDF-1.4 report")
    _remove_behind_the_apps_back(s3, name)

    with caplog.at_level(logging.WARNING, logger="tisheng.core.storage_files"):
        response = storage_files.serve(get(rf), name, content_type="application/pdf", through_app=through_app)

    assert response.status_code == 404
    assert GONE in response.content.decode()
    assert name in caplog.text


def test_a_local_file_that_is_gone_is_the_same_404_page(settings, tmp_path, rf):
    settings.PRIVATE_MEDIA_ROOT = tmp_path

    response = storage_files.serve(get(rf), "evidence/none.pdf", content_type="application/pdf")

    assert response.status_code == 404
    assert GONE in response.content.decode()


def test_a_store_that_is_down_when_a_file_is_asked_for_is_a_clear_503(dead_store, rf):
    response = storage_files.serve(get(rf), "supervision/1/2/现场.pdf", content_type="application/pdf",
                                   through_app=True)

    assert response.status_code == 503
    assert "文件存储暂时无法访问" in response.content.decode()


def test_a_seek_into_a_video_streamed_from_the_store_returns_exactly_those_bytes(s3, rf):
    name = storage_files.save("videos/lesson-9.mp4", VIDEO)

    response = storage_files.serve(get(rf, Range="bytes=100000-100999"), name, content_type="video/mp4",
                                   through_app=True)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100000-100999/{SIZE}"
    assert response["Content-Length"] == "1000"
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == VIDEO[100000:101000]


def test_the_last_bytes_and_an_open_ended_range_are_served_as_asked(s3, rf):
    name = storage_files.save("videos/lesson-10.mp4", VIDEO)

    tail = storage_files.serve(get(rf, Range="bytes=-500"), name, content_type="video/mp4", through_app=True)
    rest = storage_files.serve(get(rf, Range=f"bytes={SIZE - 10}-"), name, content_type="video/mp4",
                               through_app=True)

    assert tail.status_code == rest.status_code == 206
    assert b"".join(tail.streaming_content) == VIDEO[-500:]
    assert rest["Content-Range"] == f"bytes {SIZE - 10}-{SIZE - 1}/{SIZE}"
    assert b"".join(rest.streaming_content) == VIDEO[-10:]


def test_a_range_past_the_end_of_a_stored_video_is_416(s3, rf):
    name = storage_files.save("videos/lesson-11.mp4", VIDEO)

    response = storage_files.serve(get(rf, Range=f"bytes={SIZE}-"), name, content_type="video/mp4",
                                   through_app=True)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


def test_a_whole_stored_file_streams_with_its_length_and_says_it_accepts_ranges(s3, rf, monkeypatch):
    name = storage_files.save("videos/lesson-12.mp4", VIDEO)

    response = storage_files.serve(get(rf), name, content_type="video/mp4", through_app=True)

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert b"".join(response.streaming_content) == VIDEO
