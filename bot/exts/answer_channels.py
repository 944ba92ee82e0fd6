"""Answer channels and forums: questions answered without a mention, follow-ups in their threads, /config.

A forum post in an answer forum is answered inside the post; a question in an answer text channel in a thread
started on it (or as a reply). Later messages in those threads, and mentions of the bot in any thread it
answered in, are searched together with the thread's first question. Needs the Message Content intent, asked
for only when some answer channel is configured (see QuoteBot).
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
from ..answering import AnswerChannel, addresses_others, asks, with_context
from ..checks import error_text, send_private
from ..i18n import Lang, language, text
from ..limits import MAX_QUESTION_CHARS, BusyError, GlobalLimitError, check_question
from ..places import Place, place_of_message
from ..replies import build_reply, escape_text
from ..translator import described
from ..views import AnswerView, discords_fault, send_kwargs
from .mentions import PER_PAGE, mention_question, message_language, say

if TYPE_CHECKING:
    from ..client import QuoteBot

log = logging.getLogger(__name__)

COOLING = "⏳"  # the asker's cooldown: asked too often, not answered
THREAD_NAME = 90  # characters of the question that name the thread started on it (Discord allows 100)
PATIENCE = 300.0  # seconds a post waits for a free worker or the global rate before it is told "busy"
clock = time.monotonic  # the patience's clock (tests move it)


class Asked:
    """What a message asks the bot, and where the answer goes."""

    def __init__(self, question: str, *, context: str | None = None, thread: bool = False) -> None:
        self.question = question
        self.context = context  # the thread's first question, searched together with this one
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
        self.firsts: dict[int, str] = {}  # thread id -> the first question the bot answered there

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
            first = self.firsts.get(channel.id) or await _first_question(channel)
            return Asked(content, context=first if first and first != content else None)
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

    async def _answer(self, message: discord.Message, asked: Asked, lang: Lang) -> None:
        """Check the limits, search (with the thread's first question), and post the answer where it belongs."""
        question = check_question(asked.question)
        if self.bot.limiter.retry_after(message.author.id):
            # ⏳ rather than a line per message: in a channel answered without a mention, a reply to each
            # message of someone flooding it would double the flood
            await _react(message, self.bot.user, add=True, emoji=COOLING)
            return
        searched = with_context(question, asked.context) if asked.context else question
        searched = searched[:MAX_QUESTION_CHARS]
        place = place_of_message(message)
        answer = await self._patiently(searched, place)
        answer = replace(answer, question=question)  # shown as asked; the context gets its own line
        reply = await asyncio.to_thread(build_reply, answer, per_page=PER_PAGE, lang=lang)
        if asked.context:
            note = text("answer.context", lang, question=escape_text(_short(asked.context)))
            reply = replace(reply, content=f"{reply.content or ''}\n-# {note}".strip())
        view = AnswerView(
            answer, reply, per_page=PER_PAGE, kind="question", asker_id=message.author.id, gaps=self.bot.gaps,
            via="answer-channel",
        )  # fmt: skip
        if asked.thread:
            thread = await message.create_thread(name=_short(question, THREAD_NAME), auto_archive_duration=1440)
            view.message = await thread.send(**send_kwargs(reply, view))
            self.firsts[thread.id] = question
        else:
            view.message = await message.reply(**send_kwargs(reply, view), mention_author=False)
            if isinstance(message.channel, discord.Thread) and message.channel.id not in self.firsts:
                self.firsts[message.channel.id] = question

    async def _patiently(self, question: str, place: Place) -> Answer:
        """Answer when a worker and the global rate allow, waiting (👀 shown) rather than refusing a post.

        Nobody is there to ask again in a forum post, so a full queue or the global rate is waited out, up to
        PATIENCE seconds; only then does the post get the "busy" line.
        """
        deadline = clock() + PATIENCE
        delay = 0.5
        while True:
            try:
                return await self.bot.answer(question, per_page=PER_PAGE, via="answer-channel", place=place)
            except (BusyError, GlobalLimitError) as exc:
                rate = isinstance(exc, GlobalLimitError)
                wait = exc.retry_after if isinstance(exc, GlobalLimitError) else delay
                if clock() + wait > deadline:
                    raise
                await asyncio.sleep(wait)
                delay = delay if rate else min(delay * 2, 10.0)  # a full queue: back off

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


async def _first_question(thread: discord.Thread) -> str | None:
    """Return a thread's first question: its starter message (a forum post's, with its title), if readable."""
    try:
        if isinstance(thread.parent, discord.ForumChannel):
            starter = await thread.fetch_message(thread.id)
            return _post_question(thread.name, " ".join(starter.content.split()))
        if isinstance(thread.parent, discord.TextChannel):
            starter = await thread.parent.fetch_message(thread.id)  # a thread started on a message shares its id
            return " ".join(starter.content.split()) or None
    except discord.HTTPException:
        return None  # deleted, or not readable: the follow-up is searched alone
    return None


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
