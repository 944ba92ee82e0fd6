"""Fixtures for the bot tests: settings in a temporary folder, a fake engine, a bot with its cogs loaded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.client import QuoteBot
from bot.settings import Settings
from tests.bot.discord_fakes import FakeEngine, FakeLoader


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return settings that read no .env and write the gaps log under tmp_path."""
    return Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")  # type: ignore[call-arg]


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
