"""Fixtures for the bot tests: settings in a temporary folder, a fake engine, a bot with its cogs loaded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.ops.settings import Settings
from tests.bot.discord_fakes import FakeEngine, FakeLoader


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return settings that read no .env and write the gaps log under tmp_path."""
    # watch=False: a test that writes files decides when they are re-indexed (tests/bot/test_lifecycle.py watches)
    return Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", watch=False)  # type: ignore[call-arg]


@pytest.fixture
def engine() -> FakeEngine:
    """Return an engine that answers every question with seven passages."""
    return FakeEngine()


@pytest.fixture
def loader(engine: FakeEngine) -> FakeLoader:
    """Return a loader whose first engine is `engine`."""
    return FakeLoader(engine)


@pytest_asyncio.fixture
async def bot(settings: Settings, loader: FakeLoader) -> AsyncIterator[QuoteBot]:
    """Return a bot with its cogs loaded and the fake engine, never connected, never synced."""
    client = QuoteBot(settings, loader=loader, engine=loader.engine, sync_commands=False)
    await client._async_setup_hook()
    await client.setup_hook()
    yield client
    await client.close()


@pytest_asyncio.fixture
async def live(settings: Settings, loader: FakeLoader) -> AsyncIterator[QuoteBot]:
    """Return a bot wired to dpytest, with one guild, one text channel and one member."""
    client = QuoteBot(settings, loader=loader, engine=loader.engine, sync_commands=False)
    await client._async_setup_hook()
    await client.setup_hook()
    # dpytest resolves <@id> in a message through its member cache, which only fills with the members
    # intent. That is a limit of the fake, not of the bot: Discord sends the mentions in the payload, and
    # the bot reads the question from the content (test_client_asks_for_no_privileged_intent_and_pings_nobody).
    state = client._connection
    state._intents.members = True
    state.member_cache_flags = discord.MemberCacheFlags.from_intents(state._intents)
    dpytest.configure(client)
    client._connection.loop = asyncio.get_running_loop()  # dpytest's state leaves it unset; typing() needs it
    yield client
    await dpytest.empty_queue()
    client.ws = None  # type: ignore[assignment]  # dpytest's fake socket cannot report being open
    await client.close()


@pytest.fixture
def payloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the JSON body of every message the bot sends (dpytest drops what it doesn't model)."""
    sent: list[dict[str, Any]] = []
    real = discord.abc.handle_message_parameters

    def spy(*args: Any, **kwargs: Any) -> Any:
        params = real(*args, **kwargs)
        sent.append(params.payload or {})
        return params

    monkeypatch.setattr(discord.abc, "handle_message_parameters", spy)
    return sent
