"""The buttons under the bot's messages: "More passages", 👍 / 👎, "Share in channel", and paging through /sources.

A page keeps the language of the message it replaces; what a click answers privately is in the clicker's language.

Every button is a `discord.ui.DynamicItem` whose custom id carries what its click needs, and both templates are
registered at start (`register_buttons`), so the buttons of messages posted before a restart keep working:
an answer's ids carry its key and the page shown (`quotebot:more:<key>:<page>`), the key naming what
bot/reply/button_state.py keeps; a /sources list's carry its language and page (`quotebot:sources:next:fr:0`). An answer
this process posted is paged as it is; one from before a restart is answered again, as its place may see it
now, for "More passages"; a vote is recorded on the passages kept as references. When what a button refers to is
gone, the click gets one private line.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any, Protocol

import discord

from ...index import Answer, Passage, QuotebotError
from ..intake.checks import error_text, send_private
from ..intake.places import Place, place_of_interaction
from ..ops.gaps import GapLog
from ..ops.settings import Settings
from ..words.i18n import language, text
from .button_state import BUTTONS_FILE, ButtonStore, Entry, attach, new_key, store_of
from .gate import Source, claim_stands, clear_page, withdrawn_claim
from .items import ShownButton, SourcesButton, SourcesView, button_of, click_failed, click_gone
from .reasons import ReasonModal
from .replies import MAX_PAGES, Kind, Reply, build_reply, button_id, reply_buttons, shown_passages
from .sending import discords_fault, interaction_expired, send_kwargs
from .sharing import Shareable, share_page

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


class AnswerButton(ShownButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    """A button under an answer, `quotebot:<action>:<key>:<page>`: found by its key, in memory or in the store."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        """Rebuild the button from the clicked message's component (a restart forgot the view)."""
        return cls(button_of(item))

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
            if view is None or not view.bound_to(interaction):
                await click_gone(interaction)  # a key carried on another message than its own: nothing of it is shown
                return
            await view.click(action, interaction)
        except Exception as error:  # discord.py would only log it: the clicker is told too
            await click_failed(interaction, error, self.custom_id)


class Routing(Protocol):
    """What routing clicks uses of the bot (`QuoteBot`, bot/client/client.py), which imports this module."""

    @property
    def settings(self) -> Settings: ...

    @property
    def gaps(self) -> GapLog: ...

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[discord.ui.Item[Any]]]) -> None: ...


def register_buttons(bot: Routing) -> ButtonStore:
    """Route clicks on every message's buttons, those from before a restart too; open the bot's button store."""
    store = ButtonStore(bot.settings.data_dir / BUTTONS_FILE)
    attach(bot.gaps, store)
    bot.add_dynamic_items(AnswerButton, SourcesButton)
    return store


def _reference(cited: tuple[str, int, float]) -> Passage:
    """Return a passage known only by its file, paragraph and score: what a vote records (never shown)."""
    doc_id, paragraph, score = cited
    return Passage("", doc_id, Path(doc_id), doc_id, None, paragraph, paragraph, 0, 0, score)


class AnswerView(Shareable):
    """Page an answer for its asker; take 👍 / 👎 from anyone, once each; a private answer's asker may share it once.

    `share`: offer "Share in channel" (a private answer in a server); `place`: where it was posted; `source`: the
    message a claim was taken from; `asked`: the message whose words are the question. Every later page and a
    share pass the gate (bot/reply/gate.py) before they are sent.
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
        place: Place | None = None,
        source: Source | None = None,
        asked: int | None = None,
        context: int | None = None,
        key: str | None = None,
        fresh: bool = True,
        message_id: int | None = None,
    ) -> None:
        super().__init__()
        self.answer, self.per_page, self.kind, self.lang = answer, per_page, kind, reply.lang
        self.asker_id, self.gaps, self.via = asker_id, gaps, via
        self.page = reply.page
        self.voters: set[int] = set()
        self.share, self.shared = share, False
        self.place, self.source = place, source  # where it was posted; the message a claim came from
        # the message whose words are the question (a claim's, a mention, an answer channel's question): what is
        # kept of this answer (the stored row, a vote's record) goes when that message is deleted
        self.asked = source.message if source is not None else asked
        self.context = context  # the first question a follow-up was searched with: deleting it unquotes this too
        self.message_id = message_id  # the message the buttons are on, once posted: a click elsewhere is refused
        self._message: discord.Message | None = None
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
        place = Place(entry.server, entry.channel)
        # an answer channel's row names its question's message too (deleting it purges the row): not a claim
        source = None
        if entry.kind == "claim" and entry.source is not None and entry.channel is not None:
            source = Source(entry.server, entry.channel, entry.source)
        return cls(
            answer, reply, per_page=entry.per_page, kind=entry.kind, asker_id=entry.asker, gaps=gaps, via=entry.via,
            share=entry.share, place=place, source=source, asked=entry.source, context=entry.context, key=key,
            fresh=False,
            message_id=entry.message,
        )  # fmt: skip

    def _entry(self) -> Entry:
        """Return what the store keeps of this answer: never the passages' text."""
        fetched = self.answer.passages[: MAX_PAGES * self.per_page]
        place = self.place or Place(None, None)
        return Entry(
            self.answer.question, self.kind, self.per_page, self.lang, self.asker_id, self.via, self.share,
            self.answer.answered, tuple((p.doc_id, p.paragraph, p.score) for p in fetched),
            server=place.server, channel=place.channel, source=self.asked, context=self.context,
        )  # fmt: skip

    @property
    def message(self) -> discord.Message | None:
        """Return the message the buttons were posted on (None until posted)."""
        return self._message

    @message.setter
    def message(self, message: discord.Message | None) -> None:
        """Bind the buttons to the message they were posted on (in memory and in the store)."""
        self._message = message
        if message is None:
            return
        self.message_id = message.id
        store = store_of(self.gaps)
        if store is not None and self.children:
            store.bind(self.key, message.id)

    def bound_to(self, interaction: discord.Interaction[Any]) -> bool:
        """Tell whether a click came from the message these buttons were posted on, in its channel."""
        clicked = interaction.message
        if self.message_id is None or clicked is None or clicked.id != self.message_id:
            return False
        return self.place is None or self.place.channel in (None, interaction.channel_id)

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
        if not self.fresh or self.asks_discord(interaction):
            await interaction.response.defer()  # a search, or fetching the page's messages again, may outlast 3 s
        if not self.fresh and not await self._answer_again(interaction, page):
            return
        place = place_of_interaction(interaction)
        cleared = await clear_page(interaction.client, self.answer, page=page, per_page=per_page, place=place,
                                   claim=self.source)  # fmt: skip
        self.answer = cleared.answer  # what was taken out stays out of every later page
        if not shown_passages(self.answer, page, per_page):
            await send_private(interaction, text("gate.none", interaction.locale))
            return
        shown = withdrawn_claim(self.answer, lang) if cleared.claim_gone else self.answer
        reply = await asyncio.to_thread(build_reply, shown, page=page, per_page=per_page, kind=kind, lang=lang)
        self.page = reply.page
        self._install(reply)
        if interaction.response.is_done():
            await interaction.edit_original_response(**send_kwargs(reply, self))
        else:
            await interaction.response.edit_message(**send_kwargs(reply, self))

    def asks_discord(self, interaction: discord.Interaction[Any]) -> bool:
        """Tell whether the gate will fetch messages from Discord before a page is sent (then the click defers)."""
        return self.source is not None or bool(getattr(interaction.client, "live", None))

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
            await click_gone(interaction)
            return False
        self.answer, self.fresh = answer, True
        return True

    async def share_in_channel(self, interaction: discord.Interaction[Any]) -> None:
        """Post the page shown in the channel, "shared by" the asker, once; refuse privately where it would leak."""
        await share_page(self, interaction)

    def grey_out_share(self) -> None:
        """Grey out "Share in channel" once the page was shared."""
        for item in self.children:
            if isinstance(item, AnswerButton) and item.custom_id.startswith(SHARE_ID + ":"):
                item.disabled = True

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
        place = place_of_interaction(interaction)  # the channel, never the voter, is recorded
        question, answered = self.answer.question, self.answer.answered
        if self.source is not None and vote < 0:  # a claim deleted since is not written into the gaps log
            question = question if await claim_stands(interaction.client, self.source, question) else ""
        record_id = self.gaps.feedback(question, vote, shown, via=self.via, answered=answered, place=place,
                                       source=self.asked)  # fmt: skip
        if vote < 0 and self.gaps.enabled:  # no reason is asked for when it could not be kept
            await interaction.response.send_modal(ReasonModal(self.gaps, record_id, place, interaction.locale))
            return
        await interaction.response.send_message(text("button.thanks", interaction.locale), ephemeral=True)


async def send_answer(
    interaction: discord.Interaction[Any],
    answer: Answer,
    *,
    gaps: GapLog,
    per_page: int,
    kind: Kind,
    via: str,
    ephemeral: bool,
    source: Source | None = None,
) -> None:
    """Send the first page of an answer, in the member's language, as the follow-up of a deferred interaction.

    `source`: the message a claim was taken from (Find source), fetched again before a later page or a share.
    """
    lang = language(interaction.locale)
    reply = await asyncio.to_thread(build_reply, answer, per_page=per_page, kind=kind, lang=lang)  # fitting is CPU work
    share = ephemeral and interaction.guild_id is not None  # a private answer in a server: its channel may see it
    view = AnswerView(
        answer,
        reply,
        per_page=per_page,
        kind=kind,
        asker_id=interaction.user.id,
        gaps=gaps,
        via=via,
        share=share,
        place=place_of_interaction(interaction),
        source=source,
    )
    message = await interaction.followup.send(**send_kwargs(reply, view), ephemeral=ephemeral, wait=True)
    view.message = message
