"""Lesson videos as HLS (issue 20, item 4): the upload queues a job that cuts the video into a VOD
playlist and ~6-second segments in the file store; the player gets the playlist behind the lesson's
scope check, its segments as short-lived signed URLs that refuse tampering and expiry; without
ffmpeg, or until the rendition is ready, the lesson plays its single file as before.

The clip is made once per session by ffmpeg (`-f lavfi testsrc`, 3 s of H.264 + AAC)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files import File

from tisheng.core import storage_files
from tisheng.core.tests.conftest import s3, s3_server  # noqa: F401 (fixtures)
from tisheng.jobs.models import Job
from tisheng.jobs.services import jobs_run_pending
from tisheng.learning import services as learning
from tisheng.learning.models import Course, Lesson
from tisheng.playback import hls
from tisheng.playback.models import RenditionState, VideoRendition

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the clip (make system-deps)")]


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """3 s of H.264 video with AAC sound, a keyframe every second (so it cuts into segments)."""
    path = tmp_path_factory.mktemp("hls") / "clip.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=3:size=160x120:rate=10",
                    "-f", "lavfi", "-i", "sine=duration=3", "-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


@pytest.fixture
def store(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def upload(course: Course, clip: Path) -> Lesson:
    """The lesson an institution adds by uploading the clip (the course in draft, as when editing it)."""
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    course.selections.all().delete()
    course.refresh_from_db()
    with clip.open("rb") as handle:
        lesson = learning.lesson_add(actor=None, course=course, title="第三讲", duration_seconds=3,
                                     upload=File(handle, name="clip.mp4"))
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED)
    return lesson


def play(world, course, lesson, client):
    from tisheng.playback.tests.conftest import select

    select(world.teachers_a[0], course)
    client.force_login(world.teachers_a[0].user)


def test_an_uploaded_video_is_cut_into_a_playlist_and_segments_in_the_store_by_its_job(store, course, clip):
    lesson = upload(course, clip)
    job = Job.objects.get(kind=hls.HLS_SEGMENT, args={"lesson": lesson.pk})

    assert jobs_run_pending() == 1

    job.refresh_from_db()
    assert job.state == "done"
    assert job.result["state"] == "ready"
    assert job.result["transcoded"] is False
    rendition = VideoRendition.objects.get(lesson=lesson)
    assert rendition.playlist == hls.folder_of(lesson.video_file) + "index.m3u8"
    playlist = (store / rendition.playlist).read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
    assert "#EXT-X-ENDLIST" in playlist
    assert len(rendition.segments) >= 1
    for name in rendition.segments:
        assert Path(name).name in playlist
        assert (store / name).read_bytes()[:1] == b"G"  # an MPEG-TS packet's sync byte


def test_a_video_that_is_not_h264_is_transcoded_to_one_rendition(store, course, clip, tmp_path):
    other = tmp_path / "mpeg4.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-c:v", "mpeg4", "-c:a", "copy", str(other)],
                   check=True)
    lesson = upload(course, other)

    rendition = hls.rendition_build(lesson)

    assert rendition.state == RenditionState.READY
    assert rendition.transcoded is True


def test_without_ffmpeg_the_lesson_plays_its_single_file(store, course, clip, settings, world, client):
    settings.FFMPEG = "/nonexistent/ffmpeg"
    lesson = upload(course, clip)

    rendition = hls.rendition_build(lesson)

    assert rendition.state == RenditionState.NO_FFMPEG
    play(world, course, lesson, client)
    html = client.get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert f'src="/learn/lessons/{lesson.pk}/video"' in html
    assert "data-hls" not in html
    assert client.get(f"/learn/lessons/{lesson.pk}/hls.m3u8").status_code == 404


def test_the_player_gets_the_playlist_with_signed_segment_urls_that_play(store, course, clip, world, client):
    lesson = upload(course, clip)
    hls.rendition_build(lesson)
    play(world, course, lesson, client)

    html = client.get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert f'data-hls="/learn/lessons/{lesson.pk}/hls.m3u8"' in html
    assert "hls.light.min.js" in html
    response = client.get(f"/learn/lessons/{lesson.pk}/hls.m3u8")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    urls = [line for line in response.content.decode().splitlines() if line and not line.startswith("#")]
    assert urls
    assert all(url.startswith("/files/s/") for url in urls)
    client.logout()  # a signed URL needs no login: the player's segment requests carry none of their own
    segment = client.get(urls[0])
    assert segment.status_code == 200
    assert b"".join(segment.streaming_content)[:1] == b"G"
    assert segment["Content-Type"] == "video/mp2t"


def test_the_playlist_is_404_for_the_outsider(store, course, clip, world, client):
    lesson = upload(course, clip)
    hls.rendition_build(lesson)

    client.force_login(world.outsider)

    assert client.get(f"/learn/lessons/{lesson.pk}/hls.m3u8").status_code == 404


def test_a_tampered_or_expired_segment_url_is_refused(store, rf, monkeypatch):
    name = storage_files.save("videos/1/2/x.hls/seg00000.ts", b"G" * 188)
    url = storage_files.signed_url(name, content_type="video/mp2t", seconds=60)
    token = url.rsplit("/", 1)[1]
    assert storage_files.signed_name(token) == (name, "video/mp2t")

    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert storage_files.signed_name(tampered) is None
    forged = storage_files.signed_url("videos/1/2/other.ts", content_type="video/mp2t").rsplit("/", 1)[1]
    assert storage_files.signed_name(token.split(":")[0] + ":" + forged.split(":", 1)[1]) is None

    later = time.time() + 61
    monkeypatch.setattr(storage_files.time, "time", lambda: later)
    assert storage_files.signed_name(token) is None


def test_tampered_and_expired_segment_urls_answer_404(store, client, monkeypatch):
    name = storage_files.save("videos/1/2/x.hls/seg00000.ts", b"G" * 188)
    url = storage_files.signed_url(name, content_type="video/mp2t", seconds=60)

    assert client.get(url).status_code == 200
    assert client.get(url[:-2] + "xx").status_code == 404
    later = time.time() + 61
    monkeypatch.setattr(storage_files.time, "time", lambda: later)
    assert client.get(url).status_code == 404


def test_from_the_object_store_the_playlist_points_at_presigned_segments(s3, course, clip, world, client):  # noqa: F811
    import urllib.request

    lesson = upload(course, clip)
    rendition = hls.rendition_build(lesson)
    assert rendition.state == RenditionState.READY
    play(world, course, lesson, client)

    body = client.get(f"/learn/lessons/{lesson.pk}/hls.m3u8").content.decode()

    urls = [line for line in body.splitlines() if line and not line.startswith("#")]
    assert urls[0].startswith(s3)
    assert "X-Amz-Expires=14400" in urls[0]
    assert "X-Amz-Signature=" in urls[0]
    with urllib.request.urlopen(urls[0]) as got:  # noqa: S310 - the test's own store
        assert got.read(1) == b"G"


def test_the_sweep_keeps_a_lessons_video_and_rendition_and_takes_what_a_deleted_lesson_left(store, course, clip):
    import datetime as dt

    from django.utils import timezone

    from tisheng.core.storage_sweep import sweep

    lesson = upload(course, clip)
    kept = hls.rendition_build(lesson)
    gone = upload(course, clip)
    left = hls.rendition_build(gone)
    left_behind = [gone.video_file, left.playlist, *left.segments]
    gone.delete()  # the row goes; its files stay in the store until the sweep

    result = sweep(now=timezone.now() + dt.timedelta(days=3))

    assert result["removed"] == len(left_behind)
    assert not any((store / name).exists() for name in left_behind)
    assert all((store / name).exists() for name in [lesson.video_file, kept.playlist, *kept.segments])


def test_a_lesson_video_from_the_object_store_asks_it_once_whether_the_file_is_there(s3, course, clip, world,  # noqa: F811
                                                                                     client):
    lesson = upload(course, clip)
    play(world, course, lesson, client)
    heads: list[str] = []
    store_client = storage_files.private_storage().connection.meta.client
    store_client.meta.events.register("before-parameter-build.s3.HeadObject", lambda params, **kw: heads.append(params["Key"]))

    response = client.get(f"/learn/lessons/{lesson.pk}/video")

    assert response.status_code == 302
    assert heads == [lesson.video_file]
