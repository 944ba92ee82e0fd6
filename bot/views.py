"""The buttons under the bot's messages: "More passages", 👍 / 👎, "Share in channel", and paging through /sources.

A page keeps the language of the message it replaces; what a click answers privately is in the clicker's language.

Every button is a `discord.ui.DynamicItem` whose custom id carries what its click needs, and both templates are
registered at start (`register_buttons`), so the buttons of messages posted before a restart keep working:
an answer's ids carry its key and the page shown (`quotebot:more:<key>:<page>`), the key naming what
bot/buttons.py keeps; a /sources list's carry its language and page (`quotebot:sources:next:fr:0`). An answer
this process posted is paged as it is; one from before a restart is answered again, as its place may see it
now, for "More passages"; a vote is recorded on the passages kept as references. When what a button refers to is
gone, the click gets one private line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import discord

from ..index import Answer, Passage, QuotebotError
from .buttons import BUTTONS_FILE, ButtonStore, Entry, attach, new_key, store_of
from .catalog import SourceRow, source_rows, sources_buttons, sources_reply
from .checks import error_text, send_private
from .gaps import GapLog
from .i18n import LANGUAGES, Lang, language, text
from .places import place_of_interaction
from .reasons import ReasonModal
from .replies import MAX_PAGES, Kind, Reply, build_reply, button_id, escape_text, reply_buttons, shown_passages
from .sending import discords_fault, interaction_expired, send_kwargs
from .sharing import share_refusal

if TYPE_CHECKING:
    from .client import QuoteBot

__all__ = [
    "AnswerButton",
    "AnswerView",
    "ReasonModal",
    "SourcesButton",
    "SourcesView",
    "discords_fault",
    "interaction_expired",
    "register_buttons",
    "send_answer",
    "send_kwargs",
]

log = logging.getLogger(__name__)


SHARE_ID = "quotebot:share"
ANSWER_TEMPLATE = r"quotebot:(?P<action>more|up|down|share):(?P<key>[A-Za-z0-9_-]{1,32}):(?P<page>[0-9]{1,2})"
SOURCES_TEMPLATE = r"quotebot:sources:(?P<way>prev|next):(?P<lang>[A-Za-z-]{2,5}):(?P<page>[0-9]{1,5})"


async def _failed(interaction: discord.Interaction[Any], error: Exception, name: str) -> None:
    """Log a failed click and apologise to the one who clicked."""
    if interaction_expired(error):  # not a bug, and its token is dead: one line, no apology to send
        log.warning("button %s: the click expired before it was answered (%s)", name, error)
        return
    log.error("button %s failed", name, exc_info=error)
    with contextlib.suppress(discord.HTTPException):
        await send_private(interaction, text("button.failed", interaction.locale))


async def _gone(interaction: discord.Interaction[Any]) -> None:
    """Say, privately and in one line, that what the button refers to is gone; nothing else changes."""
    await send_private(interaction, text("button.gone", interaction.locale))


def _button(item: discord.ui.Item[Any]) -> discord.ui.Button[Any]:
    """Return the button a dynamic item was made from (every item of these templates is one)."""
    if not isinstance(item, discord.ui.Button):
        raise TypeError(f"not a button: {item!r}")
    return item


class _Shown:
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


class AnswerButton(_Shown, discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    """A button under an answer, `quotebot:<action>:<key>:<page>`: found by its key, in memory or in the store."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        """Rebuild the button from the clicked message's component (a restart forgot the view)."""
        return cls(_button(item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the answer's view: this process's, or one rebuilt from the store; else say it is gone."""
        try:
            match = self.__discord_ui_compiled_template__.fullmatch(self.custom_id)
            if match is None:  # the template made this item: never
                raise ValueError(f"custom id {self.custom_id!r} does not match {ANSWER_TEMPLATE!r}")
            action, key, page = match["action"], match["key"], int(match["page"])
            view = self.view if isinstance(self.view, AnswerView) else None
            gaps = getattr(interaction.client, "gaps", None)
            store = store_of(gaps)
            if view is None and store is not None:
                found = store.recall(key)
                view = found if isinstance(found, AnswerView) else None
                entry = store.get(key) if view is None else None
                if entry is not None and isinstance(gaps, GapLog):
                    view = AnswerView.restore(key, entry, gaps=gaps, page=page)
            if view is None:
                await _gone(interaction)
                return
            await view.click(action, interaction)
        except Exception as error:  # discord.py would only log it: the clicker is told too
            await _failed(interaction, error, self.custom_id)


class SourcesButton(_Shown, discord.ui.DynamicItem[discord.ui.Button[Any]], template=SOURCES_TEMPLATE):
    """Previous / next under a /sources list, `quotebot:sources:<way>:<lang>:<page>`: the list is made again."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SourcesButton:
        """Rebuild the button from the clicked message's component."""
        return cls(_button(item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the previous or next page of the documents the clicker's channel may search now."""
        try:
            match = self.__discord_ui_compiled_template__.fullmatch(self.custom_id)
            if match is None or match["lang"] not in LANGUAGES:
                await _gone(interaction)
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
            rows = source_rows(engine, names=names, mirrors=bot.live.mirrors)
            reply = sources_reply(rows, page, lang=lang)
            await interaction.response.edit_message(**send_kwargs(reply, SourcesView(rows, reply)))
        except Exception as error:
            await _failed(interaction, error, self.custom_id)


def register_buttons(bot: QuoteBot) -> ButtonStore:
    """Route clicks on every message's buttons, those from before a restart too; open the bot's button store."""
    store = ButtonStore(bot.settings.data_dir / BUTTONS_FILE)
    attach(bot.gaps, store)
    bot.add_dynamic_items(AnswerButton, SourcesButton)
    return store


def _reference(cited: tuple[str, int, float]) -> Passage:
    """Return a passage known only by its file, paragraph and score: what a vote records (never shown)."""
    doc_id, paragraph, score = cited
    return Passage("", doc_id, Path(doc_id), doc_id, None, paragraph, paragraph, 0, 0, score)


class _ReplyView(discord.ui.View):
    """A view of dynamic buttons, kept as long as the bot runs (a click finds it by its custom id, not by timeout)."""

    message: discord.Message | None = None

    def __init__(self) -> None:
        super().__init__(timeout=None)


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
        key: str | None = None,
        fresh: bool = True,
    ) -> None:
        super().__init__()
        self.answer, self.per_page, self.kind, self.lang = answer, per_page, kind, reply.lang
        self.asker_id, self.gaps, self.via = asker_id, gaps, via
        self.page = reply.page
        self.voters: set[int] = set()
        self.share, self.forgotten, self.shared = share, forgotten, False
        self.fresh = fresh  # False: rebuilt after a restart, its passages only references (see `restore`)
        self.key = key or new_key()
        self._install(reply)
        store = store_of(gaps)
        if store is not None and self.children:
            if key is None:  # a new answer: what its buttons need after a restart
                store.put(self.key, self._entry())
            store.remember(self.key, self)

    @classmethod
    def restore(cls, key: str, entry: Entry, *, gaps: GapLog, page: int) -> AnswerView:
        """Rebuild the view of an answer posted before a restart, showing `page`, from what the store kept."""
        answer = Answer(entry.question, entry.answered, tuple(_reference(c) for c in entry.cited))
        reply = build_reply(answer, page=page, per_page=entry.per_page, kind=entry.kind, lang=entry.lang)
        return cls(
            answer, reply, per_page=entry.per_page, kind=entry.kind, asker_id=entry.asker, gaps=gaps, via=entry.via,
            share=entry.share, key=key, fresh=False,
        )  # fmt: skip

    def _entry(self) -> Entry:
        """Return what the store keeps of this answer: never the passages' text."""
        fetched = self.answer.passages[: MAX_PAGES * self.per_page]
        return Entry(
            self.answer.question, self.kind, self.per_page, self.lang, self.asker_id, self.via, self.share,
            self.answer.answered, tuple((p.doc_id, p.paragraph, p.score) for p in fetched),
        )  # fmt: skip

    def _install(self, reply: Reply) -> None:
        """Show a page's buttons, each carrying this answer's key and the page."""
        self.clear_items()
        for button in self._buttons(reply):
            self.add_item(AnswerButton(button))

    def _buttons(self, reply: Reply) -> list[discord.ui.Button[Any]]:
        """Return a page's buttons, then "Share in channel" on a private answer (greyed out once shared)."""
        buttons = reply_buttons(reply, self.key)
        if self.share and reply.feedback:
            label = text("button.share", reply.lang)
            grey = discord.ButtonStyle.secondary
            share = button_id(SHARE_ID, self.key, reply.page)
            buttons.append(discord.ui.Button(label=label, custom_id=share, style=grey, disabled=self.shared))
        return buttons

    async def click(self, action: str, interaction: discord.Interaction[Any]) -> None:
        """Do what the clicked button (`more`, `up`, `down` or `share`) does."""
        handlers = {"more": self.more, "up": self.up, "down": self.down, "share": self.share_in_channel}
        await handlers[action](interaction)

    async def more(self, interaction: discord.Interaction[Any]) -> None:
        """Show the next page of passages, in place; only the asker may page.

        After a restart the question is answered again first, where it is clicked and as that place may see the
        corpus now; when that answer has no such page, the asker is told so in one line and nothing changes.
        """
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(text("button.not_yours", interaction.locale), ephemeral=True)
            return
        page, per_page, kind, lang = self.page + 1, self.per_page, self.kind, self.lang
        if not self.fresh:
            await interaction.response.defer()  # a search may outlast Discord's 3 seconds
            if not await self._answer_again(interaction, page):
                return
        reply = await asyncio.to_thread(build_reply, self.answer, page=page, per_page=per_page, kind=kind, lang=lang)
        self.page = reply.page
        self._install(reply)
        if interaction.response.is_done():
            await interaction.edit_original_response(**send_kwargs(reply, self))
        else:
            await interaction.response.edit_message(**send_kwargs(reply, self))

    async def _answer_again(self, interaction: discord.Interaction[Any], page: int) -> bool:
        """Answer the question again in the clicker's place; tell them privately and return False when it fails
        or that answer has no page `page`."""
        bot = interaction.client
        place = place_of_interaction(interaction)
        claim = self.kind == "claim"
        try:
            question = self.answer.question
            answer = await bot.answer(question, per_page=self.per_page, via=self.via, claim=claim, place=place)
        except QuotebotError as exc:
            await send_private(interaction, error_text(exc, language(interaction.locale)))
            return False
        if not answer.answered or not shown_passages(answer, page, self.per_page) or page >= MAX_PAGES:
            await _gone(interaction)
            return False
        self.answer, self.fresh = answer, True
        return True

    async def share_in_channel(self, interaction: discord.Interaction[Any]) -> None:
        """Post the page shown in the channel, "shared by" the asker, once; refuse privately where it would leak.

        The page shown, not the whole answer: it is what the asker read and chose to share, and only what is
        posted is checked and made public. The share is a new response to the click, never pinging anyone.
        """
        if interaction.user.id != self.asker_id:
            await send_private(interaction, text("share.not_yours", interaction.locale))
            return
        if not self.fresh:  # from before a restart: what it showed is not kept, so nothing is reposted
            await _gone(interaction)
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
            if isinstance(item, AnswerButton) and item.custom_id.startswith(SHARE_ID + ":"):
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


class SourcesView(_ReplyView):
    """The previous / next buttons of one page of the document list (a click lists the documents again)."""

    def __init__(self, rows: list[SourceRow], reply: Reply) -> None:
        super().__init__()
        self.rows, self.lang, self.page = rows, reply.lang, reply.page
        for button in sources_buttons(reply):
            self.add_item(SourcesButton(button))


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
