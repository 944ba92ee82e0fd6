"""/reindex: rebuild the index from the corpus; Manage Server only."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.catalog import index_summary

if TYPE_CHECKING:
    from bot.client import QuoteBot

log = logging.getLogger("quotebot.reindex")


class Reindex(commands.Cog):
    """The /reindex slash command."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members without Manage Server...
    @app_commands.checks.has_permissions(manage_guild=True)  # ...and refused here, whatever a server overrides
    async def reindex(self, interaction: discord.Interaction[Any]) -> None:
        """Rebuild the index from the corpus folder; answers keep coming from the old index until it is done."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("reindex requested by user %s", interaction.user.id)
        started = time.perf_counter()
        engine = await self.bot.reindex()
        seconds = time.perf_counter() - started
        await interaction.followup.send(
            f"Reindexed {index_summary(engine)} in {seconds:.0f} s; new questions use the new index.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: QuoteBot) -> None:
    """Load the /reindex command."""
    await bot.add_cog(Reindex(bot))
