"""LiveSources (bot/sources/live.py) without the gateway: what it keeps hidden, and for how long, stays bounded."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from quotebot.bot.sources.live import LiveSources
from quotebot.bot.sources.mirror import Mirror, Stored
from quotebot.index import jump_link, load_collections
from tests.bot.discord_guild import GUILD
from tests.bot.test_discord_channels import FAQ, write_config

WHEN = "2024-03-02T12:00:00+00:00"


@pytest.fixture
def live(tmp_path: Path) -> LiveSources:
    collections = load_collections(write_config(tmp_path), tmp_path / "corpus", tmp_path / "discord")
    return LiveSources(discord.Client(intents=discord.Intents.default()), collections, tmp_path / "discord")


def test_deletes_elsewhere_are_not_kept_and_listed_ones_only_until_the_rebuild_without_them(live: LiveSources) -> None:
    for i in range(100_000):  # unlisted channels of this server and of another one
        assert live.on_delete(GUILD if i % 2 else 99, 5000 + i % 1000, [i]) is None
    assert live.hidden() == frozenset() and live.withheld.pending == {}

    mirror = live.mirrors["faq"]
    mirror.channel(GUILD, FAQ, "faq")
    for i in (5, 6, 7):
        mirror.put(FAQ, Stored(i, f"Message {i} about the rollback.", WHEN, 2000))
    indexed = mirror.flush()  # the index answering now was built from this
    assert live.on_delete(GUILD, FAQ, [5, 6, 99]) == "faq"  # 99 was never mirrored: nothing to hide
    hidden = live.hidden()
    assert hidden == {jump_link(GUILD, FAQ, 5), jump_link(GUILD, FAQ, 6)}
    assert live.hidden() is hidden  # the same set for every message until it changes: no copy each time
    live.release("faq", indexed)  # a rebuild that read the mirror before the delete still holds them
    assert live.hidden() == hidden
    live.release("faq", mirror.flush())  # the rebuild that read the mirror without them
    assert live.hidden() == frozenset() and live.withheld.pending == {}
    assert sorted(mirror.files[FAQ].messages) == [7]


def test_a_removed_collections_mirror_is_never_written_again(live: LiveSources, tmp_path: Path) -> None:
    mirror = live.mirrors["faq"]
    mirror.channel(GUILD, FAQ, "faq")
    mirror.put(FAQ, Stored(5, "The rollback runs with make rollback.", WHEN, 2000))
    mirror.flush()
    empty = load_collections(_folder_only(tmp_path), tmp_path / "corpus", tmp_path / "discord")
    assert live.apply(empty) == set() and not live
    mirror.flush()  # a rebuild still running holds the old Mirror: its flush must not bring the files back
    assert list((tmp_path / "discord").iterdir()) == []


def _folder_only(root: Path) -> Path:
    """Write a quotebot.toml without Discord channels; return its path."""
    (root / "docs").mkdir(exist_ok=True)
    config = root / "folder.toml"
    config.write_text('[collections.docs]\npath = "docs"\n', encoding="utf-8")
    return config


def test_a_sync_that_found_nothing_new_changes_nothing_to_re_index(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path / "faq")
    mirror.channel(GUILD, FAQ, "faq")
    mirror.put(FAQ, Stored(5, "The rollback runs with make rollback.", WHEN, 2000))
    version = mirror.flush()
    mirror.read_up_to(FAQ, 9)  # a bot's message read, never kept
    mirror.mark_synced(FAQ, WHEN)
    assert mirror.version == version and mirror.dirty  # no rebuild after each READY: only the state is written
    mirror.flush()
    again = Mirror(tmp_path / "faq")
    again.load()
    assert (again.files[FAQ].after, again.files[FAQ].synced) == (9, WHEN)
