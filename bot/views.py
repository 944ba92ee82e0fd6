"""The buttons under the bot's messages: "More passages", 👍 / 👎, "Share in channel", and paging through /sources.

A page keeps the language of the message it replaces; what a click answers privately is in the clicker's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import discord

from ..index import Answer, Passage
from .catalog import NEXT_ID, PREV_ID, SourceRow, sources_buttons, sources_reply
from .checks import send_private
from .gaps import REASON_LIMIT, GapLog
from .i18n import language, text
from .places import Place, place_of_interaction
from .replies import DOWN_ID, MORE_ID, UP_ID, Kind, Reply, build_reply, escape_text, reply_buttons, shown_passages

__all__ = [
    "AnswerView",
    "ReasonModal",
    "SourcesView",
    "discords_fault",
    "interaction_expired",
    "send_answer",
    "send_kwargs",
]

log = logging.getLogger(__name__)

Handler = Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]]
NONE = discord.AllowedMentions.none()
TIMEOUT = 600.0  # seconds without a click before the buttons are disabled

# Discord's error codes for an interaction whose token no longer works: 10062 Unknown interaction (not
# acknowledged within 3 s), 10015 Unknown Webhook and 50027 Invalid Webhook Token (a follow-up sent after
# the token's 15 minutes). Nothing more can be sent on such an interaction, so nobody can be told.
EXPIRED_CODES = frozenset({10062, 10015, 50027})
SHARE_ID = "quotebot:share"


def interaction_expired(error: BaseException) -> bool:
    """Tell whether Discord refused a response because the interaction had expired."""
    return isinstance(error, discord.HTTPException) and error.code in EXPIRED_CODES


def discords_fault(error: discord.HTTPException) -> bool:
    """Tell whether Discord kept failing (5xx, or a 429 discord.py could not wait out), not refused our payload."""
    return error.status >= 500 or error.status == 429


def share_refusal(bot: Any, place: Place, passages: Sequence[Passage], forgotten: frozenset[str]) -> str | None:
    """Return the catalog key of why `passages` may not be posted in `place` now, or None when they may.

    Checked at click time against the engine answering now (a /reindex may have changed who sees what): every
    passage's collection must be visible in `place`, as `QuoteBot.searchable` decides for a question; nobody may
    have opted out since the answer (`forgotten`: the opted-out members then), and no quoted Discord message
    may be hidden (deleted, reworded, or its author's) since.
    """
    if place.server is None:
        return "share.dm"  # no channel to share into (no button is offered there)
    engine = bot.engine
    rules = engine.collections
    visible = set(bot.searchable(place, engine) or ())
    only = rules.items[0].name if len(rules.items) == 1 else None  # a passage names its collection when several
    if any((p.collection or only) not in visible for p in passages):
        return "share.hidden"
    hidden = bot.live.hidden()
    links = {p.url for p in passages} | {c.url for p in passages for c in p.also_in}
    if bot.forgotten.ids - forgotten or links & hidden:
        return "share.changed"
    return None


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
    """Page an answer for its asker; take 👍 / 👎 from anyone, once each; a private answer's asker may share it once.

    `share`: offer "Share in channel" (a private answer in a server); `forgotten`: the opted-out members then.
    """

    def __init__(
        self,
        answer: Answer,
        reply: Reply,
        *,
        per_page: int,
        kind: Kind,
        asker_id: int,
        gaps: GapLog,
        via: str,
        share: bool = False,
        forgotten: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(timeout=TIMEOUT)
        self.answer, self.per_page, self.kind, self.lang = answer, per_page, kind, reply.lang
        self.asker_id, self.gaps, self.via = asker_id, gaps, via
        self.page = reply.page
        self.voters: set[int] = set()
        self.share, self.forgotten, self.shared = share, forgotten, False
        self._install(self._buttons(reply), self._handlers())

    def _handlers(self) -> dict[str, Handler]:
        """Map each button's custom id to its callback."""
        return {MORE_ID: self.more, UP_ID: self.up, DOWN_ID: self.down, SHARE_ID: self.share_in_channel}

    def _buttons(self, reply: Reply) -> list[discord.ui.Button[Any]]:
        """Return a page's buttons, then "Share in channel" on a private answer (greyed out once shared)."""
        buttons = reply_buttons(reply)
        if self.share and reply.feedback:
            label = text("button.share", reply.lang)
            grey = discord.ButtonStyle.secondary
            buttons.append(discord.ui.Button(label=label, custom_id=SHARE_ID, style=grey, disabled=self.shared))
        return buttons

    async def more(self, interaction: discord.Interaction[Any]) -> None:
        """Show the next page of passages, in place; only the asker may page."""
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(text("button.not_yours", interaction.locale), ephemeral=True)
            return
        page, per_page, kind, lang = self.page + 1, self.per_page, self.kind, self.lang
        reply = await asyncio.to_thread(build_reply, self.answer, page=page, per_page=per_page, kind=kind, lang=lang)
        self.page = reply.page
        self._install(self._buttons(reply), self._handlers())
        await interaction.response.edit_message(**send_kwargs(reply, self))

    async def share_in_channel(self, interaction: discord.Interaction[Any]) -> None:
        """Post the page shown in the channel, "shared by" the asker, once; refuse privately where it would leak.

        The page shown, not the whole answer: it is what the asker read and chose to share, and only what is
        posted is checked and made public. The share is a new response to the click, never pinging anyone.
        """
        if interaction.user.id != self.asker_id:
            await send_private(interaction, text("share.not_yours", interaction.locale))
            return
        if self.shared:
            await send_private(interaction, text("share.already", interaction.locale))
            return
        shown = shown_passages(self.answer, self.page, self.per_page)
        refusal = share_refusal(interaction.client, place_of_interaction(interaction), shown, self.forgotten)
        if refusal is not None:
            await send_private(interaction, text(refusal, interaction.locale))
            return
        self.shared = True  # before the first await: a second click, however close, posts nothing
        note = text("share.by", self.lang, name=escape_text(interaction.user.display_name))
        page, per_page, kind, lang = self.page, self.per_page, self.kind, self.lang
        reply = await asyncio.to_thread(
            build_reply, self.answer, page=page, per_page=per_page, kind=kind, lang=lang, note=note
        )
        try:
            await interaction.response.send_message(**send_kwargs(reply, None))
        except discord.HTTPException as error:
            self.shared = False  # not posted: it may be tried again
            if not isinstance(error, discord.Forbidden):
                raise
            log.warning("could not share an answer in channel %s: %s", interaction.channel_id, error)
            await send_private(interaction, text("share.cannot_post", interaction.locale))
            return
        for item in self.children:
            if isinstance(item, discord.ui.Button) and item.custom_id == SHARE_ID:
                item.disabled = True
        if self.message is not None:  # the private answer, through its own interaction's webhook
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)

    async def up(self, interaction: discord.Interaction[Any]) -> None:
        """Record that the passages shown helped."""
        await self._vote(interaction, 1)

    async def down(self, interaction: discord.Interaction[Any]) -> None:
        """Record that the passages shown did not help."""
        await self._vote(interaction, -1)

    async def _vote(self, interaction: discord.Interaction[Any], vote: int) -> None:
        """Log one vote per person on the page shown, with its server; a 👎 may then give a reason, else thanks."""
        if interaction.user.id in self.voters:
            await interaction.response.send_message(text("button.already_rated", interaction.locale), ephemeral=True)
            return
        self.voters.add(interaction.user.id)
        shown = shown_passages(self.answer, self.page, self.per_page)
        server = interaction.guild_id or 0  # 0: a DM; the server, never the voter, is recorded
        question, answered = self.answer.question, self.answer.answered
        record_id = self.gaps.feedback(question, vote, shown, via=self.via, answered=answered, server=server)
        if vote < 0 and self.gaps.enabled:  # no reason is asked for when it could not be kept
            await interaction.response.send_modal(ReasonModal(self.gaps, record_id, server, interaction.locale))
            return
        await interaction.response.send_message(text("button.thanks", interaction.locale), ephemeral=True)


class ReasonModal(discord.ui.Modal):
    """The optional one-line reason a 👎 opens; it is logged with the vote, never with who gave it."""

    def __init__(self, gaps: GapLog, feedback_id: str, server: int, locale: discord.Locale | str | None) -> None:
        super().__init__(title=text("reason.title", locale), timeout=TIMEOUT)
        self.gaps, self.feedback_id, self.server = gaps, feedback_id, server
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
        self.gaps.reason(self.feedback_id, self.reason.value, server=self.server)
        await interaction.response.send_message(text("button.thanks", interaction.locale), ephemeral=True)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Log a failed submit and apologise, as a failed button does."""
        if interaction_expired(error):
            log.warning("reason form: the submit expired before it was answered (%s)", error)
            return
        log.error("reason form failed", exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            await send_private(interaction, text("button.failed", interaction.locale))


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
    share = ephemeral and interaction.guild_id is not None  # a private answer in a server: its channel may see it
    forgotten = interaction.client.forgotten.ids if share else frozenset()
    view = AnswerView(
        answer,
        reply,
        per_page=per_page,
        kind=kind,
        asker_id=interaction.user.id,
        gaps=gaps,
        via=via,
        share=share,
        forgotten=forgotten,
    )
    message = await interaction.followup.send(**send_kwargs(reply, view), ephemeral=ephemeral, wait=True)
    view.message = message
