"""/ask: answer a question with verbatim quotes from the corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ..intake.checks import rate_limited, valid_question
from ..intake.limits import MAX_QUESTION_CHARS
from ..intake.places import place_of_interaction
from ..reply.views import send_answer
from ..words.translator import described

if TYPE_CHECKING:
    from ..client.client import QuoteBot


class Ask(commands.Cog):
    """The /ask slash command."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description=described("command.ask"))
    @app_commands.describe(
        question=described("command.ask.question"),
        results=described("command.ask.results"),
        private=described("command.ask.private"),
        claim=described("command.ask.claim"),
    )
    @rate_limited()
    @valid_question()
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        results: app_commands.Range[int, 1, 5] = 3,
        private: bool = False,
        claim: bool = False,
    ) -> None:
        """Answer a question with verbatim quotes from the corpus."""
        await interaction.response.defer(ephemeral=private, thinking=True)  # first: the 3-second deadline
        place = place_of_interaction(interaction)
        # A claim is checked as *Find source* checks a message: the passages that bear on it, differences marked.
        answer = await self.bot.answer(question, per_page=results, via="slash", claim=claim, place=place)
        await send_answer(
            interaction, answer, gaps=self.bot.gaps, per_page=results, kind="claim" if claim else "question",
            via="slash", ephemeral=private,
        )  # fmt: skip


async def setup(bot: QuoteBot) -> None:
    """Load the /ask command."""
    await bot.add_cog(Ask(bot))
