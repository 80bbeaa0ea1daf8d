from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page (待办): what each of the user's roles has to do next, as counts and lines
    that link to the page where it is done. It sits above every domain app and only reads
    their selectors; nothing imports it but its to-do registry (todos.py), where apps whose
    to-dos home's own readers do not know add theirs."""

    name = "tisheng.home"
    label = "home"
