"""The send-time check: fetch the quoted Discord messages of a page again, and leave out what fails.

`LiveSources.recheck` (bot/sources/live.py) calls it before any page is sent (bot/reply/gate.py): a message
deleted, reworded so that the quote is no longer in it, unpinned, its author opted out, its channel dropped, or
one Discord does not give back within RECHECK_SECONDS (403, 429, 5xx, no answer) is left out: the check fails
closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import discord

from ...index import Collection, parse_jump_link
from .mirror import Mirror

__all__ = ["RECHECK_SECONDS", "Recheck", "Rechecked", "recheck"]

log = logging.getLogger(__name__)

RECHECK_SECONDS = 3.0  # how long a reply waits to re-fetch a quoted message before leaving it out


@dataclass(frozen=True, slots=True)
class Recheck:
    """What fetching a page's quoted messages again found."""

    changed: frozenset[str]  # collections whose mirror changed (to be re-indexed)
    left_out: frozenset[str]  # links not to show now: gone, reworded, opted out, unpinned, unmirrored, unfetched
    unverified: frozenset[str]  # the subset of left_out whose fetch failed (403, 429/5xx, time-out)


class Rechecked(Protocol):
    """What the check reads and updates of the live sources (`LiveSources`, bot/sources/live.py, which imports this)."""

    @property
    def client(self) -> discord.Client: ...

    @property
    def mirrors(self) -> dict[str, Mirror]: ...

    @property
    def dropped(self) -> set[int]: ...

    @property
    def me(self) -> int: ...

    def owner_of(self, channel: int) -> str | None: ...

    def collection_of(self, channel: int, parent: int | None = None) -> Collection | None: ...

    def forgotten(self) -> frozenset[int]: ...

    def hide(self, name: str, links: Iterable[str]) -> None: ...

    def store(self, name: str, channel: int, message: discord.Message, me: int, forgotten: Iterable[int]) -> None: ...

    def _changed_since(self, name: str, before: int) -> str | None: ...


async def recheck(live: Rechecked, quoted: Iterable[tuple[str, str]]) -> Recheck:
    """(link, quoted text) pairs; fetch each live message once, all at once, RECHECK_SECONDS cap."""
    texts: dict[str, list[str]] = {}
    for link, text in quoted:
        texts.setdefault(link, []).append(text)
    found = await asyncio.gather(*(_recheck(live, link, said) for link, said in texts.items()))
    changed = frozenset(name for name, _, _ in found if name)
    left_out = frozenset(link for link, (_, out, _) in zip(texts, found, strict=True) if out)
    unverified = frozenset(link for link, (_, _, failed) in zip(texts, found, strict=True) if failed)
    return Recheck(changed, left_out, unverified)


async def _recheck(live: Rechecked, link: str, texts: list[str]) -> tuple[str | None, bool, bool]:
    """Check one quoted message: (its collection when the mirror changed, leave it out, its fetch failed)."""
    ids = parse_jump_link(link)
    if ids is None:
        return None, False, False  # not a Discord message
    guild, channel, message = ids
    name = live.owner_of(channel)
    if name is None:  # dropped or unread (left out), or an export in a folder collection (not live: shown)
        return None, channel in live.dropped or live.collection_of(channel) is not None, False
    kept = live.mirrors[name].files[channel].messages.get(message)
    if kept is None or kept.author in live.forgotten():
        return None, True, False  # deleted, emptied, unpinned or opted out since it was indexed
    fetch = live.client.get_partial_messageable(channel, guild_id=guild).fetch_message(message)
    try:
        current = await asyncio.wait_for(fetch, RECHECK_SECONDS)
    except discord.NotFound:
        live.hide(name, live.mirrors[name].remove(channel, [message]))
        return name, True, False
    except (discord.HTTPException, TimeoutError) as exc:  # Discord slow or refusing: fail closed
        log.warning("could not re-check a quoted message before sending (%s): left out", str(exc) or "time-out")
        return None, True, True
    if name not in live.mirrors or channel not in live.mirrors[name].files:
        return None, True, False  # dropped while it was fetched
    before = live.mirrors[name].version
    live.store(name, channel, current, live.me, live.forgotten())  # reworded: the new wording, re-indexed
    still = live.mirrors[name].files[channel].messages.get(message)
    out = still is None or any(text not in current.content for text in texts)
    return live._changed_since(name, before), out, False
