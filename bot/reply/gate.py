"""The one gate that every text the bot shows again passes at the moment it is sent.

A new answer is checked as it is made: the engine applies the rules, and `QuoteBot.answer` fetches its first
page's Discord messages again. What a reply kept from earlier (the next page of *More passages*, a page
*Share in channel* posts, a *Find source* claim) passes this gate before it is sent, for the place it is sent
to and by the rules in force then: the engine answering now re-checks each passage as a new answer would
(its collection visible here, its words still indexed and verbatim in the file, its author not opted out, its
message not hidden, from this server), then every live Discord message on the page is fetched again. A
message that cannot be fetched is left out (the gate fails closed) and the page says how many were.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

import discord

from ...index import Answer, Passage
from ..intake.places import Place
from ..ops.engines import Engine
from ..sources.forgotten import Forgotten
from ..sources.live import LiveSources
from ..words.i18n import Lang, text

__all__ = [
    "CLAIM_SECONDS",
    "Cleared",
    "Sender",
    "Source",
    "claim_stands",
    "clear_live",
    "clear_page",
    "clear_passages",
    "source_of",
    "withdrawn_claim",
]

log = logging.getLogger(__name__)

CLAIM_SECONDS = 3.0  # how long a page waits to re-fetch a claim's message before leaving the claim out


class Sender(Protocol):
    """What the gate uses of the bot (`QuoteBot`, bot/client/client.py), which imports this module."""

    @property
    def engine(self) -> Engine: ...

    @property
    def live(self) -> LiveSources: ...

    @property
    def forgotten(self) -> Forgotten: ...

    def searchable(self, place: Place | None, engine: Engine | None = None) -> list[str] | None: ...

    def schedule_refresh(self, *names: str) -> None: ...

    def get_partial_messageable(
        self, id: int, *, guild_id: int | None = None, type: discord.ChannelType | None = None
    ) -> discord.PartialMessageable: ...


@dataclass(frozen=True, slots=True)
class Source:
    """The Discord message whose words a reply echoes (a *Find source* claim): fetched again before each send."""

    server: int | None
    channel: int
    message: int


@dataclass(frozen=True, slots=True)
class Cleared:
    """An answer as it may be shown now: the passages that passed, and whether its claim still may be."""

    answer: Answer  # only the passages that may be shown now; `left_out` counts every one taken out
    claim_gone: bool = False  # the claim's message was deleted, reworded, its author opted out, or unreadable


def source_of(message: discord.Message) -> Source:
    """Return where a message is, to fetch it again later."""
    return Source(message.guild.id if message.guild else None, message.channel.id, message.id)


async def clear_passages(bot: Sender, passages: tuple[Passage, ...], place: Place | None) -> tuple[Passage, ...]:
    """Return the passages the engine answering now would still quote in `place` (no Discord fetch)."""
    engine = bot.engine  # once: the rules and the index that apply them come together
    names = bot.searchable(place, engine)
    server = None if place is None else (place.server or 0)
    return await asyncio.to_thread(engine.quotable, passages, names=names, server=server)


async def clear_page(
    bot: Sender, answer: Answer, *, page: int, per_page: int, place: Place | None, claim: Source | None = None
) -> Cleared:
    """Return `answer` with what may no longer be shown taken out, page `page`'s live messages fetched again."""
    kept = await clear_passages(bot, answer.passages, place)
    left_out = answer.left_out + len(answer.passages) - len(kept)
    kept, dropped = await clear_live(bot, kept, page=page, per_page=per_page)
    claim_gone = claim is not None and not await claim_stands(bot, claim, answer.question)
    cleared = replace(answer, answered=answer.answered and bool(kept), passages=kept, left_out=left_out + dropped)
    return Cleared(cleared, claim_gone)


async def clear_live(
    bot: Sender, passages: tuple[Passage, ...], *, page: int, per_page: int
) -> tuple[tuple[Passage, ...], int]:
    """Fetch page `page`'s live Discord messages again; return the passages without those that failed, and how
    many were taken out. A page that shifts (one was taken out) fetches the messages that moved onto it."""
    checked: set[str] = set()  # links fetched already
    kept, dropped = passages, 0
    while bot.live:
        shown = kept[page * per_page : (page + 1) * per_page]
        quoted = [(link, p.text) for p in shown for link in _links(p) if link not in checked]
        if not quoted:
            break
        checked.update(link for link, _ in quoted)
        result = await bot.live.recheck(quoted)
        if result.changed:
            bot.schedule_refresh(*result.changed)  # hides them from every later answer too
        before = len(kept)
        kept = _without(kept, result.left_out)
        dropped += before - len(kept)
    return kept, dropped


def _links(passage: Passage) -> Iterable[str]:
    """Yield the links a page shows for a passage: its own, then its duplicates'."""
    if passage.url:
        yield passage.url
    yield from (c.url for c in passage.also_in if c.url)


def _without(passages: tuple[Passage, ...], links: frozenset[str]) -> tuple[Passage, ...]:
    """Return the passages whose own link is not in `links`, their duplicates' citations likewise."""
    return tuple(
        replace(p, also_in=tuple(c for c in p.also_in if c.url not in links)) for p in passages if p.url not in links
    )


async def claim_stands(bot: Sender, source: Source, claim: str) -> bool:
    """Tell whether the claim's message still says it, is readable, and its author has not opted out."""
    fetch = bot.get_partial_messageable(source.channel, guild_id=source.server).fetch_message(source.message)
    try:
        current = await asyncio.wait_for(fetch, CLAIM_SECONDS)
    except (discord.HTTPException, TimeoutError) as exc:  # deleted, unreadable, or Discord slow: not shown
        log.info("a claim's message could not be fetched again (%s): left out", type(exc).__name__)
        return False
    if str(current.author.id) in bot.forgotten.ids:
        return False
    return " ".join(current.content.split()) == " ".join(claim.split())


def withdrawn_claim(answer: Answer, lang: Lang) -> Answer:
    """Return the answer with its claim replaced by the bot's line saying the claim's message is gone.

    Its passages' differences go too: each names the claim's words it differs from ("where the claim says 1998").
    """
    passages = tuple(replace(p, differences=()) for p in answer.passages)
    return replace(answer, question=text("gate.claim_gone", lang), passages=passages)
