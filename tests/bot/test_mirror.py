"""The on-disk mirror of Discord channels (bot/sources/mirror.py) and the pure parts of LiveSources (bot/sources/live.py).

Messages are discord.py's real `Message` objects, built from the payloads the fake Discord server sends.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import discord
import pytest

from quotebot.bot.sources.live import LiveSources, stored_message
from quotebot.bot.sources.mirror import Mirror, Stored
from quotebot.index import jump_link, load_collections
from quotebot.index.ingest.extract.discord import extract_discord_export
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import user_json
from tests.bot.test_discord_channels import FAQ, write_config

ME = 1000  # the bot's own user id
WHEN = "2024-03-02T12:00:00+00:00"


def stored(message_id: int, content: str = "The rollback runs with make rollback.", **kw: Any) -> Stored:
    return Stored(message_id, content, WHEN, 2000, **kw)


@pytest.fixture
def mirror(tmp_path: Path) -> Mirror:
    mirror = Mirror(tmp_path / "discord" / "faq")
    mirror.load()
    mirror.channel(GUILD, FAQ, "faq")
    return mirror


# -- Mirror ------------------------------------------------------------------------------------------------


def test_put_returns_the_link_to_hide_only_when_an_indexed_wording_changes(mirror: Mirror) -> None:
    link = jump_link(GUILD, FAQ, 5)
    assert mirror.put(FAQ, stored(5)) == []  # new: nothing was indexed before
    version = mirror.version
    assert mirror.put(FAQ, stored(5)) == [] and mirror.version == version  # the same: no change at all
    assert mirror.put(FAQ, stored(5, pinned=True)) == [] and mirror.version > version  # same words: nothing to hide
    assert mirror.put(FAQ, stored(5, "The rollback runs with make undo.", edited=WHEN)) == [link]
    assert mirror.files[FAQ].messages[5].content == "The rollback runs with make undo."
    assert mirror.files[FAQ].after == 5  # the resume point follows the newest message


def test_remove_drop_and_keep_only_return_the_links_to_hide(mirror: Mirror) -> None:
    for i in (5, 6, 7):
        mirror.put(FAQ, stored(i))
    version = mirror.version
    assert mirror.remove(FAQ, [5, 99]) == [jump_link(GUILD, FAQ, 5), jump_link(GUILD, FAQ, 99)]  # 99 never kept
    assert sorted(mirror.files[FAQ].messages) == [6, 7] and mirror.version > version
    version = mirror.version
    assert mirror.remove(FAQ, [99]) == [jump_link(GUILD, FAQ, 99)] and mirror.version == version  # nothing removed
    assert mirror.remove(12345, [1]) == []  # a channel it does not hold

    assert mirror.keep_only(FAQ, {7}) == [jump_link(GUILD, FAQ, 6)]
    assert sorted(mirror.files[FAQ].messages) == [7]
    assert mirror.keep_only(12345, {1}) == []

    assert mirror.drop(FAQ) == [jump_link(GUILD, FAQ, 7)]
    assert FAQ not in mirror.files and mirror.drop(FAQ) == []


def test_read_up_to_moves_the_resume_point_forward_only(mirror: Mirror) -> None:
    mirror.read_up_to(FAQ, 50)
    mirror.read_up_to(FAQ, 40)
    assert mirror.files[FAQ].after == 50


def test_flush_writes_an_export_removes_emptied_and_dropped_files_and_keeps_the_state_beside(
    mirror: Mirror, tmp_path: Path
) -> None:
    mirror.put(FAQ, stored(6, "Second."))
    mirror.put(FAQ, stored(5, "First.", reply=True))
    thread = 30
    mirror.channel(GUILD, thread, "faq › Deploys")
    mirror.put(thread, stored(8, "In the thread."))
    version = mirror.flush()
    assert version == mirror.version and not mirror.dirty
    folder = tmp_path / "discord" / "faq"
    assert mirror.state_file == tmp_path / "discord" / "faq.state.json"  # beside the indexed folder, not in it
    assert sorted(p.name for p in folder.iterdir()) == [f"{FAQ}.json", f"{thread}.json"]
    export = json.loads((folder / f"{FAQ}.json").read_text(encoding="utf-8"))
    assert [m["content"] for m in export["messages"]] == ["First.", "Second."]  # oldest first
    assert export["messages"][0]["type"] == "Reply" and export["messages"][0]["author"] == {
        "id": "2000",
        "name": "",
        "isBot": False,
    }
    extracted = extract_discord_export((folder / f"{FAQ}.json").read_bytes())  # what the index reads
    assert [a.url for a in extracted.anchors] == [jump_link(GUILD, FAQ, 5), jump_link(GUILD, FAQ, 6)]
    assert extracted.title == "#faq"

    mirror.remove(FAQ, [5, 6])  # emptied: no document left
    mirror.drop(thread)  # deleted
    mirror.flush()
    assert list(folder.iterdir()) == []
    state = json.loads(mirror.state_file.read_text(encoding="utf-8"))
    assert state == {str(FAQ): {"guild": str(GUILD), "name": "faq", "after": "6", "synced": None, "parent": None}}


def test_flush_writes_each_file_beside_the_folder_then_renames_it(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replaced: list[tuple[Path, Path]] = []
    rename = os.replace

    def recording(source: str, target: Path) -> None:
        replaced.append((Path(source), Path(target)))
        assert json.loads(Path(source).read_text(encoding="utf-8"))  # whole before the swap
        rename(source, target)

    monkeypatch.setattr(os, "replace", recording)
    mirror.put(FAQ, stored(5))
    mirror.flush()
    folder = tmp_path / "discord" / "faq"
    assert [t for _, t in replaced] == [folder / f"{FAQ}.json", mirror.state_file]
    assert all(s.parent != folder for s, _ in replaced)  # a build reading the folder never sees a half file
    assert [p.name for p in (tmp_path / "discord").iterdir() if p.name.endswith(".tmp")] == []


def test_load_reads_back_what_flush_wrote(mirror: Mirror, tmp_path: Path) -> None:
    mirror.put(FAQ, stored(5, edited=WHEN, pinned=True))
    mirror.read_up_to(FAQ, 9)
    mirror.mark_synced(FAQ, WHEN)
    mirror.flush()
    again = Mirror(tmp_path / "discord" / "faq")
    again.load()
    assert again.files == mirror.files and not again.dirty


def test_a_damaged_file_is_left_out_with_a_warning(
    mirror: Mirror, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mirror.put(FAQ, stored(5))
    mirror.channel(GUILD, 30, "faq › Deploys")
    mirror.put(30, stored(8))
    mirror.flush()
    damaged = tmp_path / "discord" / "faq" / f"{FAQ}.json"
    damaged.write_text('{"messages": [{"id": ', encoding="utf-8")
    again = Mirror(tmp_path / "discord" / "faq")
    with caplog.at_level(logging.WARNING):
        again.load()
    assert list(again.files) == [30]  # its history is read again; the other channel is kept
    assert not damaged.exists()  # never indexed half-read
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert str(damaged) in warning and "read again" in warning

    mirror.state_file.write_text("not json", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        Mirror(tmp_path / "discord" / "faq").load()
    assert any("state" in r.getMessage() and "damaged" in r.getMessage() for r in caplog.records)


# -- LiveSources: hiding, and which messages are kept --------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> LiveSources:
    collections = load_collections(write_config(tmp_path), tmp_path / "corpus", tmp_path / "discord")
    return LiveSources(discord.Client(intents=discord.Intents.default()), collections, tmp_path / "discord")


def test_a_temporary_hide_is_released_only_by_a_rebuild_that_read_the_change(live: LiveSources) -> None:
    mirror, link = live.mirrors["faq"], jump_link(GUILD, FAQ, 5)
    mirror.channel(GUILD, FAQ, "faq")
    mirror.put(FAQ, stored(5))
    before = mirror.flush()  # a rebuild started here reads the old wording
    live.hide("faq", mirror.put(FAQ, stored(5, "The rollback runs with make undo.")))
    assert live.hidden() == {link}
    live.release("faq", before)
    assert live.hidden() == {link}  # that rebuild still holds the old wording
    live.release("other", mirror.version)
    assert live.hidden() == {link}  # another collection's rebuild
    live.release("faq", mirror.flush())
    assert live.hidden() == frozenset()


def message(data: dict[str, Any], client: discord.Client) -> discord.Message:
    """Build discord.py's Message from a payload of the fake server."""
    channel = discord.PartialMessageable(state=client._connection, id=FAQ, guild_id=GUILD)
    return discord.Message(state=client._connection, channel=channel, data=data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"author": user_json(4242, "deploy", bot=True)}, "a bot"),
        ({"author": user_json(ME, "quotebot")}, "the bot itself, even without the bot flag"),
        ({"webhook_id": "77"}, "a webhook"),
        ({"type": 7}, "a join notice"),
        ({"type": 6}, "a pin notice"),
        ({"author": user_json(666, "gone")}, "a member who asked to be forgotten"),
        ({"content": ""}, "no text"),
        ({"content": "  \n "}, "blank"),
        (
            {"content": "", "attachments": [{"id": "1", "filename": "a.png", "size": 1, "url": "u", "proxy_url": "p"}]},
            "an attachment only",
        ),
    ],
)
def test_messages_that_are_never_indexed(change: dict[str, Any], why: str) -> None:
    fake, client = GuildDiscord(), discord.Client(intents=discord.Intents.default())
    fake.text_channel(FAQ, "faq")
    data = {**fake.post(FAQ, "The rollback runs with make rollback."), **change}
    assert stored_message(message(data, client), ME, [666]) is None, why


def test_a_message_is_kept_with_its_id_author_edit_pin_and_reply() -> None:
    fake, client = GuildDiscord(), discord.Client(intents=discord.Intents.default())
    fake.text_channel(FAQ, "faq")
    data = fake.post(FAQ, "The rollback runs with make rollback.", pinned=True, kind=19)
    data["edited_timestamp"] = "2024-03-03T12:00:00+00:00"
    kept = stored_message(message(data, client), ME, [666])
    assert kept is not None
    assert (kept.id, kept.content, kept.author) == (int(data["id"]), data["content"], 2000)
    assert kept.pinned and kept.reply and kept.edited == "2024-03-03T12:00:00+00:00"
    assert kept.name == "" and kept.to_json()["author"]["name"] == ""  # no name kept by default
    named = stored_message(message(data, client), ME, [666], names=True)  # the collection says show_authors
    assert named is not None and named.name == "member2000" and Stored.from_json(named.to_json()) == named


def test_channels_no_longer_listed_are_dropped_with_their_threads(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path / "faq")
    for channel, parent in ((20, None), (21, None), (30, 20), (31, 21)):
        mirror.channel(GUILD, channel, f"c{channel}", parent)
        mirror.put(channel, Stored(channel * 10, "A message that counts.", "2024-03-02T12:00:00+00:00", 7))
    mirror.flush()
    again = Mirror(tmp_path / "faq")
    again.load()
    assert sorted(again.keep_listed(frozenset({20}))) == [21, 31]  # the unlisted channel and its thread
    again.flush()
    assert sorted(p.name for p in (tmp_path / "faq").glob("*.json")) == ["20.json", "30.json"]
