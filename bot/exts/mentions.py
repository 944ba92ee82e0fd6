"""Answer questions asked by mentioning the bot, or in a DM, as a reply to the message.

Needs no privileged intent: Discord sends a bot the content of messages that mention it and of its DMs.
A message carries no locale of its asker, so the bot speaks the server's preferred language (English in DMs).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from ...index import QuotebotError
from ..intake.checks import cooldown_text, error_text
from ..intake.limits import check_question
from ..intake.places import place_of_message
from ..reply.replies import build_reply
from ..reply.views import AnswerView, discords_fault, send_kwargs
from ..words.i18n import DEFAULT, Lang, language, text

if TYPE_CHECKING:
    from ..client.client import QuoteBot

log = logging.getLogger(__name__)

PER_PAGE = 3
NONE = discord.AllowedMentions.none()


def mention_question(message: discord.Message, me: discord.abc.User | None) -> str | None:
    """Return the question of a DM or of a message that mentions the bot, mention removed; else None."""
    if me is None or message.author.bot or message.author.id == me.id:
        return None
    mention = re.compile(rf"<@!?{me.id}>")
    if message.guild is not None and not mention.search(message.content):
        return None  # a reply-ping or @everyone is not a question to the bot
    return " ".join(mention.sub(" ", message.content).split())


def message_language(message: discord.Message) -> Lang:
    """Return the language to answer a message in: its server's preferred locale; English in a DM."""
    return language(message.guild.preferred_locale) if message.guild is not None else DEFAULT


class Mentions(commands.Cog):
    """Reply to mentions and DMs with quotes."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a question addressed to the bot."""
        question = mention_question(message, self.bot.user)
        answering = self.bot.get_cog("AnswerChannels")
        if question is None or (message.guild is not None and getattr(answering, "takes", bool)(message)):
            return  # answer channels and the threads answered in take their mentions, with the thread's context
        lang = message_language(message)
        try:
            await self._answer(message, question, lang)
        except QuotebotError as exc:
            await say(message, error_text(exc, lang))
        except Exception as exc:
            if isinstance(exc, discord.Forbidden) or (isinstance(exc, discord.HTTPException) and discords_fault(exc)):
                # discord.py already retried the 429s and 5xx: the reply is lost. Say so once in the log; an
                # apology would go to the channel that just failed (five more tries, maybe a duplicate).
                _not_sent(message, exc)
                return
            log.exception("answering message %s failed", message.id)  # a bug, or a payload Discord refused
            await say(message, text("error.apology", lang))

    async def _answer(self, message: discord.Message, question: str, lang: Lang) -> None:
        """Check the question and the cooldown, then reply in `lang` with the first page and its buttons."""
        question = check_question(question, example=self.bot.settings.example_question)
        wait = self.bot.limiter.retry_after(message.author.id)
        if wait:
            await say(message, cooldown_text(wait, self.bot.limiter.rate, self.bot.limiter.per, lang))
            return
        via = "mention" if message.guild else "dm"
        place = place_of_message(message)
        async with message.channel.typing():
            answer = await self.bot.answer(question, per_page=PER_PAGE, via=via, place=place, source=message.id)
        reply = await asyncio.to_thread(build_reply, answer, per_page=PER_PAGE, lang=lang)  # off the loop: CPU work
        view = AnswerView(
            answer, reply, per_page=PER_PAGE, kind="question", asker_id=message.author.id, gaps=self.bot.gaps, via=via,
            place=place, asked=message.id,
        )  # fmt: skip
        view.message = await message.reply(**send_kwargs(reply, view), mention_author=False)
        answering = self.bot.get_cog("AnswerChannels")
        if isinstance(message.channel, discord.Thread) and answering is not None:
            # a later mention in this thread is a follow-up: it is searched with this first question
            getattr(answering, "remember_first")(message.channel.id, message.id)  # noqa: B009


async def say(message: discord.Message, line: str) -> None:
    """Reply with one short line, pinging nobody; log it once when Discord does not take it."""
    try:
        await message.reply(line, allowed_mentions=NONE, mention_author=False)
    except discord.HTTPException as exc:  # never raises out of a handler: the failure is logged, once
        _not_sent(message, exc)


def _not_sent(message: discord.Message, error: discord.HTTPException) -> None:
    """Log, in one line and without a traceback, a reply Discord did not take."""
    if isinstance(error, discord.Forbidden):
        log.warning("no permission to reply in channel %s", message.channel.id)
    else:
        log.error("could not reply to message %s in channel %s: %s", message.id, message.channel.id, error)


async def setup(bot: QuoteBot) -> None:
    """Load the mention and DM handler."""
    await bot.add_cog(Mentions(bot))
