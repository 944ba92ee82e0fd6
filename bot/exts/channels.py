"""Discord channels as sources: the gateway events that keep their collections current.

Added only when quotebot.toml lists `discord_channels` (no listener otherwise); the logic is in `live.py`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord.ext import commands

if TYPE_CHECKING:
    from ..client import QuoteBot

log = logging.getLogger(__name__)


class Channels(commands.Cog):
    """Mirror the listed channels' messages, edits, deletions, threads and pins as they happen."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot
        self.live = bot.live

    def _changed(self, *names: str | None) -> None:
        self.bot.schedule_refresh(*(n for n in names if n))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Read what was written while the bot was away (after each new gateway session)."""
        try:
            self._changed(*await self.live.sync_all())
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            if not self.bot.is_closed():  # closing mid-sync is no problem: the next start resumes
                log.warning("could not catch up with the listed Discord channels (%s); the next start will", exc)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Mirror a new message of a listed channel or thread."""
        self._changed(self.live.on_message(message))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Mirror an edit: the old wording is hidden at once, the new one quoted after the re-index."""
        self._changed(self.live.on_message(payload.message))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Never quote a deleted message again."""
        self._changed(self.live.on_delete(payload.guild_id, payload.channel_id, [payload.message_id]))

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Never quote messages deleted in bulk again."""
        self._changed(self.live.on_delete(payload.guild_id, payload.channel_id, payload.message_ids))

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        """Read a new thread or forum post of a listed channel."""
        await self._read_thread(thread)

    @commands.Cog.listener()
    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        """Re-read a thread whose name or tags changed (a post tagged "solved" starts to count)."""
        if (before.name, before.applied_tags) != (after.name, after.applied_tags):
            await self._read_thread(after)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """Never quote a deleted thread's messages again."""
        self._changed(self.live.on_thread_gone(payload.thread_id))

    @commands.Cog.listener()
    async def on_guild_channel_pins_update(
        self, channel: discord.abc.GuildChannel | discord.Thread, last_pin: object
    ) -> None:
        """Re-read a pins-only channel's pins: a new pin is quoted, an unpinned message no longer."""
        if isinstance(channel, discord.TextChannel | discord.Thread):
            self._changed(await self.live.read_pins(channel))

    async def _read_thread(self, thread: discord.Thread) -> None:
        collection = self.live.collection_of(thread.id, thread.parent_id)
        if collection is not None:
            self._changed(await self.live.read_thread(collection, thread))


async def setup(bot: QuoteBot) -> None:
    """Load the Discord-sources listeners, when some collection is Discord channels."""
    if bot.live:
        await bot.add_cog(Channels(bot))
