"""`panel_closed(sender=Panel, panel=…, actor=…)`: sent inside the closing transaction, after the
results are frozen on `panel.results`. Owning apps listen and match `panel.round_key`."""

from django.dispatch import Signal

panel_closed = Signal()
