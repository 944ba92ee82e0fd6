"""/forget-me and /remember-me: a member stops (or resumes) being quoted from Discord sources, everywhere, at once.

/remember-me makes the bot read every listed channel's history again (QuoteBot.remember: at most one read running
and one waiting, however many ask); once a minute per member, so that no one can keep it reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ..intake.limits import RateLimiter
from ..words.i18n import text
from ..words.translator import described

if TYPE_CHECKING:
    from ..client.client import QuoteBot

REMEMBER_EVERY = 60.0  # seconds between two /remember-me of one member (refused in one private line meanwhile)


class Privacy(commands.Cog):
    """The /forget-me and /remember-me slash commands."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot
        self.remembering = RateLimiter(1, REMEMBER_EVERY)  # per member

    @app_commands.command(name="forget-me", description=described("command.forget_me"))
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        """Never quote my Discord messages again, in any collection."""
        changed = self.bot.forget(interaction.user.id)
        key = "forget.done" if changed else "forget.already"
        await interaction.response.send_message(text(key, interaction.locale), ephemeral=True)

    @app_commands.command(name="remember-me", description=described("command.remember_me"))
    async def remember_me(self, interaction: discord.Interaction[Any]) -> None:
        """Let my Discord messages be quoted again."""
        wait = self.remembering.retry_after(interaction.user.id)
        if wait:  # one private line, in their language: the re-read they asked for is under way
            line = text("remember.wait", interaction.locale, seconds=max(1, round(wait)))
            await interaction.response.send_message(line, ephemeral=True)
            return
        changed = self.bot.remember(interaction.user.id)
        key = "remember.done" if changed else "remember.not_forgotten"
        await interaction.response.send_message(text(key, interaction.locale), ephemeral=True)


async def setup(bot: QuoteBot) -> None:
    """Load the /forget-me and /remember-me commands."""
    await bot.add_cog(Privacy(bot))
