"""The command line over a Discord-sourced collection: it quotes the bot's mirror, with each message's jump link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.sources.mirror import Mirror, Stored

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("shared_export")]

ROLLBACK = "The rollback runs with make rollback and takes ten minutes."
ONCALL = "The on-call rotation changes every Monday at noon."


def project(root: Path, messages: list[str]) -> list[str]:
    """Write quotebot.toml listing channel 20 and, as the bot would, a mirror of `messages`; return flags."""
    (root / "quotebot.toml").write_text("[collections.faq]\ndiscord_channels = [20]\n", encoding="utf-8")
    mirror = Mirror(root / "data" / "discord" / "faq")
    mirror.load()
    mirror.channel(10, 20, "faq")
    for i, text in enumerate(messages, start=1):
        mirror.put(20, Stored(1000 + i, text, f"2024-03-0{i}T12:00:00+00:00", author=7))
    mirror.flush()
    return ["--config", str(root / "quotebot.toml"), "--index", str(root / "index"), "--quiet"]


def test_ask_json_quotes_a_mirrored_channel_with_jump_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUOTEBOT_DATA_DIR", str(tmp_path / "data"))
    flags = project(tmp_path, [ONCALL, ROLLBACK])
    assert main(["ask", "How does the rollback run?", "--json", *flags]) == 0
    answer = json.loads(capsys.readouterr().out)
    best = answer["passages"][0]
    assert best["text"] == ROLLBACK and best["url"] == "https://discord.com/channels/10/20/1002"
    assert best["title"] == "#faq" and best["date"] == "2024-03-02"


def test_a_channel_collection_with_nothing_read_yet_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUOTEBOT_DATA_DIR", str(tmp_path / "data"))
    flags = project(tmp_path, [])
    assert main(["ask", "How does the rollback run?", *flags]) != 0
    [error] = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert "no message to quote yet" in error and error.startswith("quotebot: error:")
