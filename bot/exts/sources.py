"""/sources: list the documents of the corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ..intake.places import place_of_interaction
from ..reply.listing import source_rows, sources_reply
from ..reply.views import SourcesView, send_kwargs
from ..words.i18n import language
from ..words.translator import described

if TYPE_CHECKING:
    from ..client.client import QuoteBot


class Sources(commands.Cog):
    """The /sources slash command."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description=described("command.sources"))
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        """List the documents this channel can search: title, date, paragraphs, file."""
        engine = self.bot.engine  # once: the rows and the rules that pick them come from the same index
        names = self.bot.searchable(place_of_interaction(interaction), engine)
        rows = source_rows(engine, names=names, mirrors=self.bot.live.mirrors, server=interaction.guild_id)
        reply = sources_reply(rows, lang=language(interaction.locale))
        view = SourcesView(rows, reply)
        await interaction.response.send_message(**send_kwargs(reply, view), ephemeral=True)
        if view.children:
            view.message = await interaction.original_response()


async def setup(bot: QuoteBot) -> None:
    """Load the /sources command."""
    await bot.add_cog(Sources(bot))
