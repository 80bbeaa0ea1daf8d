from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page (待办): what each of the user's roles has to do next, as counts and lines
    that link to the page where it is done. It sits above every domain app and only reads
    their selectors; nothing imports it."""

    name = "tisheng.home"
    label = "home"
