"""Updates without rebuilds, as the bot makes them: a message edit or a file saved is applied to the index in place
(answering at once), then written to disk as a build of its own after `QuoteBot.save_delay`.

Through discord.py's real client and the fake Discord server; the index is real (FAISS, BM25, the chunker), the
embedding model the fake one. Writing is held back by a gate, so the in-place version is seen for sure.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from quotebot.bot.ops.settings import Settings
from quotebot.bot.ops.watch import WatchedEngine
from quotebot.index import Library, check_library
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.test_discord_channels import (
    FAQ,
    ROLLBACK,
    FakeModelLoader,
    Start,
    ask,
    channel_settings,
    discord_server,
    start,
)
from tests.bot.test_discord_faults import Online
from tests.bot.test_lifecycle import NEW, OLD, quoted, until
from tests.bot.test_lifecycle import channel_settings as folder_settings  # noqa: F401 (a fixture, used by name)
from tests.fakes import FakeEmbedder

FIXTURES = (start, discord_server, channel_settings)  # used by name below


def _gated(online: Online) -> threading.Event:
    """Hold the bot's writing of updated indexes until the returned event is set; write soon after it is."""
    gate = threading.Event()
    loader = online.bot.loader
    write = loader.save

    def held(engine: Any) -> Any:
        assert gate.wait(20), "the test never let the index be written"
        return write(engine)

    loader.save = held  # type: ignore[method-assign]
    online.bot.save_delay = 0.01  # (over 0: settled() does not wait for the writing)
    return gate


def _on_disk(online: Online, settings: Settings) -> dict[str, str | None]:
    """Say, per collection, why the index on disk does not match its sources now (None: it does)."""
    return check_library(online.bot.config.collections, settings.index_dir, model=FakeEmbedder.name)


def _versions(online: Online) -> list[Any]:
    engine = online.bot.engine
    assert isinstance(engine, Library)
    return [e.stored.live for e in engine.engines.values()]


async def test_a_message_edit_is_applied_in_place_then_written_as_a_build(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings
) -> None:
    for n in range(20):
        discord_server.post(FAQ, f"Floor {n} of the annex has {n + 2} meeting rooms and a kitchen.")
    created = discord_server.post(FAQ, ROLLBACK)
    online = await start()
    gate = _gated(online)
    built = online.bot.engine.engines["faq"].stored.folder  # type: ignore[attr-defined]

    edited = {**created, "content": "The rollback runs with make undo and takes ten minutes."}
    discord_server.history[FAQ][int(created["id"])] = edited
    await online.deliver("MESSAGE_UPDATE", edited, "raw_message_edit")
    reply = await ask(online, "How does the rollback run?")

    assert "make undo" in reply and "make rollback" not in reply
    assert _versions(online)[0] is not None  # answered by the version updated in place...
    assert online.bot.engine.engines["faq"].stored.folder == built  # type: ignore[attr-defined]
    assert _on_disk(online, channel_settings)["faq"] is not None  # ...not yet written
    gate.set()
    await until(lambda: _versions(online)[0] is None)  # the engine over the written build is swapped in
    assert _on_disk(online, channel_settings)["faq"] is None
    reply = await ask(online, "How does the rollback run?")
    assert "make undo" in reply and "make rollback" not in reply

    deleted = {"id": created["id"], "channel_id": str(FAQ), "guild_id": str(GUILD)}
    del discord_server.history[FAQ][int(created["id"])]
    await online.deliver("MESSAGE_DELETE", deleted, "raw_message_delete")
    assert "make undo" not in await ask(online, "How does the rollback run?")


async def test_a_saved_file_is_applied_in_place_then_written_as_a_build(
    start: Start,
    folder_settings: Settings,  # noqa: F811 (the fixture imported above)
) -> None:
    online = await start(folder_settings)
    gate = _gated(online)
    assert OLD in quoted(online.bot)

    (folder_settings.corpus_dir / "rollback.md").write_text(f"# Rollbacks\n\n{NEW}\n", encoding="utf-8")
    await until(lambda: NEW in quoted(online.bot))

    assert OLD not in quoted(online.bot)
    assert _versions(online)[0] is not None
    gate.set()
    await until(lambda: _versions(online)[0] is None)
    assert _on_disk(online, folder_settings) == {"default": None}


def test_chat_applies_a_saved_file_in_place_and_writes_it(folder_settings: Settings) -> None:  # noqa: F811
    loader = FakeModelLoader(folder_settings)
    with WatchedEngine(loader, loader.open(), folder_settings) as current:
        first = current()
        time.sleep(0.3)  # the watcher is watching
        (folder_settings.corpus_dir / "rollback.md").write_text(f"# Rollbacks\n\n{NEW}\n", encoding="utf-8")
        deadline = time.monotonic() + 20
        while current() is first or current().engines["default"].stored.live is not None:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, "the chat never wrote the edit"
            time.sleep(0.05)
        assert [p.text for p in current().answer("How does the rollback run?", 3).passages] == [NEW]
    on_disk = check_library(loader.config().collections, folder_settings.index_dir, model=FakeEmbedder.name)
    assert on_disk == {"default": None}
    assert not list(Path(folder_settings.index_dir).rglob(".tmp-*"))
