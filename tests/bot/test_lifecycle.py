"""Months unattended: the corpus watched (bot and `quotebot chat`), and a clean shutdown on SIGTERM.

Through discord.py's real client and the fake Discord server; the index is real (FAISS, BM25, the chunker)
over a folder, the embedding model the fake one.
"""

from __future__ import annotations

import asyncio
import io
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from quotebot.bot.cli.program import _chat
from quotebot.bot.client.client import QuoteBot
from quotebot.bot.ops import lifecycle
from quotebot.bot.ops.settings import Settings
from quotebot.bot.ops.watch import WatchedEngine, watch_changes
from quotebot.index import Answer, load_collections
from tests.bot.discord_fakes import FakeEngine, passage
from tests.bot.discord_http_server import message_json, user_json
from tests.bot.test_discord_channels import FakeModelLoader, Start, discord_server, start
from tests.bot.test_discord_faults import ASKER, DM, Online, _ids, online

FIXTURES = (start, discord_server, online)  # used by name below

OLD = "The rollback runs with make rollback and takes ten minutes."
NEW = "The rollback runs with make undo and takes two minutes."
COFFEE = "The coffee machine rota changes every week."


@pytest.fixture
def channel_settings(tmp_path: Path) -> Settings:
    """Settings over a folder of two documents, watched with a short quiet time."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "rollback.md").write_text(f"# Rollbacks\n\n{OLD}\n", encoding="utf-8")
    (tmp_path / "corpus" / "coffee.md").write_text(f"# Office\n\n{COFFEE}\n", encoding="utf-8")
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        config_file=tmp_path / "none.toml",
        corpus_dir=tmp_path / "corpus",
        data_dir=tmp_path / "data",
        index_dir=tmp_path / "index",
        watch_debounce=0.2,
    )


class CountingLoader(FakeModelLoader):
    """The real loader with the fake model, counting rebuilds."""

    rebuilds = 0

    def rebuild(self, scope: Any = None, config: Any = None, *, current: Any = None) -> Any:
        type(self).rebuilds += 1
        return super().rebuild(scope, config, current=current)


def quoted(bot: QuoteBot, question: str = "How does the rollback run?") -> list[str]:
    """Return the passages the engine answering now quotes (verified against the files as they are)."""
    return [p.text for p in bot.engine.answer(question, 3).passages]


async def until(condition: Any, timeout: float = 20.0) -> None:
    """Wait (polling the loop) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.05)


async def test_an_edit_is_quoted_after_its_rebuild_and_answers_stay_verbatim_meanwhile(
    start: Start, channel_settings: Settings
) -> None:
    online = await start()
    assert OLD in quoted(online.bot)
    (channel_settings.corpus_dir / "rollback.md").write_text(f"# Rollbacks\n\n{NEW}\n", encoding="utf-8")
    seen: list[list[str]] = []
    while NEW not in (texts := quoted(online.bot)):
        seen.append(texts)  # asked again and again while the rebuild runs: never a half-built index
        assert len(seen) < 400, "the edit was never quoted"
        await asyncio.sleep(0.05)
    assert all(t in (OLD, COFFEE) for texts in seen for t in texts)  # only whole texts of the files, old or new
    assert OLD not in quoted(online.bot)


async def test_a_deleted_file_is_never_quoted_after_its_rebuild(start: Start, channel_settings: Settings) -> None:
    online = await start()
    (channel_settings.corpus_dir / "rollback.md").unlink()
    await until(lambda: online.bot.engine.sources()[0].doc_id == "coffee.md" and len(online.bot.engine.sources()) == 1)
    assert OLD not in quoted(online.bot)


async def test_a_burst_of_a_thousand_writes_gives_one_or_two_rebuilds(
    start: Start, channel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tests.bot.test_discord_channels.FakeModelLoader", CountingLoader)
    CountingLoader.rebuilds = 0
    online = await start()
    folder = channel_settings.corpus_dir / "notes"
    folder.mkdir()
    for i in range(1000):
        (folder / f"note{i:04}.txt").write_text(f"Note {i} about floor {i} of the building.\n", encoding="utf-8")
    await until(lambda: len(online.bot.engine.sources()) == 1002, timeout=60)
    await asyncio.sleep(1.0)  # anything still pending has had time to start
    assert 1 <= CountingLoader.rebuilds <= 2


def test_chat_swaps_in_the_rebuilt_engine(channel_settings: Settings) -> None:
    loader = FakeModelLoader(channel_settings)
    with WatchedEngine(loader, loader.open(), channel_settings) as current:
        time.sleep(0.3)  # the watcher is watching
        (channel_settings.corpus_dir / "rollback.md").write_text(f"# Rollbacks\n\n{NEW}\n", encoding="utf-8")
        deadline = time.monotonic() + 20
        while NEW not in [p.text for p in current().answer("How does the rollback run?", 3).passages]:
            assert time.monotonic() < deadline, "the chat never saw the edit"
            time.sleep(0.05)
        out = io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdout", out)
            assert _chat(current, channel_settings, io.StringIO("How does the rollback run?\n")) == 0
        assert "make undo" in out.getvalue()


# -- shutdown -------------------------------------------------------------------------------------------


@pytest.fixture
def gate() -> threading.Event:
    return threading.Event()


@pytest.fixture
def engine(gate: threading.Event) -> FakeEngine:
    """An engine whose answers wait for the test to open the gate."""

    def respond(question: str, top_k: int) -> Answer:
        assert gate.wait(10), "the gate was never opened"
        return Answer(question, True, (passage(),))

    return FakeEngine(respond)


async def test_sigterm_answers_what_is_in_flight_tells_new_ones_to_wait_and_closes(
    online: Online, engine: FakeEngine, gate: threading.Event
) -> None:
    bot = online.bot
    lifecycle.on_signals(bot)
    for question in ("First?", "Second?"):
        await online.fake.dispatch("MESSAGE_CREATE", dm_message(question))
    await until(lambda: len(engine.calls) == 2)  # both in a worker, waiting at the gate
    signal.raise_signal(signal.SIGTERM)
    await until(lambda: bot.closing)
    late = await send_dm(online, "Third?")
    await online.fake.wait_until(lambda: len(replies(online)) == 1)
    assert "restarting" in replies(online)[0]["content"] and late
    gate.set()
    await until(lambda: bot.is_closed())
    answered = [r for r in replies(online) if r.get("embeds")]
    assert len(answered) == 2 and len(engine.calls) == 2  # each in-flight question answered; the third never asked
    asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
    asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)


async def test_a_second_signal_exits_at_once(online: Online, monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[int] = []
    monkeypatch.setattr(lifecycle.os, "_exit", exits.append)
    lifecycle.on_signals(online.bot)
    online.bot.closing = True  # a shutdown is under way
    signal.raise_signal(signal.SIGINT)
    await until(lambda: exits == [1])
    loop = asyncio.get_running_loop()
    loop.remove_signal_handler(signal.SIGTERM)
    loop.remove_signal_handler(signal.SIGINT)
    online.bot.closing = False


def dm_message(content: str) -> dict[str, Any]:
    """Return a DM to the bot as the gateway sends it."""
    return message_json(str(next(_ids)), DM, user_json(ASKER, "asker"), {"content": content})


async def send_dm(online: Online, content: str) -> bool:
    """Send a DM without waiting for its answer."""
    await online.fake.dispatch("MESSAGE_CREATE", dm_message(content))
    return True


def replies(online: Online) -> list[dict[str, Any]]:
    """Return the messages the bot sent in the DM channel."""
    return [r.body for r in online.fake.sent("POST", rf"/channels/{DM}/messages")]



async def test_a_handler_already_running_is_answered_even_if_it_reaches_the_engine_after_the_signal(
    online: Online, engine: FakeEngine, gate: threading.Event
) -> None:
    gate.set()
    bot, go = online.bot, asyncio.Event()

    async def handler() -> Answer:  # a question being handled (e.g. adding its 👀) when the signal comes
        await go.wait()
        return await bot.answer("Before the signal?", per_page=3, via="test")

    running = asyncio.get_running_loop().create_task(handler(), name="discord.py: on_message")
    await asyncio.sleep(0)
    stopping = asyncio.create_task(lifecycle.shutdown(bot, grace=5))
    await until(lambda: bot.closing)
    with pytest.raises(lifecycle.ShuttingDownError):  # one asked after the signal is told to come back
        await bot.answer("After the signal?", per_page=3, via="test")
    go.set()
    assert (await running).answered
    await stopping
    assert bot.is_closed() and [q for q, _ in engine.calls] == ["Before the signal?"]


async def test_after_quotebot_toml_changes_the_folders_it_names_are_watched(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    config = tmp_path / "quotebot.toml"
    config.write_text('[collections.a]\npath = "a"\n', encoding="utf-8")
    current = [load_collections(config, tmp_path)]
    changes = watch_changes(lambda: current[0], debounce=0.1, poll=False)
    first = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0.3)  # watching
    config.write_text('[collections.a]\npath = "a"\n\n[collections.b]\npath = "b"\n', encoding="utf-8")
    assert await asyncio.wait_for(first, 10) is None  # the config changed: rebuild everything
    current[0] = load_collections(config, tmp_path)  # what the rebuild swapped in
    second = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0.3)
    (tmp_path / "b" / "new.txt").write_text("A new document.\n", encoding="utf-8")
    assert await asyncio.wait_for(second, 10) == {"b"}  # b's folder is watched now
    await changes.aclose()
