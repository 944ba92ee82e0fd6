"""The parts every button of the bot shares, and the previous / next buttons of a /sources list.

A click is answered here when it fails or when what it refers to is gone; `ReplyView` keeps a message's dynamic
buttons for as long as the bot runs. The /sources buttons carry all a click needs (`quotebot:sources:next:fr:0`):
the list is made again, as the clicker's channel may see it now.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any, cast

import discord

from ...index import QuotebotError
from ..intake.checks import error_text, send_private
from ..intake.places import place_of_interaction
from ..words.i18n import LANGUAGES, Lang, language, text
from .listing import SourceRow, source_rows, sources_buttons, sources_reply
from .replies import Reply
from .sending import interaction_expired, send_kwargs

__all__ = [
    "SOURCES_TEMPLATE",
    "ReplyView",
    "ShownButton",
    "SourcesButton",
    "SourcesView",
    "button_of",
    "click_failed",
    "click_gone",
]

log = logging.getLogger(__name__)

SOURCES_TEMPLATE = r"quotebot:sources:(?P<way>prev|next):(?P<lang>[A-Za-z-]{2,5}):(?P<page>[0-9]{1,5})"


async def click_failed(interaction: discord.Interaction[Any], error: Exception, custom_id: str) -> None:
    """Log a failed click (its action, never the answer's key) and apologise to the one who clicked."""
    name = ":".join(custom_id.split(":")[:2])  # e.g. quotebot:more: the key would tie the log to an answer
    if interaction_expired(error):  # not a bug, and its token is dead: one line, no apology to send
        log.warning("button %s: the click expired before it was answered (%s)", name, error)
        return
    log.error("button %s failed", name, exc_info=error)
    with contextlib.suppress(discord.HTTPException):
        await send_private(interaction, text("button.failed", interaction.locale))


async def click_gone(interaction: discord.Interaction[Any]) -> None:
    """Say, privately and in one line, that what the button refers to is gone; nothing else changes."""
    await send_private(interaction, text("button.gone", interaction.locale))


def button_of(item: discord.ui.Item[Any]) -> discord.ui.Button[Any]:
    """Return the button a dynamic item was made from (every item of these templates is one)."""
    if not isinstance(item, discord.ui.Button):
        raise TypeError(f"not a button: {item!r}")
    return item


class ShownButton:
    """A dynamic item's button as members see it: its label, emoji and whether it is greyed out."""

    item: discord.ui.Button[Any]

    @property
    def label(self) -> str | None:
        """Return the button's label."""
        return self.item.label

    @property
    def emoji(self) -> discord.PartialEmoji | None:
        """Return the button's emoji."""
        return self.item.emoji

    @property
    def disabled(self) -> bool:
        """Tell whether the button is greyed out."""
        return self.item.disabled

    @disabled.setter
    def disabled(self, value: bool) -> None:
        self.item.disabled = value


class ReplyView(discord.ui.View):
    """A view of dynamic buttons, kept as long as the bot runs (a click finds it by its custom id, not by timeout)."""

    message: discord.Message | None = None

    def __init__(self) -> None:
        super().__init__(timeout=None)


class SourcesButton(ShownButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=SOURCES_TEMPLATE):
    """Previous / next under a /sources list, `quotebot:sources:<way>:<lang>:<page>`: the list is made again."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SourcesButton:
        """Rebuild the button from the clicked message's component."""
        return cls(button_of(item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the previous or next page of the documents the clicker's channel may search now."""
        try:
            match = self.__discord_ui_compiled_template__.fullmatch(self.custom_id)
            if match is None or match["lang"] not in LANGUAGES:
                await click_gone(interaction)
                return
            page = int(match["page"]) + (1 if match["way"] == "next" else -1)
            lang = cast(Lang, match["lang"])
            bot = interaction.client
            try:
                engine = bot.engine  # once: the rows and the rules that pick them come from the same index
            except QuotebotError as exc:
                await send_private(interaction, error_text(exc, language(interaction.locale)))
                return
            names = bot.searchable(place_of_interaction(interaction), engine)
            rows = source_rows(engine, names=names, mirrors=bot.live.mirrors, server=interaction.guild_id)
            reply = sources_reply(rows, page, lang=lang)
            await interaction.response.edit_message(**send_kwargs(reply, SourcesView(rows, reply)))
        except Exception as error:
            await click_failed(interaction, error, self.custom_id)


class SourcesView(ReplyView):
    """The previous / next buttons of one page of the document list (a click lists the documents again)."""

    def __init__(self, rows: list[SourceRow], reply: Reply) -> None:
        super().__init__()
        self.rows, self.lang, self.page = rows, reply.lang, reply.page
        for button in sources_buttons(reply):
            self.add_item(SourcesButton(button))
