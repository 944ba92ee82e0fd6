"""Collections of Discord channels in quotebot.toml: where they are mirrored, who sees them, bad keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index import ConfigError
from quotebot.index.collections import CONFIG_FILE, MIRROR_FOLDER, load_collections


def load(tmp_path: Path, body: str, mirror_root: Path | None = None):  # type: ignore[no-untyped-def]
    config = tmp_path / CONFIG_FILE
    config.write_text(body, encoding="utf-8")
    return load_collections(config, tmp_path / "corpus", mirror_root)


def test_a_channel_collection_is_mirrored_and_private_to_its_channels_and_threads(tmp_path: Path) -> None:
    collections = load(tmp_path, '[collections.faq]\ndiscord_channels = [20, "21"]\nforum_tags = ["Solved "]\n')
    [faq] = collections.items
    assert faq.live and faq.discord_channels == {20, 21} and faq.forum_tags == {"solved"} and not faq.pins_only
    assert faq.corpus_dir == (tmp_path / MIRROR_FOLDER / "faq").resolve()
    assert faq.visible_in(10, 20) and faq.visible_in(10, 999, parent=21)  # a channel, a thread of the other
    assert not faq.visible_in(10, 22)  # another channel of the same server
    assert not faq.visible_in(None, 20)  # never in a DM, even one whose id were listed


def test_servers_and_channels_widen_a_channel_collection_and_the_mirror_root_is_the_bots(tmp_path: Path) -> None:
    body = "[collections.faq]\ndiscord_channels = [20]\nchannels = [30]\nservers = [10]\npins_only = true\n"
    [faq] = load(tmp_path, body, tmp_path / "data" / "discord").items
    assert faq.pins_only and faq.visible_in(10, 77) and faq.visible_in(11, 30) and not faq.visible_in(None, 30)
    assert faq.corpus_dir == (tmp_path / "data" / "discord" / "faq").resolve()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('path = "corpus"\ndiscord_channels = [20]\n', "not both"),
        ("discord_channels = []\n", "is empty"),
        ("discord_channels = [0]\n", "not a Discord id"),
        ('discord_channels = ["general"]\n', "not a Discord id"),
        ('discord_channels = [20]\npins_only = "yes"\n', "`pins_only` must be true or false"),
        ("discord_channels = [20]\nforum_tags = [1]\n", "`forum_tags` must be a list of tag names"),
        ('path = "corpus"\npins_only = true\n', "needs `discord_channels"),
    ],
)
def test_bad_discord_keys_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "corpus").mkdir()
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "[collections.faq]\n" + body)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_with_only_answer_channels_keeps_the_default_collection(tmp_path: Path) -> None:
    collections = load(tmp_path, "[[answer_channels]]\nchannel = 20\n")
    assert collections.names() == ["default"] and collections.items[0].corpus_dir == (tmp_path / "corpus").resolve()


def test_a_channel_listed_by_two_collections_is_refused_in_one_line(tmp_path: Path) -> None:
    body = "[collections.faq]\ndiscord_channels = [20]\n\n[collections.pinned]\ndiscord_channels = [21, 20]\npins_only = true\n"
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, body)
    message = str(refused.value)
    assert "both list channel 20" in message and "channels" in message and "\n" not in message
