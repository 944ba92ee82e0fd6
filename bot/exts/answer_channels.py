"""Answer channels and forums: questions answered without a mention, follow-ups in their threads, /config.

A forum post in an answer forum is answered inside the post; a question in an answer text channel in a thread
started on it (or as a reply). Later messages in those threads, and mentions of the bot in any thread it
answered in, are searched together with the thread's first question, fetched again each time: an edited one
is searched (and named in the note) as it reads now, a deleted one not at all. A question deleted from an
answer channel takes its words off the thread the bot named after it (renamed to a neutral name). Needs the
Message Content intent, asked for only when some answer channel is configured (see QuoteBot).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from ...index import Answer, QuotebotError
from ..intake.checks import error_text, send_private
from ..intake.limits import MAX_QUESTION_CHARS, BusyError, GlobalLimitError, check_question
from ..intake.places import Place, place_of_message
from ..ops.answering import AnswerChannel, addresses_others, asks, with_context
from ..reply.button_state import store_of
from ..reply.replies import build_reply, escape_text
from ..reply.views import AnswerView, discords_fault, send_kwargs
from ..words.i18n import Lang, language, text
from ..words.translator import described
from .mentions import PER_PAGE, mention_question, message_language, say

if TYPE_CHECKING:
    from ..client.client import QuoteBot

log = logging.getLogger(__name__)

COOLING = "⏳"  # the asker's cooldown: asked too often, not answered
THREAD_NAME = 90  # characters of the question that name the thread started on it (Discord allows 100)
RENAMES = 10  # threads looked up on Discord (one request each) per bulk delete, at most
PATIENCE = 300.0  # seconds a post waits for a free worker or the global rate before it is told "busy"
clock = time.monotonic  # the patience's clock (tests move it)


class Asked:
    """What a message asks the bot, and where the answer goes."""

    def __init__(
        self, question: str, *, context: str | None = None, context_id: int | None = None, thread: bool = False
    ) -> None:
        self.question = question
        self.context = context  # the thread's first question, searched together with this one
        self.context_id = context_id  # its message: deleting it takes its words out of this answer too
        self.thread = thread  # answer in a thread started on the message (else a reply)


class AnswerChannels(commands.Cog):
    """Answer without a mention where a server asked for it, and follow-ups in the threads answered."""

    config = app_commands.Group(
        name="config",
        description=described("command.config"),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot
        # thread id -> the message of the first question the bot answered there: its words are fetched again
        # each time (they may have been edited or deleted since), never kept
        self.firsts: dict[int, int] = {}

    def takes(self, message: discord.Message) -> bool:
        """Tell whether a message is this cog's to answer (the mentions cog then leaves it alone)."""
        channel = message.channel
        if isinstance(channel, discord.Thread):
            return channel.id in self.firsts or self.bot.answer_channels.get(channel.parent_id) is not None
        return self.bot.answer_channels.get(channel.id) is not None

    async def asked(self, message: discord.Message) -> Asked | None:
        """Return what a message in an answer channel or an answered thread asks; None when it is not for the bot."""
        me = self.bot.user
        if me is None or message.guild is None or message.author.bot or message.webhook_id is not None:
            return None
        if message.type not in (discord.MessageType.default, discord.MessageType.reply) or not self.takes(message):
            return None
        mentioned = mention_question(message, me)
        content = mentioned if mentioned is not None else " ".join(message.content.split())
        if addresses_others(message, me.id):
            return None  # a message to someone else
        channel = message.channel
        if isinstance(channel, discord.Thread):
            entry = self.bot.answer_channels.get(channel.parent_id)
            if isinstance(channel.parent, discord.ForumChannel) and message.id == channel.id and entry is not None:
                return Asked(_short(_post_question(channel.name, content), MAX_QUESTION_CHARS))  # its title asks too
            if not content:
                return None  # nothing but attachments
            if entry is None and mentioned is None:
                return None  # a thread the bot answered in, outside answer channels: only mentions
            first = await self._first_question(channel)
            if not first or first == content:
                return Asked(content)
            return Asked(content, context=first, context_id=self.firsts.get(channel.id, channel.id))
        entry = self.bot.answer_channels.get(channel.id)
        if entry is None or not content or not (mentioned is not None or asks(content, entry.mode)):
            return None
        return Asked(content, thread=entry.reply == "thread" and isinstance(channel, discord.TextChannel))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a question asked in an answer channel, a post of an answer forum, or a follow-up in their threads."""
        asked = await self.asked(message)
        if asked is None:
            return
        lang = message_language(message)
        await _react(message, self.bot.user, add=True)
        try:
            await self._answer(message, asked, lang)
        except QuotebotError as exc:
            await say(message, error_text(exc, lang))
        except discord.HTTPException as exc:
            if not (isinstance(exc, discord.Forbidden) or discords_fault(exc)):
                log.exception("answering message %s failed", message.id)
            log.warning("could not answer message %s in channel %s: %s", message.id, message.channel.id, exc)
        finally:
            await _react(message, self.bot.user, add=False)

    def remember_first(self, thread: int, message: int) -> None:
        """Note the message of the first question the bot answered in a thread (the mentions cog's too): later ones
        there are searched with it. Its id only: its words are fetched again each time."""
        self.firsts.setdefault(thread, message)

    async def _first_question(self, thread: discord.Thread) -> str | None:
        """Return a thread's first question as it reads now (a forum post's with its title); None when it was deleted,
        cannot be read, or its author ran /forget-me: then the follow-up is searched alone. Its words are never kept
        between follow-ups."""
        first = self.firsts.get(thread.id, thread.id)  # unknown (a restart): the thread's starter
        cached = next((m for m in reversed(self.bot.cached_messages) if m.id == first), None)  # edits applied
        message = cached or await _fetch_message(thread, first)
        if message is None or str(message.author.id) in self.bot.forgotten.ids:
            return None  # its author asked not to be quoted (/forget-me): their words are not shown in a note
        mentioned = mention_question(message, self.bot.user)
        words = mentioned if mentioned is not None else " ".join(message.content.split())
        if first == thread.id and isinstance(thread.parent, discord.ForumChannel):
            return _post_question(thread.name, words)
        return words or None

    async def _answer(self, message: discord.Message, asked: Asked, lang: Lang) -> None:
        """Check the limits, search (with the thread's first question), and post the answer where it belongs."""
        question = check_question(asked.question, example=self.bot.settings.example_question)
        if self.bot.limiter.retry_after(message.author.id):
            # ⏳ rather than a line per message: in a channel answered without a mention, a reply to each
            # message of someone flooding it would double the flood
            await _react(message, self.bot.user, add=True, emoji=COOLING)
            return
        searched = with_context(question, asked.context) if asked.context else question
        searched = searched[:MAX_QUESTION_CHARS]
        place = place_of_message(message)
        answer = await self._patiently(searched, place, message.id, question)
        answer = replace(answer, question=question)  # shown as asked; the context gets its own line
        reply = await asyncio.to_thread(build_reply, answer, per_page=PER_PAGE, lang=lang)
        if asked.context:
            note = text("answer.context", lang, question=escape_text(_short(asked.context)))
            reply = replace(reply, content=f"{reply.content or ''}\n-# {note}".strip())
        thread = None
        if asked.thread:
            thread = await message.create_thread(name=_short(question, THREAD_NAME), auto_archive_duration=1440)
            self.remember_first(thread.id, message.id)  # a thread started on a message shares its id
            place = Place(place.server, thread.id, message.channel.id)  # where the answer and its buttons are
        elif isinstance(message.channel, discord.Thread):
            self.remember_first(message.channel.id, message.id)
        view = AnswerView(
            answer, reply, per_page=PER_PAGE, kind="question", asker_id=message.author.id, gaps=self.bot.gaps,
            via="answer-channel", place=place, asked=message.id, context=asked.context_id,
        )  # fmt: skip
        if thread is not None:
            posted = await thread.send(**send_kwargs(reply, view))
        else:
            posted = await message.reply(**send_kwargs(reply, view), mention_author=False)
        view.message = posted
        store = store_of(self.bot.gaps)
        if store is not None and view.children:  # the stored answer holds the question: it goes when the question goes
            store.bind(view.key, posted.id, source=message.id)

    async def _patiently(
        self, question: str, place: Place, source: int | None = None, logged: str | None = None
    ) -> Answer:
        """Answer when a worker and the global rate allow, waiting (👀 shown) rather than refusing a post.

        Nobody is there to ask again in a forum post, so a full queue or the global rate is waited out, up to
        PATIENCE seconds; only then does the post get the "busy" line. `logged`: what the gaps log keeps of an
        unanswered one (a follow-up's own words, never the first question it was searched with).
        """
        deadline = clock() + PATIENCE
        delay = 0.5
        while True:
            try:
                return await self.bot.answer(
                    question, per_page=PER_PAGE, via="answer-channel", place=place, source=source, logged=logged
                )
            except (BusyError, GlobalLimitError) as exc:
                rate = isinstance(exc, GlobalLimitError)
                wait = exc.retry_after if isinstance(exc, GlobalLimitError) else delay
                if clock() + wait > deadline:
                    raise
                await asyncio.sleep(wait)
                delay = delay if rate else min(delay * 2, 10.0)  # a full queue: back off

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Take a deleted question's words off the thread the bot named after it."""
        await self.questions_deleted(payload.guild_id, payload.channel_id, [payload.message_id])

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Take deleted questions' words off the threads the bot named after them."""
        await self.questions_deleted(payload.guild_id, payload.channel_id, sorted(payload.message_ids))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Name the thread the bot started on a question after its new wording: the old one is shown no more."""
        if "content" not in payload.data:
            return  # an embed or a flag changed, not the words
        thread = await self._named_thread(payload.guild_id, payload.channel_id, payload.message_id, fetch=True)
        if thread is not None:
            mentioned = mention_question(payload.message, self.bot.user)
            words = mentioned if mentioned is not None else " ".join(payload.message.content.split())
            await _rename(thread, _short(words, THREAD_NAME) if words else _neutral(thread))

    async def questions_deleted(self, server: int | None, channel: int, ids: list[int]) -> None:
        """Rename each thread the bot started on one of these messages (deleted) of an answer channel."""
        for number, message_id in enumerate(ids):
            thread = await self._named_thread(server, channel, message_id, fetch=number < RENAMES)
            if thread is not None:
                await _rename(thread, _neutral(thread))

    async def _named_thread(
        self, server: int | None, channel: int, message: int, *, fetch: bool
    ) -> discord.Thread | None:
        """Return the thread the bot started on a message of an answer channel (named after it), else None.

        `fetch`: look it up on Discord when it is not in the cache (archived, or started before a restart).
        """
        guild = self.bot.get_guild(server) if server is not None else None
        if guild is None or self.bot.user is None:
            return None
        thread = guild.get_thread(message)  # a thread started on a message shares the message's id
        # Looked up on Discord only for an answer channel's message, or one whose answer is kept (the channel may
        # have stopped being an answer channel since): not for every message deleted anywhere.
        store = store_of(self.bot.gaps)
        asked = self.bot.answer_channels.get(channel) is not None or (store is not None and store.holds([message]))
        if thread is None and fetch and asked:
            thread = await _fetch_thread(guild, message)
        return thread if thread is not None and thread.owner_id == self.bot.user.id else None

    @config.command(name="answer-channel", description=described("command.config.answer"))
    @app_commands.describe(
        channel=described("command.config.answer.channel"),
        mode=described("command.config.answer.mode"),
        reply=described("command.config.answer.reply"),
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def answer_channel(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel | discord.ForumChannel,
        mode: Literal["questions", "all"] = "questions",
        reply: Literal["thread", "reply"] = "thread",
    ) -> None:
        """Answer every question (or every message) in a channel or forum of this server without a mention."""
        lang = language(interaction.locale)
        if channel.guild.id != interaction.guild_id:  # Discord resolves only this server's channels: be sure
            await send_private(interaction, text("config.answer.not_set", lang, channel=channel.mention))
            return
        self.bot.answer_channels.put(AnswerChannel(channel.id, mode, reply, interaction.guild_id))
        key = "config.answer.set" if self.bot.intents.message_content else "config.answer.restart"
        await send_private(interaction, text(key, lang, channel=channel.mention, mode=mode, reply=reply))

    @config.command(name="answer-channel-off", description=described("command.config.off"))
    @app_commands.describe(channel=described("command.config.off.channel"))
    @app_commands.checks.has_permissions(manage_guild=True)
    async def answer_channel_off(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        """Stop answering without a mention in a channel or forum of this server."""
        lang = language(interaction.locale)
        removed = self.bot.answer_channels.remove(channel.id)
        key = "config.answer.off" if removed else "config.answer.not_set"
        await send_private(interaction, text(key, lang, channel=channel.mention))


def _post_question(title: str, body: str) -> str:
    """Return a forum post's question: its title, then its first message (when it says more than the title)."""
    return body if title.strip() in body else f"{title.strip()}\n{body}".strip()


def _short(text_: str, limit: int = 200) -> str:
    """Return a one-line text cut at a word boundary to `limit` characters."""
    line = " ".join(text_.split())
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


async def _fetch_message(thread: discord.Thread, message_id: int) -> discord.Message | None:
    """Fetch a message of a thread, or the one a thread was started on; None when deleted or not readable."""
    parent = thread.parent
    try:
        if message_id == thread.id and isinstance(parent, discord.TextChannel):
            return await parent.fetch_message(message_id)  # a thread started on a message shares its id
        return await thread.fetch_message(message_id)  # a forum post's starter, or a question inside the thread
    except discord.HTTPException:
        return None


async def _fetch_thread(guild: discord.Guild, thread_id: int) -> discord.Thread | None:
    """Return the thread of this id (archived ones too), or None when there is none or it cannot be read."""
    try:
        channel = await guild.fetch_channel(thread_id)
    except discord.HTTPException:
        return None  # no thread was started on that message (404), or it is not readable
    return channel if isinstance(channel, discord.Thread) else None


def _neutral(thread: discord.Thread) -> str:
    """Return the name a thread gets when its question is deleted, in its server's language."""
    return text("answer.thread_deleted", language(thread.guild.preferred_locale))


async def _rename(thread: discord.Thread, name: str) -> None:
    """Give a thread the bot started a neutral name; an archived one is reopened for it, then archived again.

    The thread's creator may change its name and archive it without Manage Threads (not when it is locked).
    """
    if thread.name == name:
        return
    try:
        if thread.archived:  # Discord edits an archived thread only when the same request reopens it
            await thread.edit(name=name, archived=False)
            await thread.edit(archived=True)
        else:
            await thread.edit(name=name)
    except discord.HTTPException as exc:  # one line, no text nor user: the status says why
        log.warning("could not rename thread %s after its question changed: HTTP %s", thread.id, exc.status)


async def _react(message: discord.Message, me: discord.abc.Snowflake | None, *, add: bool, emoji: str = "👀") -> None:
    """Show (or take back) the 👀 that says the bot is working on it; a missing permission is no error."""
    try:
        if add:
            await message.add_reaction(emoji)
        elif me is not None:
            await message.remove_reaction(emoji, me)
    except discord.HTTPException as exc:
        log.debug("could not %s the working reaction on %s: %s", "add" if add else "remove", message.id, exc)


async def setup(bot: QuoteBot) -> None:
    """Load the answer channels and /config."""
    await bot.add_cog(AnswerChannels(bot))
