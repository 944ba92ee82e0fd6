"""The optional one-line reason a 👎 opens (a Discord modal), logged with the vote, never with who gave it."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord

from ..intake.checks import send_private
from ..intake.places import Place
from ..ops.gaps import REASON_LIMIT, GapLog
from ..words.i18n import text
from .sending import interaction_expired

__all__ = ["TIMEOUT", "ReasonModal"]

log = logging.getLogger(__name__)

TIMEOUT = 600.0  # seconds the form waits


class ReasonModal(discord.ui.Modal):
    """The optional one-line reason a 👎 opens; it is logged with the vote, never with who gave it."""

    def __init__(self, gaps: GapLog, feedback_id: str, place: Place, locale: discord.Locale | str | None) -> None:
        super().__init__(title=text("reason.title", locale), timeout=TIMEOUT)
        self.gaps, self.feedback_id, self.place = gaps, feedback_id, place  # the channel, never who gave it
        self.reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(
            label=text("reason.label", locale),
            placeholder=text("reason.placeholder", locale),
            style=discord.TextStyle.short,
            required=False,
            max_length=REASON_LIMIT,
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Keep the reason (a blank one keeps nothing) and thank the member privately."""
        self.gaps.reason(self.feedback_id, self.reason.value, place=self.place)
        await interaction.response.send_message(text("button.thanks", interaction.locale), ephemeral=True)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Log a failed submit and apologise, as a failed button does."""
        if interaction_expired(error):
            log.warning("reason form: the submit expired before it was answered (%s)", error)
            return
        log.error("reason form failed", exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            await send_private(interaction, text("button.failed", interaction.locale))
