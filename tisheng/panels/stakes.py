"""Stakes the owning app knows of: who, by the app's own rule, may not score an item (its
applicant, its authors, the people of the unit behind it), beyond the organisation rule
(`PanelItem.organization`) and the experts' own declarations.

The owning app registers, in its `ready()`, a function for its round keys' prefix:

    register_stakes("achievements.round:", fn)   # fn(items, user_ids) -> {(item id, user id), …}

and the panel never assigns such an item to such an expert, nor takes their scores of it. The
panels app stays below the apps that use it: it only calls what they registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tisheng.panels.models import Panel, PanelItem

StakeFinder = Callable[[list[PanelItem], set[int]], set[tuple[int, int]]]
_FINDERS: dict[str, StakeFinder] = {}


def register_stakes(round_key_prefix: str, finder: StakeFinder) -> None:
    _FINDERS[round_key_prefix] = finder


def stakes(panel: Panel, items: Iterable[PanelItem], user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (item id, user id) pairs where the user has a stake in the item (none when the owning
    app registered no rule)."""
    finder = next((f for prefix, f in _FINDERS.items() if panel.round_key.startswith(prefix)), None)
    items, user_ids = list(items), set(user_ids)
    if finder is None or not items or not user_ids:
        return set()
    return finder(items, user_ids)
