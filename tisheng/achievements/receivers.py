"""The panels app announces a closed panel; a round whose panel it is takes its scores."""

from django.dispatch import receiver

from tisheng.achievements.models import Round, RoundState
from tisheng.achievements.services import round_take_scores
from tisheng.panels.models import Panel
from tisheng.panels.signals import panel_closed


@receiver(panel_closed, sender=Panel, dispatch_uid="achievements.panel_closed")
def _panel_closed(sender, panel: Panel, **kwargs) -> None:
    if not panel.round_key.startswith("achievements.round:"):
        return
    r = Round.objects.select_for_update().filter(panel=panel, state=RoundState.SCORING).first()
    if r is not None:
        round_take_scores(r, panel.results)
