from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """What a person is told about their work: in-app notifications, SMS through the province's
    gateway and email. Low in the house (just above accounts), so every domain app can tell
    someone what happened without reaching upward."""

    name = "tisheng.notifications"
    label = "notifications"
