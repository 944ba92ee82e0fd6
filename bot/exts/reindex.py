"""/reindex: re-read quotebot.toml and rebuild the collections this server can search; Manage Server only."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ...index import Collection, ConfigError
from ..intake.checks import send_private
from ..intake.places import place_of_interaction
from ..ops.engines import Scope
from ..reply.listing import index_summary
from ..words.i18n import language, text
from ..words.translator import described

if TYPE_CHECKING:
    from ..client.client import QuoteBot

log = logging.getLogger(__name__)

CONFIG_INVALID = text("reindex.config_invalid")  # in English; each member gets it in their own language


def server_scope(interaction: discord.Interaction[Any]) -> Scope:
    """Return the test for the collections a question asked anywhere in this server may be answered from."""
    place = place_of_interaction(interaction)
    channels = {c for c in (place.channel, place.parent) if c is not None}
    if interaction.guild is not None:  # every channel of the server; a thread's access is its parent's
        channels |= {channel.id for channel in interaction.guild.channels}
    server = place.server or 0

    def visible(collection: Collection) -> bool:
        return server > 0 and collection.visible_in_server(server, channels)

    return visible


class Reindex(commands.Cog):
    """The /reindex slash command."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex", description=described("command.reindex"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members without Manage Server...
    @app_commands.checks.has_permissions(manage_guild=True)  # ...and refused here, whatever a server overrides
    async def reindex(self, interaction: discord.Interaction[Any]) -> None:
        """Rebuild this server's collections from their folders; answers keep coming from the old index until done."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = language(interaction.locale)
        log.info("reindex requested in server %s", interaction.guild_id)  # never who: SECURITY.md
        scope = server_scope(interaction)
        started = time.perf_counter()
        try:
            engine = await self.bot.reindex(scope)
        except ConfigError as exc:  # the details name files and other servers' collections: for the log only
            log.warning("reindex refused, the previous index and rules stay: %s", exc)
            await send_private(interaction, text("reindex.config_invalid", lang))
            return
        seconds = time.perf_counter() - started
        # Only what this server can search is counted: other servers' collections are not its business.
        names = [c.name for c in engine.collections.items if scope(c)]
        if not names:
            await send_private(interaction, text("reindex.nothing", lang))
            return
        summary = index_summary(engine, names, lang)
        await send_private(interaction, text("reindex.done", lang, summary=summary, seconds=round(seconds)))


async def setup(bot: QuoteBot) -> None:
    """Load the /reindex command."""
    await bot.add_cog(Reindex(bot))
