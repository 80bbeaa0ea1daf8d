from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out


def _supersede_on_logout(sender, request, user, **kwargs):
    """Logging out (or the idle logout) stops the user's playbacks from earning at once,
    rather than at the next login-session check of their beats."""
    if user is not None:
        from tisheng.playback.models import PlaybackSession

        PlaybackSession.objects.filter(user=user, superseded=False).update(superseded=True)


class PlaybackConfig(AppConfig):
    name = "tisheng.playback"

    def ready(self):
        user_logged_out.connect(_supersede_on_logout, dispatch_uid="playback-supersede-on-logout")
        from tisheng.core.storage_sweep import register_references

        register_references("videos/", _stored_videos)


def _stored_videos():
    """Every stored name under videos/ a row refers to: lessons' uploads and their HLS renditions (the
    daily sweep keeps these and removes the rest: core/storage_sweep.py)."""
    from tisheng.core.storage_sweep import keyset
    from tisheng.learning.models import Lesson
    from tisheng.playback.models import VideoRendition

    for (video_file,) in keyset(Lesson.objects.exclude(video_file=""), "video_file"):
        yield video_file
    for playlist, segments in keyset(VideoRendition.objects.exclude(playlist=""), "playlist", "segments"):
        yield playlist
        yield from segments
