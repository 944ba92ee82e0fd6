"""The gaps log holds what users typed: capped, switchable off, and cleared on request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.bot.cli import main
from quotebot.bot.gaps import GapLog
from quotebot.index import Answer


def _ask(log: GapLog, number: int) -> None:
    log.unanswered(Answer(f"Question number {number:04d} about something the corpus lacks?", False, ()), via="slash")


def test_the_log_stays_under_its_cap_and_keeps_the_newest(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl", max_bytes=4096)
    for number in range(500):
        _ask(log, number)
        assert log.path.stat().st_size <= 4096
    questions = [r["question"] for r in log.records()]
    assert questions[-1].startswith("Question number 0499") and len(questions) < 500
    numbers = [int(q.split()[2]) for q in questions]
    assert numbers == list(range(numbers[0], 500))  # a contiguous run of the newest, nothing torn


def test_a_switched_off_log_writes_nothing(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl", enabled=False)
    _ask(log, 1)
    log.feedback("Backdoors?", 1, (), via="slash", answered=True)
    assert not log.path.exists()


def test_gaps_clear_empties_the_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    for number in range(3):
        _ask(log, number)
    assert main(["gaps", "--data", str(tmp_path), "--clear"]) == 0
    assert capsys.readouterr().out.strip() == f"cleared 3 records from {log.path}"
    assert not log.path.exists() and list(log.records()) == []
    assert main(["gaps", "--data", str(tmp_path), "--clear"]) == 0  # clearing an empty log is fine
    assert "cleared 0 records" in capsys.readouterr().out


def test_the_bot_logs_nothing_when_the_setting_is_off(tmp_path: Path) -> None:
    from quotebot.bot.client import QuoteBot
    from quotebot.bot.settings import load_settings
    from tests.bot.discord_fakes import FakeEngine, FakeLoader

    settings = load_settings(data_dir=tmp_path, gaps_log=False, gaps_max_mb=1.5)
    bot = QuoteBot(settings, loader=FakeLoader(), engine=FakeEngine(), sync_commands=False)
    assert (bot.gaps.enabled, bot.gaps.max_bytes) == (False, int(1.5 * 2**20))
    bot.gaps.unanswered(Answer("Anything?", False, ()), via="slash")
    assert not (tmp_path / "gaps.jsonl").exists()


def test_gaps_never_prints_terminal_escapes_from_questions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    typed = "Where\x1b]0;pwned\x07 is \x1b[2Jthe\x9b31m vault?\u202e"
    log.unanswered(Answer(typed, False, ()), via="slash")
    log.feedback(typed, -1, (), via="slash", answered=False)
    with log.path.open("a", encoding="utf-8") as old:  # a record written before questions were cleaned
        old.write(json.dumps({"kind": "unanswered", "question": typed, "via": "x\x1b[8m"}) + "\n")
    assert all(record["question"] == "Where]0;pwned is [2Jthe31m vault?" for record in list(log.records())[:2])
    for flags in ([], ["--json"]):
        assert main(["gaps", "--data", str(tmp_path), *flags]) == 0
        out = capsys.readouterr().out
        assert len(out.splitlines()) == 3 and out.replace("\n", "").isprintable()
