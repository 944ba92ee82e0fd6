"""The buttons under the bot's messages: "More passages", 👍 / 👎, and paging through /sources.

A page keeps the language of the message it replaces; what a click answers privately is in the clicker's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord

from ..index import Answer
from .catalog import NEXT_ID, PREV_ID, SourceRow, sources_buttons, sources_reply
from .checks import send_private
from .gaps import GapLog
from .i18n import language, text
from .replies import DOWN_ID, MORE_ID, UP_ID, Kind, Reply, build_reply, reply_buttons, shown_passages

__all__ = ["AnswerView", "SourcesView", "discords_fault", "interaction_expired", "send_answer", "send_kwargs"]

log = logging.getLogger(__name__)

Handler = Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]]
NONE = discord.AllowedMentions.none()
TIMEOUT = 600.0  # seconds without a click before the buttons are disabled

# Discord's error codes for an interaction whose token no longer works: 10062 Unknown interaction (not
# acknowledged within 3 s), 10015 Unknown Webhook and 50027 Invalid Webhook Token (a follow-up sent after
# the token's 15 minutes). Nothing more can be sent on such an interaction, so nobody can be told.
EXPIRED_CODES = frozenset({10062, 10015, 50027})


def interaction_expired(error: BaseException) -> bool:
    """Tell whether Discord refused a response because the interaction had expired."""
    return isinstance(error, discord.HTTPException) and error.code in EXPIRED_CODES


def discords_fault(error: discord.HTTPException) -> bool:
    """Tell whether Discord kept failing (5xx, or a 429 discord.py could not wait out), not refused our payload."""
    return error.status >= 500 or error.status == 429


def send_kwargs(reply: Reply, view: discord.ui.View | None) -> dict[str, Any]:
    """Return the keyword arguments that send a reply, never pinging anyone."""
    kwargs: dict[str, Any] = {"content": reply.content, "embeds": reply.embeds, "allowed_mentions": NONE}
    if view is not None and view.children:
        kwargs["view"] = view
    return kwargs


class _ReplyView(discord.ui.View):
    """A view whose buttons are rebuilt from a list of buttons and a table of handlers."""

    message: discord.Message | None = None

    def _install(self, buttons: list[discord.ui.Button[Any]], handlers: dict[str, Handler]) -> None:
        """Replace the buttons, wiring each to its handler by custom id."""
        self.clear_items()
        for button in buttons:
            button.callback = handlers[str(button.custom_id)]  # type: ignore[method-assign,assignment]
            self.add_item(button)

    async def on_timeout(self) -> None:
        """Grey the buttons out once nobody can use them any more."""
        if self.message is None or not self.children:
            return
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        with contextlib.suppress(discord.HTTPException):
            await self.message.edit(view=self)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: Any) -> None:
        """Log a failed click and apologise to the one who clicked."""
        name = getattr(item, "custom_id", item)
        if interaction_expired(error):  # not a bug, and its token is dead: one line, no apology to send
            log.warning("button %s: the click expired before it was answered (%s)", name, error)
            return
        log.error("button %s failed", name, exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            await send_private(interaction, text("button.failed", interaction.locale))


class AnswerView(_ReplyView):
    """Page an answer for its asker; take 👍 / 👎 from anyone, once each."""

    def __init__(
        self, answer: Answer, reply: Reply, *, per_page: int, kind: Kind, asker_id: int, gaps: GapLog, via: str
    ) -> None:
        super().__init__(timeout=TIMEOUT)
        self.answer, self.per_page, self.kind, self.lang = answer, per_page, kind, reply.lang
        self.asker_id, self.gaps, self.via = asker_id, gaps, via
        self.page = reply.page
        self.voters: set[int] = set()
        self._install(reply_buttons(reply), {MORE_ID: self.more, UP_ID: self.up, DOWN_ID: self.down})

    async def more(self, interaction: discord.Interaction[Any]) -> None:
        """Show the next page of passages, in place; only the asker may page."""
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(text("button.not_yours", interaction.locale), ephemeral=True)
            return
        page, per_page, kind, lang = self.page + 1, self.per_page, self.kind, self.lang
        reply = await asyncio.to_thread(build_reply, self.answer, page=page, per_page=per_page, kind=kind, lang=lang)
        self.page = reply.page
        self._install(reply_buttons(reply), {MORE_ID: self.more, UP_ID: self.up, DOWN_ID: self.down})
        await interaction.response.edit_message(**send_kwargs(reply, self))

    async def up(self, interaction: discord.Interaction[Any]) -> None:
        """Record that the passages shown helped."""
        await self._vote(interaction, 1)

    async def down(self, interaction: discord.Interaction[Any]) -> None:
        """Record that the passages shown did not help."""
        await self._vote(interaction, -1)

    async def _vote(self, interaction: discord.Interaction[Any], vote: int) -> None:
        """Log one vote per person on the page shown, and thank them privately."""
        if interaction.user.id in self.voters:
            await interaction.response.send_message(text("button.already_rated", interaction.locale), ephemeral=True)
            return
        self.voters.add(interaction.user.id)
        shown = shown_passages(self.answer, self.page, self.per_page)
        self.gaps.feedback(self.answer.question, vote, shown, via=self.via, answered=self.answer.answered)
        await interaction.response.send_message(text("button.thanks", interaction.locale), ephemeral=True)


class SourcesView(_ReplyView):
    """Page through the document list."""

    def __init__(self, rows: list[SourceRow], reply: Reply) -> None:
        super().__init__(timeout=TIMEOUT)
        self.rows, self.lang = rows, reply.lang
        self.page = reply.page
        self._install(sources_buttons(reply), {PREV_ID: self.previous, NEXT_ID: self.next})

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        """Replace the list with another page."""
        reply = sources_reply(self.rows, page, lang=self.lang)
        self.page = reply.page
        self._install(sources_buttons(reply), {PREV_ID: self.previous, NEXT_ID: self.next})
        await interaction.response.edit_message(**send_kwargs(reply, self))

    async def previous(self, interaction: discord.Interaction[Any]) -> None:
        """Show the previous page."""
        await self._show(interaction, self.page - 1)

    async def next(self, interaction: discord.Interaction[Any]) -> None:
        """Show the next page."""
        await self._show(interaction, self.page + 1)


async def send_answer(
    interaction: discord.Interaction[Any],
    answer: Answer,
    *,
    gaps: GapLog,
    per_page: int,
    kind: Kind,
    via: str,
    ephemeral: bool,
) -> None:
    """Send the first page of an answer, in the member's language, as the follow-up of a deferred interaction."""
    lang = language(interaction.locale)
    reply = await asyncio.to_thread(build_reply, answer, per_page=per_page, kind=kind, lang=lang)  # fitting is CPU work
    view = AnswerView(answer, reply, per_page=per_page, kind=kind, asker_id=interaction.user.id, gaps=gaps, via=via)
    message = await interaction.followup.send(**send_kwargs(reply, view), ephemeral=ephemeral, wait=True)
    view.message = message
