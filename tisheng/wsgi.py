import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
django_application = get_wsgi_application()

from tisheng.playback.fastpath import HeartbeatFastPath  # noqa: E402 - needs the settings above

# Heartbeats are answered before Django's request machinery (see tisheng/playback/fastpath.py).
application = HeartbeatFastPath(django_application)
