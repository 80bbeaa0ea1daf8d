from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Supervision (督导): an office's inspection rounds of the units below it, the inspectors'
    findings per indicator, rectification items (整改) and the units' answers."""

    name = "tisheng.supervision"
    label = "supervision"

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from tisheng.home.todos import register as todo_register
        from tisheng.supervision.todos import supervision_todos

        todo_register("supervision", pgettext_lazy("home todo", "Supervision"), supervision_todos)
