"""Deleted or edited on Discord, gone from disk: the gaps records and stored answers holding a message's words.

A gaps record or a stored answer that holds a Discord message's words (an answer channel's question, a
mention, a *Find source* claim) names that message as its `source`; when the message is deleted, or its words
edited, they are dropped, and the bot's posted answer to it loses the line that echoed the question (and its
buttons). Delete and edit events come for every channel the bot can see, so each is first
checked against the source ids kept in memory: only a known one rewrites a file. A message deleted or edited
while the bot is offline is not seen: its words stay until they age out (stored answers: 7 days; the gaps log:
until its size cap drops them, or `quotebot gaps --clear`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from ...index import QuotebotError
from ..buttons import store_of
from ..i18n import Lang, text

if TYPE_CHECKING:
    from ..client import QuoteBot

__all__ = ["Purge", "setup"]

log = logging.getLogger(__name__)


class Purge(commands.Cog):
    """Drop what the bot kept of a message when Discord says it was deleted."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Read the source ids of the gaps log once, off the event loop (it can be megabytes)."""
        try:
            await asyncio.to_thread(self.bot.gaps.holds, ())
        except QuotebotError as exc:
            log.warning("the gaps log cannot be read: %s", exc)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Drop what a deleted message said from the gaps log and the stored answers."""
        await self.purge({payload.message_id})

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Drop what the deleted messages said from the gaps log and the stored answers."""
        await self.purge(payload.message_ids)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Drop what an edited message said before: its old wording is not shown again (its answer's buttons go)."""
        before = payload.cached_message
        if before is not None and before.content == payload.message.content:
            return  # a link preview or a flag changed, not the words
        await self.purge({payload.message_id})

    async def purge(self, ids: Collection[int]) -> None:
        """Drop the records and stored answers whose source is one of `ids`; unknown ids cost a set lookup."""
        gaps, store = self.bot.gaps, store_of(self.bot.gaps)
        try:
            records = await asyncio.to_thread(gaps.purge_source, ids) if gaps.holds(ids) else 0
        except QuotebotError as exc:
            log.warning("the gaps log cannot be read: %s", exc)
            records = 0
        posted: list[tuple[int, int, Lang]] = []
        answers = 0
        if store is not None and store.holds(ids):
            posted = store.posted_for(ids)  # before the rows go: where the answers to those words were posted
            answers = store.purge_source(ids)
        if records or answers:  # counts only: never the text, the message or its author
            log.info("deleted messages: dropped %d gaps records and %d stored answers", records, answers)
        for channel, message, lang in posted:
            await self.unquote(channel, message, lang)

    async def unquote(self, channel: int, message: int, lang: Lang) -> None:
        """Take the question out of the bot's answer to it (its first line echoes it), and the answer's buttons."""
        line = f"**{text('reply.question', lang)}** {text('answer.question_gone', lang)}"
        try:
            await self.bot.get_partial_messageable(channel).get_partial_message(message).edit(content=line, view=None)
        except discord.HTTPException as exc:  # deleted meanwhile, or a private answer Discord keeps to its token
            log.info("could not take a withdrawn question out of answer %s: HTTP %s", message, exc.status)


async def setup(bot: QuoteBot) -> None:
    """Load the purge of deleted messages' words."""
    await bot.add_cog(Purge(bot))
