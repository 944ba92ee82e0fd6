"""The "Find source" message command: check a message against the corpus, privately."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ..intake.checks import rate_limited
from ..intake.limits import check_question
from ..intake.places import place_of_interaction
from ..reply.gate import source_of
from ..reply.views import send_answer

if TYPE_CHECKING:
    from ..client.client import QuoteBot

PER_PAGE = 3


class FindSource(commands.Cog):
    """Apps › Find source on any message."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Find source", callback=self.find_source)

    async def cog_load(self) -> None:
        """Register the context menu (a cog cannot declare one with a decorator)."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Remove the context menu."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @rate_limited()
    async def find_source(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        """Show the passages that bear on the message's claim, or say that none does."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        claim = check_question(message.content, kind="claim")
        place = place_of_interaction(interaction)
        opted_out = str(message.author.id) in self.bot.forgotten.ids  # their words are never kept in the gaps log
        answer = await self.bot.answer(
            claim, per_page=PER_PAGE, via="find-source", claim=True, place=place, source=message.id,
            logged="" if opted_out else None,
        )  # fmt: skip
        await send_answer(
            interaction, answer, gaps=self.bot.gaps, per_page=PER_PAGE, kind="claim", via="find-source",
            ephemeral=True, source=source_of(message),
        )  # fmt: skip


async def setup(bot: QuoteBot) -> None:
    """Load the "Find source" context menu."""
    await bot.add_cog(FindSource(bot))
