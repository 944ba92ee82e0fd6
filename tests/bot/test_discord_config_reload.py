"""quotebot.toml changed while the bot runs, applied whole at /reindex and by the watcher: Discord channels taken out,
`pins_only` turned on, a collection removed, answer channels removed.

Each test drives discord.py's real client against the fake Discord server (tests/bot/discord_guild.py) and reads
what the bot sent; the index is real, only the embedding model is the fake one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from quotebot.bot.ops.settings import Settings
from quotebot.index import CorpusError
from tests.bot.discord_guild import GuildDiscord
from tests.bot.test_discord_channels import FAQ, ONCALL, OTHER, ROLLBACK, Start, ask, discord_server, start
from tests.bot.test_discord_channels_events import mirrored
from tests.bot.test_discord_faults import Online

FIXTURES = (start, discord_server)  # pytest finds them by these names in this module

ASKS = 22  # an answer channel of quotebot.toml
MANAGE_SERVER = 2048 | 32  # Send Messages and Manage Server: may run /reindex
COFFEE = "The coffee machine rota changes every week, on Mondays."
QUESTION = "How does the rollback run?"


def config(channels: str = f"{FAQ}, {OTHER}", faq: str = "", answers: bool = True) -> str:
    """Return a quotebot.toml: a folder collection, a Discord collection of `channels` (or none), an answer channel."""
    text = '[collections.docs]\npath = "corpus"\n'
    if channels:
        text += f"\n[collections.faq]\ndiscord_channels = [{channels}]\n{faq}"
    return text + (f"\n[[answer_channels]]\nchannel = {ASKS}\n" if answers else "")


@pytest.fixture
def channel_settings(tmp_path: Path) -> Settings:
    """A folder collection and a Discord collection of two channels; watched, with a short quiet time."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "coffee.md").write_text(f"# Office\n\n{COFFEE}\n", encoding="utf-8")
    (tmp_path / "quotebot.toml").write_text(config(), encoding="utf-8")
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        config_file=tmp_path / "quotebot.toml",
        corpus_dir=tmp_path / "corpus",
        data_dir=tmp_path / "data",
        index_dir=tmp_path / "index",
        live_debounce=0,
        watch_debounce=0.2,
        cooldown_rate=100,
    )


@pytest.fixture(autouse=True)
def answer_channel(discord_server: GuildDiscord) -> None:
    discord_server.text_channel(ASKS, "asks")


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait (polling the loop) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.05)


async def launch(start: Start, settings: Settings, route: str) -> Online:
    """Start the bot; only the watcher applies changes on the "watcher" route, only /reindex on the other."""
    return await start(settings.model_copy(update={"watch": route == "watcher"}))  # type: ignore[no-any-return]


async def reload(online: Online, settings: Settings, text: str, route: str, log: pytest.LogCaptureFixture) -> None:
    """Write quotebot.toml, then let the watcher apply it, or run /reindex; wait for the re-reads it asked for."""
    log.set_level(logging.INFO, logger="quotebot")
    settings.config_file.write_text(text, encoding="utf-8")
    if route == "reindex":
        await online.interact({"id": "781", "name": "reindex", "type": 1}, permissions=MANAGE_SERVER)
        [reply] = online.fake.sent("POST", r"/webhooks/\d+/[^/]+")[-1:]
        assert "Reindexed" in str(reply.body)
    else:
        done = "files changed (quotebot.toml): re-indexed"
        await until(lambda: any(r.getMessage().startswith(done) for r in log.records))
    await online.bot.settled()


async def sources(online: Online) -> str:
    """Run /sources in the FAQ channel; return what it lists."""
    token = await online.interact({"id": "780", "name": "sources", "type": 1})
    [callback] = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    return json.dumps(callback.body["data"].get("embeds", []), ensure_ascii=False)


@pytest.mark.parametrize("route", ["reindex", "watcher"])
async def test_a_channel_taken_out_of_discord_channels_is_quoted_no_more_old_or_new(
    start: Start,
    discord_server: GuildDiscord,
    channel_settings: Settings,
    tmp_path: Path,
    route: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    discord_server.post(FAQ, ONCALL)
    discord_server.post(OTHER, ROLLBACK)
    online = await launch(start, channel_settings, route)
    assert "make rollback" in await ask(online, QUESTION) and "#random" in await sources(online)
    await reload(online, channel_settings, config(f"{FAQ}"), route, caplog)
    assert "make rollback" not in await ask(online, QUESTION) and "make rollback" not in mirrored(tmp_path)
    assert "#random" not in await sources(online) and "#faq" in await sources(online)  # nor its name listed
    later = discord_server.post(OTHER, "The rollback runs with make rollback, said again after the change.")
    await online.deliver("MESSAGE_CREATE", later, "message")
    assert "make rollback" not in await ask(online, QUESTION) and "make rollback" not in mirrored(tmp_path)
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")


@pytest.mark.parametrize("route", ["reindex", "watcher"])
async def test_pins_only_turned_on_leaves_out_what_is_not_pinned(
    start: Start,
    discord_server: GuildDiscord,
    channel_settings: Settings,
    tmp_path: Path,
    route: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    discord_server.post(FAQ, ONCALL, pinned=True)
    discord_server.post(FAQ, ROLLBACK)
    online = await launch(start, channel_settings, route)
    assert "make rollback" in await ask(online, QUESTION)
    await reload(online, channel_settings, config(f"{FAQ}, {OTHER}", "pins_only = true\n"), route, caplog)
    assert "make rollback" not in await ask(online, QUESTION) and "make rollback" not in mirrored(tmp_path)
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")


async def test_a_collection_taken_out_of_the_file_is_quoted_no_more(
    start: Start,
    discord_server: GuildDiscord,
    channel_settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    discord_server.post(FAQ, ROLLBACK)
    online = await launch(start, channel_settings, "reindex")
    assert "make rollback" in await ask(online, QUESTION)
    await reload(online, channel_settings, config(""), "reindex", caplog)
    assert "make rollback" not in await ask(online, QUESTION)
    assert not (tmp_path / "data" / "discord" / "faq").exists() or "make rollback" not in mirrored(tmp_path)


@pytest.mark.parametrize("route", ["reindex", "watcher"])
async def test_an_answer_channel_taken_out_of_the_file_is_answered_no_more(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings, route: str, caplog: pytest.LogCaptureFixture
) -> None:
    online = await launch(start, channel_settings, route)
    await online.deliver("MESSAGE_CREATE", discord_server.post(ASKS, "When does the coffee rota change?"), "message")
    assert len(online.fake.sent("POST", rf"/channels/{ASKS}/messages/\d+/threads")) == 1  # answered in a thread
    await reload(online, channel_settings, config(answers=False), route, caplog)
    await online.deliver("MESSAGE_CREATE", discord_server.post(ASKS, "And on which day does it change?"), "message")
    assert len(online.fake.sent("POST", rf"/channels/{ASKS}/messages/\d+/threads")) == 1  # no new thread
    assert online.fake.sent("POST", rf"/channels/{ASKS}/messages") == []  # nor a reply in the channel


async def test_a_build_that_fails_leaves_the_whole_previous_config_in_force(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord_server.post(OTHER, ROLLBACK)
    online = await launch(start, channel_settings, "reindex")

    def full_disk(*_: object) -> None:
        raise CorpusError("no space left on the device: free some, then run /reindex again")

    monkeypatch.setattr(online.bot.loader, "rebuild", full_disk)
    channel_settings.config_file.write_text(config(f"{FAQ}"), encoding="utf-8")
    await online.interact({"id": "781", "name": "reindex", "type": 1}, permissions=MANAGE_SERVER)
    await online.bot.settled()
    listed = {FAQ, OTHER}  # the config in force, engine and Discord sources alike: no half of the new one
    assert online.bot.config.collections.get("faq").discord_channels == listed
    assert online.bot.live.collections["faq"].discord_channels == listed
    assert "make rollback" in await ask(online, QUESTION)
