"""The demo's lesson videos, made with ffmpeg when `tisheng seed` runs, so every demo lesson
plays from this server and none links to a host that does not exist.

A demo lesson is as long as the course's 学时 say (a 10-学时 course of three lessons holds
3 × 150 minutes), so the videos are long but nearly empty: a title card (the course and the
lesson, in Chinese) at one frame every ten seconds, H.264 without sound; the player's controls
show the time. Encoding the demo's 64 hours frame by frame takes most of a minute, so each long
video is one encoded piece of five minutes repeated by ffmpeg's concat demuxer without
re-encoding (stream copy): two ffmpeg processes for the whole demo, about three seconds of CPU,
about 250 kB per 150 minutes (5 MB in all). Clips under a minute are encoded whole, with the
time played on the card.

The videos are kept in a cache (TISHENG_DEMO_MEDIA_CACHE, by default ~/.cache/tisheng/demo-media,
named by a hash of what they show), so seeding again, as every browser-test run does, encodes
nothing; `lesson_add` copies them into the private media like any upload.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Debian's fonts-wqy-microhei (make system-deps): without it the cards have no text.
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SIZE = "480x270"
BACKGROUND = "0x1d4e89"
LONG_FPS = "1/10"  # a frame every ten seconds: the card changes only with the time played
SHORT_FPS = "2"  # clips under a minute: the time played moves visibly
SHORT_SECONDS = 60
FOOTNOTE = "演示视频（无声）"
TIMER = "已播放 %{pts:hms}"
PIECES = (300, 600, 900, 60)
VERSION = "1"  # part of every cached name: change it when the cards change  # the length of the piece a long video repeats: the first that divides it


class DemoMediaError(Exception):
    pass


@dataclass(frozen=True)
class DemoVideo:
    title: str  # the course
    subtitle: str  # the lesson
    seconds: int

    @property
    def name(self) -> str:
        key = "\n".join([VERSION, SIZE, self.title, self.subtitle, str(self.seconds)])
        return hashlib.sha256(key.encode()).hexdigest()[:24] + ".mp4"


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tisheng" / "demo-media"
    folder = Path(os.environ.get("TISHENG_DEMO_MEDIA_CACHE") or default)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a home without a writable cache: the temp folder will do
        folder = Path(tempfile.gettempdir()) / "tisheng-demo-media"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def _drawtext(textfile: Path, size: int, y: str, *, color: str = "white", expand: bool = False) -> str:
    # Text comes from files, so titles need no escaping inside the filter graph.
    return (f"drawtext=fontfile={FONT}:textfile={textfile}:fontcolor={color}:fontsize={size}"
            f":x=(w-tw)/2:y={y}:expansion={'normal' if expand else 'none'}")


def piece_seconds(seconds: int) -> int:
    """How long the encoded piece of a `seconds` video is (all of it when nothing divides it)."""
    if seconds < SHORT_SECONDS:
        return seconds
    return next((p for p in PIECES if seconds % p == 0 and seconds >= 2 * p), seconds)


def _source(video: DemoVideo, seconds: int, folder: Path, n: int) -> str:
    short = video.seconds < SHORT_SECONDS
    graph = f"color=c={BACKGROUND}:s={SIZE}:r={SHORT_FPS if short else LONG_FPS}:d={seconds}"
    if FONT.is_file():
        texts = {"title": video.title, "subtitle": video.subtitle, "foot": FOOTNOTE}
        if short:  # a repeated piece cannot count the time: only a clip made whole shows it
            texts["timer"] = TIMER
        files = {}
        for key, text in texts.items():
            files[key] = folder / f"{n}-{key}.txt"
            files[key].write_text(text, encoding="utf-8")
        draws = [_drawtext(files["title"], 26, "70"), _drawtext(files["subtitle"], 20, "120"),
                 _drawtext(files["foot"], 14, "225", color="0xaabbcc")]
        if short:
            draws.append(_drawtext(files["timer"], 16, "180", color="0xdde6f0", expand=True))
        graph += "," + ",".join(draws)
    return graph + ",format=yuv420p"


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, check=False)  # noqa: S603 - our own arguments
    if result.returncode != 0:
        raise DemoMediaError(result.stderr.decode("utf-8", "replace")[-2000:])


def demo_videos(videos: list[DemoVideo]) -> list[Path]:
    """The files of `videos`, in order: from the cache, the missing ones made first (one ffmpeg
    process encodes a piece of each, a second joins the pieces of the long ones). Raises
    DemoMediaError when ffmpeg is missing or fails."""
    folder = cache_dir()
    paths = [folder / v.name for v in videos]
    missing = list({v.name: v for v, p in zip(videos, paths, strict=True) if not p.is_file()}.values())
    if not missing:
        return paths
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise DemoMediaError("ffmpeg is needed to make the demo's lesson videos (make system-deps)")
    with tempfile.TemporaryDirectory(prefix="tisheng-demo-media-") as tmp:
        work = Path(tmp)
        encode, join = [ffmpeg, "-y", "-loglevel", "error"], [ffmpeg, "-y", "-loglevel", "error"]
        outputs: list[str] = []
        joined: list[str] = []
        inputs = 0
        # Written beside the cache under a name of this process, then renamed into place: two
        # seeds at once (parallel test runs) never read a half-written video.
        done = [(folder / f".{v.name}.{os.getpid()}.part.mp4", folder / v.name) for v in missing]
        for n, (video, (part, _final)) in enumerate(zip(missing, done, strict=True)):
            piece = piece_seconds(video.seconds)
            encode += ["-f", "lavfi", "-i", _source(video, piece, work, n)]
            target = part if piece == video.seconds else work / f"{n}-piece.mp4"
            outputs += ["-map", f"{n}:v", "-c:v", "libx264", "-threads", "1", "-preset", "veryfast",
                        "-tune", "stillimage", "-crf", "30", "-g", "60", "-movflags", "+faststart", str(target)]
            if piece != video.seconds:
                listing = work / f"{n}-pieces.txt"
                listing.write_text(f"file '{target}'\n" * (video.seconds // piece), encoding="utf-8")
                join += ["-f", "concat", "-safe", "0", "-i", str(listing)]
                joined += ["-map", f"{inputs}:v", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(part)]
                inputs += 1
        try:
            _run(encode + outputs)
            if joined:
                _run(join + joined)
            for part, final in done:
                os.replace(part, final)
        finally:
            for part, _final in done:
                part.unlink(missing_ok=True)
    return paths
