"""Exported Discord messages on Discord: quoted in their own server only; /forget-me and /remember-me."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import run_command, slash
from quotebot.bot.ops.settings import Settings
from quotebot.bot.sources.forgotten import FORGOTTEN_FILE, Forgotten
from quotebot.index import Collections, QuotebotError, load_collections
from quotebot.index.library import open_library
from tests.bot.discord_fakes import FakeLoader
from tests.fakes import FakeEmbedder

MALLORY, ADA = 444444444444444444, 555555555555555555
ROLLBACK = "The rollback runs with make rollback from the release branch, after the database snapshot."
OTHER = "Rollback questions go to the ops channel; the on-call engineer answers within the hour."


def _export(folder: Path) -> None:
    messages = [
        {"id": "11", "type": "Default", "timestamp": "2024-01-02T00:00:00Z", "content": ROLLBACK,
         "author": {"id": str(MALLORY), "name": "mallory", "isBot": False}},
        {"id": "12", "type": "Default", "timestamp": "2024-01-03T00:00:00Z", "content": OTHER,
         "author": {"id": str(ADA), "name": "ada", "isBot": False}},
    ]  # fmt: skip
    export = {"guild": {"id": "10"}, "channel": {"id": "2", "name": "ops"}, "messages": messages}  # the fakes' server
    (folder / "ops.json").write_text(json.dumps(export), encoding="utf-8")


@pytest.fixture
def library_loader(tmp_path: Path, settings: Settings) -> FakeLoader:
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True)
    _export(corpus)
    collections: Collections = load_collections(tmp_path / "none.toml", corpus)
    return FakeLoader(open_library(collections, tmp_path / "index", embedder=FakeEmbedder()))


@pytest_asyncio.fixture
async def real_bot(settings: Settings, library_loader: FakeLoader) -> AsyncIterator[QuoteBot]:
    client = QuoteBot(settings, loader=library_loader, engine=library_loader.engine, sync_commands=False)
    await client._async_setup_hook()
    await client.setup_hook()
    yield client
    await client.close()


async def _quoted(bot: QuoteBot, question: str, server: int | None = 10) -> list[str]:
    interaction = slash(bot, "ask", question=question)
    interaction.guild_id = server
    await run_command(bot, interaction)
    sent = interaction.calls.of("followup.send")[0]
    return [e.description for e in sent["embeds"]]


async def test_forget_me_withholds_a_members_messages_at_once_and_remember_me_brings_them_back(
    real_bot: QuoteBot,
) -> None:
    assert any("make rollback" in d for d in await _quoted(real_bot, "How does the rollback run?"))
    forget = slash(real_bot, "forget-me", user_id=MALLORY)
    await run_command(real_bot, forget)
    reply = forget.calls.of("send_message")[0]
    assert reply["ephemeral"] is True and "will not be quoted again" in reply["content"]
    assert not any("make rollback" in d for d in await _quoted(real_bot, "How does the rollback run?"))
    assert any("on-call engineer" in d for d in await _quoted(real_bot, "Who answers rollback questions?"))
    again = slash(real_bot, "forget-me", user_id=MALLORY)
    await run_command(real_bot, again)
    assert "asked already" in again.calls.of("send_message")[0]["content"]
    remember = slash(real_bot, "remember-me", user_id=MALLORY, locale="fr")
    await run_command(real_bot, remember)
    assert remember.calls.of("send_message")[0]["content"].startswith("C'est fait")
    assert any("make rollback" in d for d in await _quoted(real_bot, "How does the rollback run?"))


@pytest.mark.parametrize(("server", "quoted"), [(10, True), (11, False), (None, False)], ids=["own", "other", "DM"])
async def test_a_discord_message_is_quoted_in_its_own_server_only(
    real_bot: QuoteBot, server: int | None, quoted: bool
) -> None:
    shown = await _quoted(real_bot, "How does the rollback run?", server)
    assert any("make rollback" in d for d in shown) is quoted


async def test_the_list_survives_a_restart(settings: Settings, library_loader: FakeLoader) -> None:
    Forgotten(settings.data_dir / FORGOTTEN_FILE).forget(MALLORY)
    bot = QuoteBot(settings, loader=library_loader, engine=library_loader.engine, sync_commands=False)
    await bot._async_setup_hook()
    await bot.setup_hook()
    try:
        assert not any("make rollback" in d for d in await _quoted(bot, "How does the rollback run?"))
        assert bot.engine.engines["default"].withheld == frozenset({str(MALLORY)})  # type: ignore[attr-defined]
    finally:
        await bot.close()


async def test_an_engine_swapped_in_by_reindex_withholds_them_before_it_answers(bot: QuoteBot) -> None:
    bot.forget(MALLORY)
    engine = await bot.reindex()
    assert engine is bot.engine and engine.withheld == frozenset({str(MALLORY)})  # type: ignore[attr-defined]


@pytest.mark.parametrize("damage", ["{not json", '{"members": ["12", "x"]}', '["12"]'])
def test_a_damaged_list_stops_the_bot_in_one_line_and_is_kept(settings: Settings, damage: str) -> None:
    path = settings.data_dir / FORGOTTEN_FILE
    path.parent.mkdir(parents=True)
    path.write_text(damage, encoding="utf-8")
    with pytest.raises(QuotebotError, match="opt-out list") as caught:
        QuoteBot(settings, loader=FakeLoader(None), sync_commands=False)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value) and path.read_text(encoding="utf-8") == damage
