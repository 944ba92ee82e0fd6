"""Buttons survive restarts: two bot processes in turn against the fake Discord, over the same data folder.

Bot 1 answers and closes; bot 2 starts and gets the clicks on bot 1's messages, each sent back as Discord would
(the message JSON bot 1 posted). Every assertion is on the JSON Discord would have received.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.ops.settings import Settings
from quotebot.bot.reply.button_state import BUTTONS_FILE
from quotebot.bot.words.i18n import text
from tests.bot.discord_fakes import FakeEngine, FakeLoader
from tests.bot.discord_http_server import APP_ID, BOT_USER, FakeDiscord, message_json
from tests.bot.test_discord_faults import CHANNEL, Events, Online, button, connect, followups, point_at

EPHEMERAL = 64
STRANGER = 2001
Launch = Callable[[], Awaitable[Online]]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """One fake Discord that outlives the bots."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest_asyncio.fixture
async def launch(
    settings: Settings, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[], Awaitable[Online]]]:
    """Return a function that starts a bot as `quotebot run` does (a fresh process's objects), 25 documents."""
    clock = point_at(fake, monkeypatch)
    running: list[tuple[QuoteBot, asyncio.Task[None]]] = []

    async def start() -> Online:
        bot = QuoteBot(settings, loader=FakeLoader(FakeEngine(documents=25)))  # type: ignore[arg-type]
        online = Online(bot, fake, Events(bot), clock)
        running.append((bot, await connect(online)))
        return online

    yield start
    for bot, runner in running:
        await bot.close()
        await asyncio.wait_for(runner, 5)


async def stop(online: Online) -> None:
    """Close a bot, as a process that ends."""
    await online.bot.close()


def callback(online: Online, token: str) -> dict[str, Any]:
    """Return the one callback body Discord got for an interaction."""
    [sent] = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    body: dict[str, Any] = sent.body
    return body


def footers(body: dict[str, Any]) -> list[str]:
    """Return the place of each passage a message shows ("passage 4 of 7")."""
    return [e["footer"]["text"].split(" · ")[1] for e in body["embeds"]]


async def answered_before_restart(launch: Launch) -> tuple[Online, dict[str, Any]]:
    """Ask bot 1, close it, start bot 2; return bot 2 and the message bot 1 posted."""
    first = await launch()
    message = followups(first.fake, await first.ask("What about backdoors?"))[0].reply
    assert footers(message) == [f"passage {i} of 7" for i in (1, 2, 3)]
    await stop(first)
    return await launch(), message


async def test_more_passages_and_votes_work_on_a_message_from_before_a_restart(launch: Launch) -> None:
    second, message = await answered_before_restart(launch)
    engine: Any = second.bot.engine
    more = button(message, "quotebot:more")

    stranger = await second.interact(more, kind=3, message=message, user=STRANGER)
    refused = callback(second, stranger)
    assert refused["type"] == 4 and refused["data"]["flags"] == EPHEMERAL
    assert refused["data"]["content"] == text("button.not_yours")
    assert engine.calls == []  # nothing searched for someone who may not page

    voter = await second.interact(button(message, "quotebot:up"), kind=3, message=message, user=STRANGER)
    thanks = callback(second, voter)
    assert thanks["data"]["content"] == text("button.thanks") and thanks["data"]["flags"] == EPHEMERAL
    [vote] = [r for r in second.bot.gaps.records() if r["kind"] == "feedback"]
    assert (vote["vote"], vote["question"]) == (1, "What about backdoors?")
    assert [p["paragraph"] for p in vote["passages"]] == [1, 2, 3]  # the page the message showed
    assert engine.calls == []  # recorded from the references kept: nothing searched
    again = await second.interact(button(message, "quotebot:down"), kind=3, message=message, user=STRANGER)
    assert callback(second, again)["data"]["content"] == text("button.already_rated")

    asker = await second.interact(more, kind=3, message=message)
    assert callback(second, asker)["type"] == 6  # deferred: the question is searched again
    [edit] = second.fake.sent("PATCH", rf"/webhooks/{APP_ID}/{asker}/messages/@original")
    assert footers(edit.body) == [f"passage {i} of 7" for i in (4, 5, 6)]
    assert edit.body["content"] == "**Question:** What about backdoors?"
    assert engine.calls == [("What about backdoors?", 9)]
    assert button(edit.body, "quotebot:more")["custom_id"] == more["custom_id"][:-1] + "1"  # the same key, page 2


async def test_sources_paging_works_after_a_restart(launch: Launch) -> None:
    first = await launch()
    listed = await first.interact({"id": "779", "name": "sources", "type": 1, "options": []})
    data = callback(first, listed)["data"]
    assert data["embeds"][0]["footer"]["text"] == "page 1 of 3"
    message = message_json("6001", CHANNEL, BOT_USER, data)
    await stop(first)

    second = await launch()
    clicked = await second.interact(button(message, "quotebot:sources:next"), kind=3, message=message)
    shown = callback(second, clicked)
    assert shown["type"] == 7  # the list itself is updated
    assert shown["data"]["embeds"][0]["footer"]["text"] == "page 2 of 3"
    assert shown["data"]["embeds"][0]["description"].startswith("**Document 10**")


async def test_a_click_whose_entry_is_gone_answers_one_private_line(launch: Launch, settings: Settings) -> None:
    first = await launch()
    message = followups(first.fake, await first.ask("What about backdoors?"))[0].reply
    await stop(first)
    (settings.data_dir / BUTTONS_FILE).unlink()  # removed (or expired) while the bot was away

    second = await launch()
    engine: Any = second.bot.engine
    for name in ("quotebot:more", "quotebot:up"):
        clicked = await second.interact(button(message, name), kind=3, message=message)
        said = callback(second, clicked)
        assert said == {
            "type": 4,
            "data": {
                "tts": False,
                "content": text("button.gone"),
                "flags": EPHEMERAL,
                "allowed_mentions": {"parse": []},
            },
        }
        assert second.fake.sent("PATCH", rf"/webhooks/{APP_ID}/{clicked}/messages/@original") == []
    assert engine.calls == [] and list(second.bot.gaps.records()) == []  # nothing searched, no vote kept
