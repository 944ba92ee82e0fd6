"""The one error handler for app commands: short private messages for known errors, logs for bugs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ..intake.checks import describe_error, send_private, tell
from ..reply.views import discords_fault, interaction_expired
from ..words.i18n import Lang, language, text

if TYPE_CHECKING:
    from ..client.client import QuoteBot

log = logging.getLogger(__name__)

NOT_SENT = text("error.not_sent")  # in English; each member gets it in their own language


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
        """Tell the user, in their language, what went wrong in one private line; log the traceback of a bug."""
        name = interaction.command.qualified_name if interaction.command else "?"
        lang = language(interaction.locale)
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, discord.HTTPException) and (interaction_expired(cause) or discords_fault(cause)):
            await self._not_sent(interaction, name, cause, lang)
            return
        message = describe_error(error, lang)
        if message is None:
            log.error("command %s failed in server %s", name, interaction.guild_id, exc_info=error)
            message = text("error.apology", lang)
        await tell(interaction, message)

    async def _not_sent(
        self, interaction: discord.Interaction[Any], name: str, error: discord.HTTPException, lang: Lang
    ) -> None:
        """Report, in one log line, a response Discord did not take even after discord.py's own retries.

        Not a bug in the bot, so no traceback. An expired interaction cannot be answered at all; otherwise
        one short private follow-up is tried, so that the user is not left with "thinking…" for ever. The
        line names the command and the server, never who ran it (SECURITY.md: no user id in the log).
        """
        where = f"in server {interaction.guild_id}" if interaction.guild_id else "in a DM"
        if interaction_expired(error):
            log.warning("the %s interaction %s expired before it was answered (%s)", name, where, error)
            return
        try:
            await send_private(interaction, text("error.not_sent", lang))
        except discord.HTTPException as again:
            log.error("command %s could not answer %s (%s), nor tell them (%s)", name, where, error, again)
        else:
            log.warning("command %s could not answer %s (%s); told them", name, where, error)


async def setup(bot: QuoteBot) -> None:
    """Load the error handler."""
    await bot.add_cog(ErrorHandler(bot))
