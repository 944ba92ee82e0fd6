"""When the page of a private answer may be shared in its channel (the *Share in channel* button)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..index import Passage
from .places import Place

__all__ = ["share_refusal"]


def share_refusal(bot: Any, place: Place, passages: Sequence[Passage], forgotten: frozenset[str]) -> str | None:
    """Return the catalog key of why `passages` may not be posted in `place` now, or None when they may.

    Checked at click time against the engine answering now (a /reindex may have changed who sees what): every
    passage's collection must be visible in `place`, as `QuoteBot.searchable` decides for a question; nobody may
    have opted out since the answer (`forgotten`: the opted-out members then), and no quoted Discord message
    may be hidden (deleted, reworded, or its author's) since.
    """
    if place.server is None:
        return "share.dm"  # no channel to share into (no button is offered there)
    engine = bot.engine
    rules = engine.collections
    visible = set(bot.searchable(place, engine) or ())
    only = rules.items[0].name if len(rules.items) == 1 else None  # a passage names its collection when several
    if any((p.collection or only) not in visible for p in passages):
        return "share.hidden"
    hidden = bot.live.hidden()
    links = {p.url for p in passages} | {c.url for p in passages for c in p.also_in}
    if bot.forgotten.ids - forgotten or links & hidden:
        return "share.changed"
    return None
