"""Discord channels as sources: the gateway events that keep their collections current.

Added only when quotebot.toml lists `discord_channels` (no listener otherwise); the logic is in `live.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord.ext import commands

if TYPE_CHECKING:
    from ..client.client import QuoteBot

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
        """Reconcile with what was written, edited or deleted while the bot was away (each new gateway session)."""
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
    async def on_thread_join(self, thread: discord.Thread) -> None:
        """Re-read a thread discord.py did not have: an archived post reopened, retagged or renamed in one update."""
        await self._read_thread(thread)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """Never quote a deleted thread's messages again."""
        self._changed(self.live.on_thread_gone(payload.thread_id))

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Never quote a deleted listed channel's messages (or its threads') again."""
        self._changed(self.live.on_channel_gone(channel.id))

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        """Drop a listed channel the bot may no longer read (its overwrites changed); read it when it may again."""
        await self._check_access([after])

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        """Check every listed channel of the server again: a role's permissions decide what the bot may read."""
        await self._check_access(after.guild.channels)

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        """Check every listed channel of the server again (the bot may have lost its role's permissions)."""
        await self._check_access(role.guild.channels)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Drop every listed channel of a server the bot was removed from (or that was deleted)."""
        self._changed(*self.live.on_guild_gone(guild.id))

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Read the listed channels of a server the bot joined (again)."""
        await self._check_access(guild.channels)

    @commands.Cog.listener()
    async def on_guild_channel_pins_update(
        self, channel: discord.abc.GuildChannel | discord.Thread, last_pin: object
    ) -> None:
        """Re-read a pins-only channel's pins: a new pin is quoted, an unpinned message no longer."""
        if isinstance(channel, discord.TextChannel | discord.Thread):
            self._changed(await self.live.read_pins(channel))

    async def _check_access(self, channels: Iterable[discord.abc.GuildChannel]) -> None:
        try:
            self._changed(*await self.live.check_access(channels))
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("could not read a listed Discord channel again (%s); the next start will", exc)

    async def _read_thread(self, thread: discord.Thread) -> None:
        collection = self.live.collection_of(thread.id, thread.parent_id)
        if collection is not None:
            self._changed(await self.live.read_thread(collection, thread))


async def setup(bot: QuoteBot) -> None:
    """Load the Discord-sources listeners, when some collection is Discord channels."""
    if bot.live:
        await bot.add_cog(Channels(bot))
