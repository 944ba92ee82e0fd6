"""The one error handler for app commands: short private messages for known errors, logs for bugs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import APOLOGY, describe_error, tell

if TYPE_CHECKING:
    from bot.client import QuoteBot

log = logging.getLogger("quotebot.errors")


class ErrorHandler(commands.Cog):
    """Install itself as the command tree's error handler while loaded."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        """Route every app-command error here."""
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        """Give the tree its previous handler back."""
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Tell the user what went wrong in one private line; log the traceback of anything unexpected."""
        message = describe_error(error)
        if message is None:
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error("command %s failed for user %s", name, interaction.user.id, exc_info=error)
            message = APOLOGY
        await tell(interaction, message)


async def setup(bot: QuoteBot) -> None:
    """Load the error handler."""
    await bot.add_cog(ErrorHandler(bot))
