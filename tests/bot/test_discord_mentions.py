"""Questions asked by mentioning the bot or in a DM, through dpytest's fake gateway and HTTP."""

from __future__ import annotations

import sys
import threading
from typing import Any

import discord.ext.test as dpytest
import pytest

from quotebot.bot.client.client import QuoteBot
from quotebot.index import Answer
from tests.bot.discord_fakes import FakeEngine


def mention(bot: QuoteBot) -> str:
    """Return the bot's mention as Discord writes it in message content."""
    assert bot.user is not None
    return f"<@{bot.user.id}>"


async def test_mention_is_answered_with_a_reply(live: QuoteBot, engine: FakeEngine, payloads: list[Any]) -> None:
    config = dpytest.get_config()
    asked = await dpytest.message(f"{mention(live)} what did China say about backdoors?", channel=config.channels[0])
    reply = dpytest.get_message()
    assert reply.content == "**Question:** what did China say about backdoors?"
    assert len(reply.embeds) == 3 and reply.embeds[0].description.startswith(">>> Passage number 1")
    assert engine.calls == [("what did China say about backdoors?", 9)]
    [body] = payloads
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert body["message_reference"]["message_id"] == asked.id
    ids = [c["custom_id"] for c in body["components"][0]["components"]]
    key = ids[0].split(":")[2]  # each button carries the answer's key and the page shown (bot/reply/button_state.py)
    assert ids == [f"quotebot:more:{key}:0", f"quotebot:up:{key}:0", f"quotebot:down:{key}:0"]


async def test_messages_not_addressed_to_the_bot_are_ignored(live: QuoteBot, engine: FakeEngine) -> None:
    config = dpytest.get_config()
    await dpytest.message("what did China say about backdoors?", channel=config.channels[0])
    await dpytest.message("@everyone look", channel=config.channels[0])
    assert dpytest.verify().message().nothing()
    assert engine.calls == []


async def test_direct_message_is_answered(live: QuoteBot, engine: FakeEngine) -> None:
    member = dpytest.get_config().members[0]
    channel = await member.create_dm()
    await dpytest.message("What about sovereignty?", channel=channel, member=member)
    reply = dpytest.get_message()
    assert reply.content == "**Question:** What about sovereignty?" and reply.embeds
    assert engine.calls == [("What about sovereignty?", 9)]


async def test_bare_mention_gets_help(live: QuoteBot, engine: FakeEngine) -> None:
    await dpytest.message(mention(live), channel=dpytest.get_config().channels[0])
    help_line = "Ask me a question about the documents I quote with `/ask question:` (`/sources` lists them)."
    assert dpytest.verify().message().content(help_line)  # no sample-corpus question in every deployment
    live.settings = live.settings.model_copy(update={"example_question": "Who may deploy to production?"})
    await dpytest.message(mention(live), channel=dpytest.get_config().channels[0])
    offered = "Ask me a question about the documents I quote, e.g. `/ask question: Who may deploy to production?`"
    assert dpytest.verify().message().content(offered)  # the deployment's own example, when it sets one
    assert engine.calls == []


async def test_hostile_question_is_echoed_harmlessly(live: QuoteBot, engine: FakeEngine) -> None:
    engine.respond = lambda q, k: Answer(q, False, ())
    await dpytest.message(f"{mention(live)} @everyone <@&1> **why**?", channel=dpytest.get_config().channels[0])
    reply = dpytest.get_message()
    assert reply.content == (
        "**Question:** @\u200beveryone \\<@&1> \\*\\*why\\*\\*?\nI couldn't find this in the corpus."
    )
    assert [r["question"] for r in live.gaps.records()] == ["@everyone <@&1> **why**?"]


async def test_mention_cooldown(live: QuoteBot, engine: FakeEngine) -> None:
    live.limiter.rate = 1
    channel = dpytest.get_config().channels[0]
    await dpytest.message(f"{mention(live)} first?", channel=channel)
    await dpytest.message(f"{mention(live)} second?", channel=channel)
    dpytest.get_message()
    assert dpytest.get_message().content.startswith("Easy there: you can ask 1 question every 30 s")
    assert len(engine.calls) == 1


async def test_a_mention_reply_is_built_off_the_event_loop(
    live: QuoteBot, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentions = sys.modules["quotebot.bot.exts.mentions"]  # the module the loaded cog runs (load_extension sets no attribute)
    threads: list[int] = []
    real = mentions.build_reply
    monkeypatch.setattr(mentions, "build_reply", lambda *a, **k: threads.append(threading.get_ident()) or real(*a, **k))
    await dpytest.message(f"{mention(live)} backdoors?", channel=dpytest.get_config().channels[0])
    assert dpytest.get_message().embeds and threads and threading.get_ident() not in threads
