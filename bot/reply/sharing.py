"""*Share in channel*: post the page of a private answer in its channel, once, after the gate has passed it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import discord

from ...index import Answer, Passage
from ..intake.checks import send_private
from ..intake.places import Place, place_of_interaction
from ..words.i18n import Lang, text
from .gate import Source, clear_page
from .items import ReplyView
from .replies import Kind, build_reply, escape_text, shown_passages
from .sending import send_kwargs

__all__ = ["Shareable", "share_page", "share_refusal"]

log = logging.getLogger(__name__)


class Shareable(ReplyView):
    """A page its asker may share: what *Share in channel* reads and sets of an answer's view (bot/reply/views.py
    `AnswerView`, which extends this class and imports this module)."""

    answer: Answer
    page: int
    per_page: int
    kind: Kind
    lang: Lang
    asker_id: int
    fresh: bool
    shared: bool
    source: Source | None

    def asks_discord(self, interaction: discord.Interaction[Any]) -> bool:
        """Tell whether the gate will fetch messages from Discord before a page is sent."""
        raise NotImplementedError

    def grey_out_share(self) -> None:
        """Grey out "Share in channel" once the page was shared."""
        raise NotImplementedError


def share_refusal(bot: Any, place: Place, passages: Sequence[Passage]) -> str | None:
    """Return the catalog key of why `passages` may not be posted in `place` by the rules now, or None.

    Every passage's collection must be visible in `place`, as `QuoteBot.searchable` decides for a question,
    under the engine answering now (a /reindex may have changed who sees what).
    """
    if place.server is None:
        return "share.dm"  # no channel to share into (no button is offered there)
    engine = bot.engine
    rules = engine.collections
    visible = set(bot.searchable(place, engine) or ())
    only = rules.items[0].name if len(rules.items) == 1 else None  # a passage names its collection when several
    if any((p.collection or only) not in visible for p in passages):
        return "share.hidden"
    return None


async def share_page(view: Shareable, interaction: discord.Interaction[Any]) -> None:
    """Post the page shown, "shared by" the asker, once; refuse privately where it would leak or has changed.

    The page shown, not the whole answer: it is what the asker read and chose to share. It passes the gate as it
    is now (bot/reply/gate.py): when any of it may no longer be shown there (withdrawn, changed, its collection not
    visible, its message unreadable, the claim's message gone), nothing is posted and the asker is told why.
    """
    if interaction.user.id != view.asker_id:
        await send_private(interaction, text("share.not_yours", interaction.locale))
        return
    if not view.fresh:  # from before a restart: what it showed is not kept, so nothing is reposted
        await send_private(interaction, text("button.gone", interaction.locale))
        return
    if view.shared:
        await send_private(interaction, text("share.already", interaction.locale))
        return
    place = place_of_interaction(interaction)
    shown = shown_passages(view.answer, view.page, view.per_page)
    refusal = share_refusal(interaction.client, place, shown)
    if refusal is not None:
        await send_private(interaction, text(refusal, interaction.locale))
        return
    view.shared = True  # before the first await: a second click, however close, posts nothing
    if view.asks_discord(interaction):
        await interaction.response.defer()  # the page's messages are fetched again first: that may take seconds
    page = replace(view.answer, passages=shown)
    cleared = await clear_page(interaction.client, page, page=0, per_page=len(shown), place=place, claim=view.source)
    if cleared.claim_gone or len(cleared.answer.passages) < len(shown):
        view.shared = False
        await send_private(interaction, text("share.changed", interaction.locale))
        return
    await _post(view, interaction)


async def _post(view: Shareable, interaction: discord.Interaction[Any]) -> None:
    """Post the page in the channel as the click's answer; grey out Share on the private answer."""
    note = text("share.by", view.lang, name=escape_text(interaction.user.display_name))
    reply = await asyncio.to_thread(
        build_reply, view.answer, page=view.page, per_page=view.per_page, kind=view.kind, lang=view.lang, note=note
    )
    try:
        if interaction.response.is_done():  # deferred: the share is a new message of the click
            await interaction.followup.send(**send_kwargs(reply, None), ephemeral=False)
        else:
            await interaction.response.send_message(**send_kwargs(reply, None))
    except discord.HTTPException as error:
        view.shared = False  # not posted: it may be tried again
        if not isinstance(error, discord.Forbidden):
            raise
        log.warning("could not share an answer in channel %s: %s", interaction.channel_id, error)
        await send_private(interaction, text("share.cannot_post", interaction.locale))
        return
    view.grey_out_share()
    if view.message is not None:  # the private answer, through its own interaction's webhook
        with contextlib.suppress(discord.HTTPException):
            await view.message.edit(view=view)
