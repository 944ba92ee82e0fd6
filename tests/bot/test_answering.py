"""Answer channels: quotebot.toml's fixed ones, /config's kept across restarts, bad entries refused in one line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from quotebot.bot.ops.answering import AnswerChannel, AnswerChannels, from_config, with_context
from quotebot.index import ConfigError, QuotebotError


def channels(tmp_path: Path, toml: str = "") -> AnswerChannels:
    (tmp_path / "quotebot.toml").write_text(toml, encoding="utf-8")
    return AnswerChannels(from_config(tmp_path / "quotebot.toml"), tmp_path / "data")


def test_config_channels_survive_a_restart_and_the_files_are_fixed(tmp_path: Path) -> None:
    first = channels(tmp_path, '[[answer_channels]]\nchannel = "20"\nmode = "all"\nreply = "reply"\n')
    assert first.get(20) == AnswerChannel(20, "all", "reply", fixed=True)
    first.put(AnswerChannel(30, "questions", "thread", server=10))
    again = channels(tmp_path, '[[answer_channels]]\nchannel = 20\nmode = "all"\nreply = "reply"\n')
    assert again.get(30) == AnswerChannel(30, "questions", "thread", server=10)
    assert [c.channel for c in again.in_server(10, {20})] == [20, 30] and again.in_server(11, set()) == []
    with pytest.raises(QuotebotError, match=r"quotebot\.toml"):
        again.put(AnswerChannel(20, server=10))  # a server's admin cannot change what the operator fixed
    assert again.remove(30) and not again.remove(30) and again.get(30) is None


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[answer_channels]]\nchannel = 0\n", "`channel` must be a channel id"),
        ('[[answer_channels]]\nchannel = 20\nmode = "some"\n', "`mode` must be"),
        ('[[answer_channels]]\nchannel = 20\nreply = "dm"\n', "`reply` must be"),
        ("[[answer_channels]]\nchannel = 20\nchanel = 21\n", "unknown key 'chanel'"),
        ("answer_channels = 20\n", "must be a list of tables"),
    ],
)
def test_bad_answer_channels_are_one_line(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        channels(tmp_path, toml)
    assert "\n" not in str(caught.value)


def test_a_damaged_config_store_is_one_error_and_no_channel(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "answer_channels.json").write_text('[{"channel": 30, "mode": "sometimes"}]', encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        store = channels(tmp_path)
    assert not store and len(caplog.records) == 1 and "damaged" in caplog.records[0].getMessage()


def test_the_context_is_cut_at_a_word() -> None:
    searched = with_context("and when?", "word " * 100)
    assert searched.startswith("and when?\n") and len(searched) <= len("and when?\n") + 300
