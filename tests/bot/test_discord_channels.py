"""Discord channels as a live collection, through discord.py's real client and the fake Discord server.

The bot reads a listed channel's history on start (paged), then follows the gateway: what /ask quotes changes
with each create, edit, delete, bulk delete and pin event, and a message deleted between the search and the
reply is never sent. The index is real (FAISS, BM25, the chunker); only the embedding model is the fake one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.ops.engines import EngineLoader
from quotebot.bot.ops.settings import Settings
from quotebot.index import Embedder
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import APP_ID
from tests.bot.test_discord_faults import Events, Online, connect, point_at
from tests.fakes import FakeEmbedder

FAQ = 20  # the channel /ask is run in by Online.interact
OTHER = 21  # a channel of the same server that is not listed

ROLLBACK = "The rollback runs with make rollback and takes ten minutes."
ONCALL = "The on-call rotation changes every Monday at noon."


class ChannelEvents(Events):
    """Count the gateway events of channels too, so a test can wait until the bot handled one."""

    NAMES = (
        *Events.NAMES,
        "raw_message_edit",
        "raw_message_delete",
        "raw_bulk_message_delete",
        "guild_channel_pins_update",
        "thread_create",
        "thread_update",
        "raw_thread_delete",
        "guild_available",
    )


class FakeModelLoader(EngineLoader):
    """The real loader (quotebot.toml, mirrors, builds), with the fake embedding model and one model only."""

    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = FakeEmbedder()
        return self._embedder


def write_config(root: Path, extra: str = "") -> Path:
    """Write a quotebot.toml listing the FAQ channel; return its path."""
    config = root / "quotebot.toml"
    config.write_text(f"[collections.faq]\ndiscord_channels = [{FAQ}]\n{extra}", encoding="utf-8")
    return config


@pytest.fixture
def channel_settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        config_file=write_config(tmp_path),
        corpus_dir=tmp_path / "corpus",
        data_dir=tmp_path / "data",
        index_dir=tmp_path / "index",
        live_debounce=0,
    )


@pytest_asyncio.fixture
async def discord_server() -> AsyncIterator[GuildDiscord]:
    fake = GuildDiscord()
    fake.text_channel(FAQ, "faq")
    fake.text_channel(OTHER, "random")
    await fake.start()
    yield fake
    await fake.close()


Start = Callable[..., Any]


@pytest_asyncio.fixture
async def start(
    channel_settings: Settings, discord_server: GuildDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Start]:
    """Return a function that starts a bot (as `quotebot serve` does) against the fake server; closes them all."""
    clock = point_at(discord_server, monkeypatch)
    running: list[tuple[QuoteBot, asyncio.Task[None]]] = []

    async def launch(settings: Settings = channel_settings) -> Online:
        bot = QuoteBot(settings, loader=FakeModelLoader(settings))
        online = Online(bot, discord_server, ChannelEvents(bot), clock)
        running.append((bot, await connect(online)))
        await online.deliver("GUILD_CREATE", discord_server.guild_create(), "guild_available")
        await bot.settled()
        return online

    yield launch
    for bot, runner in running:
        await bot.close()
        await asyncio.wait_for(runner, 5)


def quoted(online: Online, token: str) -> str:
    """Return everything the bot sent for one interaction, as one string (quotes, links, notes)."""
    sent = online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")
    return json.dumps([r.body for r in sent], ensure_ascii=False)


async def ask(online: Online, question: str) -> str:
    """Run /ask in the FAQ channel after the pending re-index; return what was sent."""
    await online.bot.settled()
    return quoted(online, await online.ask(question))


async def test_history_is_read_on_start_and_quoted_with_its_jump_link(
    start: Start, discord_server: GuildDiscord
) -> None:
    message = discord_server.post(FAQ, ROLLBACK)
    for i in range(230):  # three pages of history
        discord_server.post(FAQ, f"Note {i} about the coffee machine on floor {i}.")
    online = await start()
    assert online.bot.intents.message_content  # asked for because a collection lists channels
    reply = await ask(online, "How does the rollback run?")
    assert "make rollback" in reply
    assert f"https://discord.com/channels/{GUILD}/{FAQ}/{message['id']}" in reply
    pages = discord_server.sent("GET", rf"/channels/{FAQ}/messages")
    whole = [
        {"limit": "100", "after": "0"},
        {"limit": "100", "after": str(int(message["id"]) + 99)},
        {"limit": "100", "after": str(int(message["id"]) + 199)},
    ]
    # three pages on start, then the catch-up on READY reads them again: a delete made meanwhile is noticed
    assert [p.query for p in pages] == whole + whole


async def test_create_edit_and_delete_events_change_what_is_quoted(start: Start, discord_server: GuildDiscord) -> None:
    discord_server.post(FAQ, ONCALL)
    online = await start()
    assert "make rollback" not in await ask(online, "How does the rollback run?")

    created = discord_server.post(FAQ, ROLLBACK)
    await online.deliver("MESSAGE_CREATE", created, "message")
    assert "make rollback" in await ask(online, "How does the rollback run?")

    edited = {**created, "content": "The rollback runs with make undo and takes ten minutes."}
    discord_server.history[FAQ][int(created["id"])] = edited
    await online.deliver("MESSAGE_UPDATE", edited, "raw_message_edit")
    reply = await ask(online, "How does the rollback run?")
    assert "make undo" in reply and "make rollback" not in reply

    del discord_server.history[FAQ][int(created["id"])]
    deleted = {"id": created["id"], "channel_id": str(FAQ), "guild_id": str(GUILD)}
    await online.deliver("MESSAGE_DELETE", deleted, "raw_message_delete")
    assert "make undo" not in await ask(online, "How does the rollback run?")


async def test_bots_and_other_channels_are_never_indexed(start: Start, discord_server: GuildDiscord) -> None:
    discord_server.post(FAQ, "The rollback is done by the deploy bot itself.", author=4242, bot=True)
    online = await start()
    elsewhere = discord_server.post(OTHER, ROLLBACK)
    await online.deliver("MESSAGE_CREATE", elsewhere, "message")
    assert "rollback" not in await ask(online, "How does the rollback run?")
    files = list((online.bot.settings.data_dir / "discord" / "faq").glob("*.json"))
    assert files == []  # nothing quotable: no export written


async def test_sources_lists_each_channel_with_its_messages_and_last_sync(
    start: Start, discord_server: GuildDiscord
) -> None:
    discord_server.post(FAQ, ROLLBACK)
    discord_server.post(FAQ, ONCALL)
    online = await start()
    await online.bot.settled()
    token = await online.interact({"id": "780", "name": "sources", "type": 1})
    [callback] = discord_server.sent("POST", rf"/interactions/\d+/{token}/callback")
    listed = json.dumps(callback.body["data"]["embeds"], ensure_ascii=False)
    assert "#faq" in listed and "2 messages" in listed and "last sync 20" in listed
    assert ".json" not in listed and "discord/faq" not in listed  # no mirror path on the bot's disk
