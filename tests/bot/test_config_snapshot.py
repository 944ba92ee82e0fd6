"""quotebot.toml read whole and applied whole (start, /reindex, the watcher, `quotebot chat`); a missing file is
an invalid one once the rules in force came from it.

A real EngineLoader and Library over folders (with the fake embedder), driven through discord.py's command tree;
the watcher is the real one (inotify, or polling), and every wait on it is bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import run_command, slash
from quotebot.bot.exts.reindex import CONFIG_INVALID
from quotebot.bot.ops.answering import AnswerChannel
from quotebot.bot.ops.engines import Config, EngineLoader, load_config
from quotebot.bot.ops.settings import Settings
from quotebot.bot.ops.watch import WatchedEngine
from quotebot.index.collections import default_collections
from tests.fakes import FakeEmbedder

SERVER, PUBLIC, PRIVATE, MOVED, ANSWERS, SET_BY_CONFIG = 10, 20, 30, 31, 40, 50
SECRET = "The vault door code is 4417 and it changes every Monday."
HANDBOOK = '[collections.handbook]\npath = "docs"\n'
SECURITY = '\n[collections.security]\npath = "docs/security"\nprivate = true\nchannels = [30]\n'
ANSWER_CHANNEL = f"\n[[answer_channels]]\nchannel = {ANSWERS}\n"
MISSING = "is missing: restore it; the collections and rules in force stay until then"

Start = Callable[..., Awaitable[QuoteBot]]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A handbook over docs/, and a private security collection over docs/security, quoted in channel 30 only."""
    monkeypatch.setattr(EngineLoader, "embedder", lambda self: FakeEmbedder())
    _write(tmp_path / "docs/office.txt", "Visitors park in the north lot next to the office building.")
    _write(tmp_path / "docs/security/vault.txt", SECRET)
    _write(tmp_path / "quotebot.toml", HANDBOOK + SECURITY + ANSWER_CHANNEL)
    return tmp_path


def settings_of(project: Path, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "config_file": project / "quotebot.toml",
        "corpus_dir": project / "docs",
        "index_dir": project / "index",
        "data_dir": project / "data",
        "watch": False,
        "watch_debounce": 0.2,
        "cooldown_rate": 100,  # one asker asks many times here
    }
    return Settings(_env_file=None, **(values | more))  # type: ignore[call-arg]


@pytest_asyncio.fixture
async def start(project: Path) -> AsyncIterator[Start]:
    """Return a function that starts a bot as `quotebot serve` does (its own loader, the index opened by
    setup_hook, the watcher started when asked for); closes them all."""
    bots: list[QuoteBot] = []

    async def launch(**more: Any) -> QuoteBot:
        bot = QuoteBot(settings_of(project, **more), sync_commands=False)
        bots.append(bot)
        await bot._async_setup_hook()
        await bot.setup_hook()
        return bot

    yield launch
    for bot in bots:
        await bot.close()


async def ask(bot: QuoteBot, channel: int | None, *, private: bool = False) -> str:
    """Ask about the vault in a channel of SERVER (None: a DM); return page 1 and every passage kept for
    pages 2-3 and *Share*."""
    options: dict[str, Any] = {"private": True} if private else {}
    interaction = slash(bot, "ask", question="What is the vault door code?", **options)
    interaction.guild_id, interaction.channel_id = (SERVER, channel) if channel else (None, 3000)
    await run_command(bot, interaction)
    sent = interaction.calls.of("followup.send")[0]
    kept = [p.text for p in sent["view"].answer.passages] if "view" in sent else []
    return json.dumps([sent.get("content"), *[e.to_dict() for e in sent.get("embeds", [])], kept])


async def sources(bot: QuoteBot, channel: int | None) -> str:
    """Run /sources in a channel of SERVER (None: a DM); return what it lists."""
    interaction = slash(bot, "sources")
    interaction.guild_id, interaction.channel_id = (SERVER, channel) if channel else (None, 3000)
    await run_command(bot, interaction)
    sent = interaction.calls.of("send_message")[0]
    return json.dumps([sent.get("content"), *[e.to_dict() for e in sent.get("embeds", [])]])


async def reindex(bot: QuoteBot) -> str:
    """Run /reindex as a member with Manage Server; return its private reply."""
    interaction = slash(bot, "reindex", user_id=7)
    interaction.permissions = discord.Permissions(manage_guild=True)
    interaction.guild_id, interaction.channel_id = SERVER, PUBLIC
    await run_command(bot, interaction)
    [sent] = interaction.calls.of("followup.send")
    return str(sent["content"])


async def shown_anywhere_but_its_channel(bot: QuoteBot) -> bool:
    """Tell whether the private collection's text reaches a public channel or a DM, by any route tested here."""
    answers = [await ask(bot, PUBLIC), await ask(bot, PUBLIC, private=True), await ask(bot, None)]
    listed = [await sources(bot, PUBLIC), await sources(bot, None)]  # its document's title, file and size
    return any("4417" in shown for shown in answers) or any("vault" in shown for shown in listed)


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait (polling the loop) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.05)


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


# -- start --------------------------------------------------------------------------------------------------------


async def test_a_bot_started_without_the_file_has_the_one_public_collection_as_before(
    project: Path, start: Start
) -> None:
    (project / "quotebot.toml").unlink()
    bot = await start()
    assert bot.engine.collections == default_collections(project / "docs")
    assert "4417" in await ask(bot, PUBLIC) and "4417" in await ask(bot, None)  # the whole folder, everywhere
    assert (await reindex(bot)).startswith("Reindexed")  # still no file: still the default, not an error


def test_one_reading_gives_the_collections_and_the_answer_channels(project: Path) -> None:
    config = load_config(settings_of(project))
    assert config.source == project / "quotebot.toml" and config.reads_messages
    assert load_config(settings_of(project, config_file=project / "none.toml")) == Config(
        default_collections(project / "docs")
    )
    assert [c.name for c in config.items] == ["handbook", "security"]
    assert config.answer_channels == (AnswerChannel(ANSWERS, fixed=True),)


# -- quotebot.toml missing for a while ----------------------------------------------------------------------------


async def test_reindex_with_the_file_missing_keeps_the_rules_in_force_until_it_is_back(
    project: Path, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start()
    assert "4417" in await ask(bot, PRIVATE) and not await shown_anywhere_but_its_channel(bot)
    before, config = bot.engine, project / "quotebot.toml"
    config.unlink()
    assert await reindex(bot) == CONFIG_INVALID
    assert logged(caplog, f"{config} {MISSING}")  # the one line, for whoever runs the bot
    assert bot.engine is before and bot.answer_channels.get(ANSWERS) is not None
    assert not await shown_anywhere_but_its_channel(bot)  # not one public collection over the whole folder
    _write(config, HANDBOOK + SECURITY.replace("[30]", f"[{MOVED}]"))  # back, edited meanwhile
    assert (await reindex(bot)).startswith("Reindexed")
    assert "4417" in await ask(bot, MOVED) and "4417" not in await ask(bot, PRIVATE)
    assert not await shown_anywhere_but_its_channel(bot) and bot.answer_channels.get(ANSWERS) is None


@pytest.mark.parametrize(("poll", "how"), [(False, "deleted"), (True, "deleted"), (False, "moved aside")])
async def test_the_watcher_keeps_the_rules_while_the_file_is_missing_and_applies_it_when_it_is_back(
    project: Path, start: Start, caplog: pytest.LogCaptureFixture, poll: bool, how: str
) -> None:
    caplog.set_level(logging.INFO, logger="quotebot")
    bot = await start(watch=True, watch_poll=poll)
    await until(lambda: bool(logged(caplog, "watching")))
    config, aside = project / "quotebot.toml", project / "quotebot.toml.orig"
    if how == "deleted":
        config.unlink()  # an editor that deletes, then writes; `git stash`
    else:
        config.rename(aside)
    await until(lambda: bool(logged(caplog, MISSING)))
    assert not await shown_anywhere_but_its_channel(bot) and "4417" in await ask(bot, PRIVATE)
    if how == "deleted":
        _write(config, HANDBOOK + SECURITY.replace("[30]", f"[{MOVED}]"))
    else:
        aside.write_text(HANDBOOK + SECURITY.replace("[30]", f"[{MOVED}]"), encoding="utf-8")
        aside.rename(config)
    await until(lambda: bot.engine.collections.get("security").channels == frozenset({MOVED}))
    assert "4417" in await ask(bot, MOVED) and "4417" not in await ask(bot, PRIVATE)
    assert not await shown_anywhere_but_its_channel(bot)


def test_chat_keeps_its_engine_while_the_file_is_missing_and_rebuilds_when_it_is_back(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="quotebot")
    settings = settings_of(project, watch=True)
    loader = EngineLoader(settings)
    engine = loader.open()
    config = project / "quotebot.toml"

    def wait(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, "never happened"
            time.sleep(0.05)

    with WatchedEngine(loader, engine, settings) as current:
        wait(lambda: bool(logged(caplog, "watching")))
        config.unlink()
        wait(lambda: bool(logged(caplog, MISSING)))
        assert current() is engine and current().collections.names() == ["handbook", "security"]
        _write(config, HANDBOOK + SECURITY.replace("[30]", f"[{MOVED}]"))
        wait(lambda: current().collections.get("security").channels == frozenset({MOVED}))


async def test_an_edit_of_a_relative_quotebot_toml_is_seen_by_the_watcher(
    project: Path, monkeypatch: pytest.MonkeyPatch, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="quotebot")
    monkeypatch.chdir(project)
    _write(project / "quotebot.toml", HANDBOOK)  # the secret is public: the admin notices
    bot = await start(watch=True, config_file=Path("quotebot.toml"))  # the default: relative to the folder it runs in
    await until(lambda: bool(logged(caplog, "watching")))
    assert "4417" in await ask(bot, PUBLIC)
    _write(project / "quotebot.toml", HANDBOOK + SECURITY)  # made private while the bot runs
    await until(lambda: "security" in bot.engine.collections.names())
    assert not await shown_anywhere_but_its_channel(bot) and "4417" in await ask(bot, PRIVATE)


# -- answer channels and the Message Content intent --------------------------------------------------------------


async def test_answer_channels_of_the_file_follow_each_reload_and_those_of_config_stay(
    project: Path, start: Start
) -> None:
    bot = await start()
    bot.answer_channels.put(AnswerChannel(SET_BY_CONFIG, server=SERVER))  # by /config answer-channel
    _write(project / "quotebot.toml", HANDBOOK + SECURITY)  # [[answer_channels]] taken out
    await reindex(bot)
    assert bot.answer_channels.get(ANSWERS) is None and bot.answer_channels.get(SET_BY_CONFIG) is not None
    _write(project / "quotebot.toml", HANDBOOK + SECURITY + ANSWER_CHANNEL.replace(str(ANSWERS), "41"))
    await reindex(bot)
    assert bot.answer_channels.get(41) == AnswerChannel(41, fixed=True) and bot.answer_channels.get(ANSWERS) is None


async def test_a_reload_that_first_needs_message_content_says_once_that_a_restart_is_needed(
    project: Path, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    _write(project / "quotebot.toml", HANDBOOK + SECURITY)
    bot = await start()
    assert not bot.intents.message_content  # nothing to read: not asked for
    _write(project / "quotebot.toml", HANDBOOK + SECURITY + ANSWER_CHANNEL)
    await reindex(bot)
    await reindex(bot)
    [line] = logged(caplog, "Message Content")
    assert "restart the bot" in line and "\n" not in line
