"""The gaps log holds what users typed: capped, switchable off, and cleared on request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.ops.gap_groups import SIMILAR, group_gaps, question_words, similarity
from quotebot.bot.ops.gaps import REASON_LIMIT, GapLog
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
    from quotebot.bot.client.client import QuoteBot
    from quotebot.bot.ops.settings import load_settings
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


# -- /gaps: one server's records, grouped by similar question -------------------------------------------

A, B = 10, 20


def _write(log: GapLog, *records: dict[str, object]) -> None:
    """Append raw records, as an older bot or a hand edit would have left them."""
    log.path.parent.mkdir(parents=True, exist_ok=True)
    with log.path.open("a", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


def test_similar_questions_group_with_counts_newest_group_first(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    log.unanswered(Answer("What is the vault door code?", False, ()), via="slash", server=A)
    log.unanswered(Answer("How do I park my car?", False, ()), via="slash", server=A)
    log.feedback("what's the VAULT door code", -1, (), via="mention", answered=True, server=A)
    log.feedback("What is the vault door code?", 1, (), via="slash", answered=True, server=A)  # 👍: not a gap
    log.unanswered(Answer("Where do visitors park?", False, ()), via="slash", server=A)
    groups = group_gaps(log.records(), server=A)
    assert [(g.question, g.count, g.unanswered, g.down) for g in groups] == [
        ("Where do visitors park?", 1, 1, 0),
        ("what's the VAULT door code", 2, 1, 1),  # the newest wording stands for the group
        ("How do I park my car?", 1, 1, 0),
    ]
    assert question_words("What's the VAULT door-code?!") == {"what", "s", "the", "vault", "door", "code"}
    assert similarity(question_words("How do I park my car?"), question_words("Where do visitors park?")) < SIMILAR


def test_gaps_of_one_server_never_show_another_servers_a_dms_or_the_clis(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    log.unanswered(Answer("Ours?", False, ()), via="slash", server=A)
    log.unanswered(Answer("Theirs?", False, ()), via="slash", server=B)
    log.unanswered(Answer("In a DM?", False, ()), via="dm", server=0)
    log.unanswered(Answer("From the terminal?", False, ()), via="cli")
    theirs = log.feedback("Their vote?", -1, (), via="slash", answered=True, server=B)
    log.reason(theirs, "their reason", server=B)
    _write(log, {"kind": "unanswered", "question": "Older than servers?", "via": "slash", "time": "2099-01-01"})
    _write(log, {"kind": "unanswered", "question": "Sneaky?", "server": True, "time": "2099-01-01"})  # not an id
    assert [g.question for g in group_gaps(log.records(), server=A)] == ["Ours?"]
    assert [g.question for g in group_gaps(log.records(), server=B)] == ["Their vote?", "Theirs?"]
    assert group_gaps(log.records(), server=B)[0].reasons == ["their reason"]
    assert group_gaps(log.records(), server=0) == []  # a DM's records belong to no server's admins
    assert group_gaps(log.records(), server=1) == []  # True is not server 1


def test_a_reason_joins_its_own_vote_only_and_keeps_no_user(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    first = log.feedback("Backdoors?", -1, (), via="slash", answered=True, server=A)
    second = log.feedback("backdoors", -1, (), via="slash", answered=True, server=A)
    assert first != second
    assert log.reason(first, "  quotes the\nwrong policy ") is True  # no server given: written with none
    assert log.reason(second, "   ", server=A) is False  # blank: nothing kept
    assert log.reason(second, "x" * 500, server=A) is True
    assert log.reason(first, "right vote, wrong server", server=B) is True
    records = list(log.records())
    assert [r["kind"] for r in records] == ["feedback", "feedback", "reason", "reason", "reason"]
    assert records[2]["reason"] == "quotes the wrong policy" and len(records[3]["reason"]) == REASON_LIMIT
    assert all(not any("user" in key or "author" in key for key in r) for r in records)
    [group] = group_gaps(records, server=A)
    assert (group.down, group.reasons) == (2, ["x" * REASON_LIMIT])  # the others carry no server or another one


def test_old_and_damaged_records_are_tolerated(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    now = datetime.now(UTC)
    _write(
        log,
        {"kind": "unanswered", "question": "Too old?", "server": A, "time": (now - timedelta(days=40)).isoformat()},
        {"kind": "unanswered", "question": "No time?", "server": A},
        {"kind": "unanswered", "question": "Bad time?", "server": A, "time": "yesterday"},
        {"kind": "feedback", "question": "No vote?", "server": A, "time": now.isoformat()},
        {"kind": "feedback", "question": "Vote as text?", "vote": "-1", "server": A, "time": now.isoformat()},
        {"kind": "reason", "feedback": None, "reason": 3, "server": A},
        {"kind": "feedback", "question": "No id?", "vote": -1, "server": A, "time": now.isoformat()},
        {"kind": "unanswered", "server": A, "time": now.isoformat()},
    )
    since = now - timedelta(days=30)
    assert [g.question for g in group_gaps(log.records(), server=A, since=since)] == ["", "No id?"]
    everything = [g.question for g in group_gaps(log.records(), server=A)]
    assert everything == ["", "No id?", "Bad time?", "No time?", "Too old?"]


def test_the_cli_shows_each_records_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    log.unanswered(Answer("In a server?", False, ()), via="slash", server=A)
    vote = log.feedback("In a DM?", -1, (), via="dm", answered=False, server=0)
    log.reason(vote, "wrong document", server=0)
    log.unanswered(Answer("From the terminal?", False, ()), via="cli")
    _write(log, {"kind": "unanswered", "question": "Older?", "via": "slash"})
    assert main(["gaps", "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("“In a server?” (via slash)  [server 10]")
    assert "👎 feedback" in lines[1] and lines[1].endswith("[DM]")
    assert "👎 reason" in lines[2] and "“wrong document”" in lines[2] and vote in lines[2] and lines[2].endswith("[DM]")
    assert lines[3].endswith("(via cli)") and lines[4].endswith("“Older?” (via slash)")
