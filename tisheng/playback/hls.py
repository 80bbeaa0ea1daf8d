"""Lesson videos as HLS (issue 20, item 4): an uploaded MP4 is cut by ffmpeg into ~6-second MPEG-TS
segments and a VOD playlist, stored in the private file store beside the video
(`videos/…/<uuid>.hls/index.m3u8`, `…/seg00000.ts`, …), so a player fetches the video piece by piece
from the object store (or a CDN in front of it) instead of through an app node.

- `HLS_SEGMENT = "playback.hls_segment"` is the job (tasks.py) that learning's `lesson_add` queues for
  each uploaded video; `rendition_build` is what it runs. H.264 video with AAC (or no) audio is copied
  as it is (seconds of CPU for an hour of video); anything else is transcoded once to one rendition
  an old phone plays (H.264 main, at most 480 lines, AAC 96 kb/s stereo).
- Without ffmpeg on the node (settings.FFMPEG) the rendition is marked `no_ffmpeg` and the lesson plays
  the single file as before; a failed cut is `failed` with ffmpeg's complaint, and plays the same way.
- `signed_playlist` is what the player gets, behind the same scope check as the video: the stored
  playlist with every segment line replaced by a short-lived signed URL of that segment
  (storage_files.signed_url: presigned from the object store, an HMAC'd app URL from local files).

The player (static/playback/hls-source.js) attaches hls.js to the same <video> element (Safari plays
HLS natively), so the heartbeat script and the server's anti-cheat rules see the same element and
the same media events as with the single file: nothing about crediting changes."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tisheng.core import storage_files
from tisheng.playback.models import RenditionState, VideoRendition

logger = logging.getLogger(__name__)

HLS_SEGMENT = "playback.hls_segment"
PLAYLIST = "index.m3u8"
SEGMENT_SECONDS = 6
SEGMENT_TYPE = "video/mp2t"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
# An hour of video copies in seconds; a transcode of a long lecture on a small node takes a while.
FFMPEG_TIMEOUT = 4 * 3600


class HlsError(Exception):
    """ffmpeg could not cut the video (its complaint is the message)."""


def ffmpeg_path() -> str | None:
    return shutil.which(getattr(settings, "FFMPEG", "ffmpeg") or "ffmpeg")


def folder_of(video_name: str) -> str:
    """Where a video's rendition is stored: beside it, `<video without suffix>.hls/`."""
    return str(Path(video_name).with_suffix("")) + ".hls/"


def _probe(ffmpeg: str, source: Path) -> tuple[str, str]:
    """(video codec, audio codec or "") of the file, by ffprobe beside ffmpeg; ("", "") when unknown."""
    ffprobe = str(Path(ffmpeg).with_name("ffprobe"))
    if not Path(ffprobe).exists():
        ffprobe = shutil.which("ffprobe") or ""
    if not ffprobe:
        return "", ""
    done = subprocess.run([ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json",  # noqa: S603
                           str(source)], capture_output=True, check=False, timeout=120)
    try:
        streams = json.loads(done.stdout or b"{}").get("streams", [])
    except ValueError:
        return "", ""
    first = {}
    for stream in streams:
        first.setdefault(stream.get("codec_type"), stream.get("codec_name", ""))
    return first.get("video", ""), first.get("audio", "")


def _command(ffmpeg: str, source: Path, out: Path, *, copy: bool) -> list[str]:
    codecs = (["-c", "copy"] if copy else
              ["-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast", "-crf", "26",
               "-vf", "scale=-2:min(480\\,ih)", "-pix_fmt", "yuv420p",
               # a keyframe at every segment boundary, so segments are ~6 s each
               "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
               "-c:a", "aac", "-b:a", "96k", "-ac", "2"])
    return [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:v:0", "-map", "0:a:0?",
            *codecs, "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "mpegts", "-hls_segment_filename", str(out / "seg%05d.ts"), str(out / PLAYLIST)]


def _cut(ffmpeg: str, source: Path, out: Path) -> bool:
    """The playlist and segments in `out`; whether the codecs were transcoded."""
    video, audio = _probe(ffmpeg, source)
    copy = video == "h264" and audio in ("aac", "")
    done = subprocess.run(_command(ffmpeg, source, out, copy=copy), capture_output=True,  # noqa: S603
                          check=False, timeout=FFMPEG_TIMEOUT)
    if done.returncode != 0 or not (out / PLAYLIST).is_file():
        raise HlsError(done.stderr.decode("utf-8", "replace")[-2000:] or f"ffmpeg exited {done.returncode}")
    return not copy


def _segment_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if line.strip() and not line.startswith("#")]


def rendition_build(lesson, *, actor=None) -> VideoRendition | None:
    """Cut the lesson's uploaded video into HLS and store it (see the module docstring); the rendition,
    or None for a lesson with no uploaded video. A rendition already made from this video is kept."""
    name = lesson.video_file
    if not name:
        return None
    rendition, _created = VideoRendition.objects.get_or_create(lesson=lesson, defaults={"source": name})
    if rendition.state == RenditionState.READY and rendition.source == name:
        return rendition
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        logger.info("HLS: no ffmpeg on this node; lesson %s plays its single file", lesson.pk)
        VideoRendition.objects.filter(pk=rendition.pk).update(state=RenditionState.NO_FFMPEG, source=name)
        rendition.state = RenditionState.NO_FFMPEG
        return rendition
    folder = folder_of(name)
    scope = lesson.course.institution.region.path if lesson.course.institution.region_id else ""
    with tempfile.TemporaryDirectory(prefix="tisheng-hls-") as temp:
        out = Path(temp)
        try:
            with storage_files.local_path(name) as source:
                transcoded = _cut(ffmpeg, source, out)
        except (HlsError, subprocess.TimeoutExpired) as exc:
            logger.warning("HLS: cutting lesson %s's video %s failed: %s", lesson.pk, name, exc)
            VideoRendition.objects.filter(pk=rendition.pk).update(state=RenditionState.FAILED, source=name,
                                                                 error=str(exc)[:2000])
            rendition.state = RenditionState.FAILED
            return rendition
        lines = (out / PLAYLIST).read_text().splitlines()
        stored: list[str] = []
        with storage_files.discarded_on_error() as kept:
            for i in _segment_lines("\n".join(lines)):
                saved = storage_files.save_path(folder + lines[i].strip(), out / lines[i].strip(),
                                                actor=actor, scope_path=scope)
                kept.append(saved)
                stored.append(saved)
                lines[i] = Path(saved).name  # the name the store gave it (a free one beside a taken one)
            playlist = storage_files.save(folder + PLAYLIST, ("\n".join(lines) + "\n").encode(),
                                          actor=actor, scope_path=scope)
            kept.append(playlist)
            with transaction.atomic():
                VideoRendition.objects.filter(pk=rendition.pk).update(
                    state=RenditionState.READY, source=name, playlist=playlist, segments=stored,
                    transcoded=transcoded, error="", ready_at=timezone.now())
    rendition.refresh_from_db()
    logger.info("HLS: lesson %s's video cut into %d segments (%s)", lesson.pk, len(stored),
                "transcoded" if transcoded else "copied")
    return rendition


def playable(lesson) -> VideoRendition | None:
    """The lesson's rendition when it is ready for its current video (reads the `hls` relation: one
    query, none when the caller select_related it)."""
    try:
        rendition = lesson.hls
    except VideoRendition.DoesNotExist:
        return None
    return rendition if rendition.playable else None


def signed_playlist(rendition: VideoRendition) -> bytes:
    """The stored playlist with each segment line a signed URL (one store read; the signing is local
    arithmetic, for a local store and for the object store's presigned URLs alike)."""
    text = storage_files.read_bytes(rendition.playlist).decode("utf-8")
    folder = rendition.playlist.rsplit("/", 1)[0] + "/"
    lines = text.splitlines()
    for i in _segment_lines(text):
        lines[i] = storage_files.signed_url(folder + lines[i].strip(), content_type=SEGMENT_TYPE)
    return ("\n".join(lines) + "\n").encode()
