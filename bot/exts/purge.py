"""Deleted or edited on Discord, gone from disk: the gaps records and stored answers holding a message's words.

A gaps record or a stored answer that holds a Discord message's words (an answer channel's question, a
mention, a *Find source* claim) names that message as its `source`; when the message is deleted, or its words
edited, they are dropped, and the bot's posted answer to it loses the line that echoed the question (and its
buttons). Delete and edit events come for every channel the bot can see, so each is first
checked against the source ids kept in memory: only a known one rewrites a file. A message deleted while the
bot was offline is looked for once a run, after it connects (`catch_up`: one fetch per message the bot keeps
words of, in the background); an edit made while it was offline is not seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from ...index import QuotebotError
from ..reply.button_state import store_of
from ..words.i18n import Lang, text

if TYPE_CHECKING:
    from ..client.client import QuoteBot

__all__ = ["Purge", "setup"]

log = logging.getLogger(__name__)


class Purge(commands.Cog):
    """Drop what the bot kept of a message when Discord says it was deleted."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot
        self.caught_up: asyncio.Task[None] | None = None  # the start's look for messages deleted while away
        # One look at a time: a second one started meanwhile would find the rows the first is still unquoting gone.
        self.catching_up = asyncio.Lock()

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
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """Drop what a deleted forum post (or the thread started on a question) held: its id is its first message's."""
        await self.purge({payload.thread_id})

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Drop what an edited message said before: its old wording is not shown again (its answer's buttons go)."""
        before = payload.cached_message
        if before is not None and before.content == payload.message.content:
            return  # a link preview or a flag changed, not the words
        await self.purge({payload.message_id})

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Once a run, in the background: look for the asked messages deleted while the bot was away."""
        if self.caught_up is None:
            self.caught_up = asyncio.create_task(self.catch_up(), name="catch up deleted questions")

    async def catch_up(self) -> None:
        """Fetch each message whose words the bot keeps (at most the store's 5,000 answers and the gaps log's
        records); for each Discord says is gone, do what its delete event would have done."""
        async with self.catching_up:
            await self._catch_up()

    async def _catch_up(self) -> None:
        """Look for the asked messages Discord no longer returns and purge them (under the lock)."""
        store = store_of(self.bot.gaps)
        asked = set(store.asked()) if store is not None else set()
        try:
            asked |= await asyncio.to_thread(self.bot.gaps.asked)
        except QuotebotError as exc:
            log.warning("the gaps log cannot be read: %s", exc)
        gone = [found for where in sorted(asked, key=lambda a: a[2]) if (found := await self._gone(*where))]
        answering = self.bot.get_cog("AnswerChannels")
        for server, channel, message in gone:
            if answering is not None:
                await answering.questions_deleted(server, channel, [message])  # type: ignore[attr-defined]
        if gone:
            await self.purge({message for _, _, message in gone})
            log.info("%d asked message(s) were deleted while the bot was away: their words were dropped", len(gone))

    async def _gone(self, server: int | None, channel: int, message: int) -> tuple[int | None, int, int] | None:
        """Return where a message was when Discord says it is deleted; None when it is there or cannot be asked."""
        if channel == message:  # a thread started on the question (it shares its id): the question is in its parent
            try:
                thread = await self.bot.fetch_channel(channel)
            except discord.NotFound:
                return server, channel, message  # deleted with its thread (a forum post is its thread)
            except discord.HTTPException:
                return None  # not readable now: kept, and asked again at the next start
            channel = getattr(thread, "parent_id", None) or channel
        try:
            await self.bot.get_partial_messageable(channel, guild_id=server).fetch_message(message)
        except discord.NotFound:
            return server, channel, message
        except discord.HTTPException:
            return None  # unreadable now: kept, and asked again at the next start
        return None

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
