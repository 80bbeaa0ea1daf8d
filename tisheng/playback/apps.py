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
