"""The gaps log keeps the channel of every record holding a member's words, keeps no text from a private thread,
and forgets a deleted message's words (bot/ops/gaps.py): /gaps then shows a record only to who can see its channel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.intake.places import Place
from quotebot.bot.ops.gap_groups import group_gaps
from quotebot.bot.ops.gaps import GapLog, channel_of
from quotebot.index import Answer

SERVER, OPEN, SECRET, THREAD = 10, 20, 30, 40
SAID = "Where is the board's merger memo?"


def log_at(tmp_path: Path) -> GapLog:
    return GapLog(tmp_path / "gaps.jsonl")


def test_each_record_keeps_its_channel_and_a_threads_parent(tmp_path: Path) -> None:
    log = log_at(tmp_path)
    log.unanswered(Answer(SAID, False, ()), via="slash", place=Place(SERVER, THREAD, SECRET))
    vote = log.feedback(SAID, -1, (), via="slash", answered=True, place=Place(SERVER, OPEN), source=77)
    assert log.reason(vote, "wrong memo", place=Place(SERVER, OPEN)) is True
    log.unanswered(Answer("In a DM?", False, ()), via="dm", place=Place(None, 3000))
    log.unanswered(Answer("On a terminal?", False, ()), via="cli")
    unanswered, feedback, reason, dm, cli = log.records()
    assert (unanswered["server"], unanswered["channel"], unanswered["parent"]) == (SERVER, THREAD, SECRET)
    assert (feedback["channel"], feedback["source"], reason["channel"]) == (OPEN, 77, OPEN)
    assert (dm["server"], dm["channel"]) == (0, 3000)  # a DM: server 0
    assert cli["server"] is None and "channel" not in cli  # the command line: nowhere
    assert [channel_of(r) for r in (unanswered, feedback, cli)] == [(THREAD, SECRET), (OPEN, None), None]


def test_a_private_threads_question_and_reason_are_not_kept_as_text(tmp_path: Path) -> None:
    log = log_at(tmp_path)
    private = Place(SERVER, THREAD, OPEN, private=True)
    log.unanswered(Answer(SAID, False, ()), via="mention", place=private)
    vote = log.feedback(SAID, -1, (), via="slash", answered=True, place=private)
    assert log.reason(vote, "it was about the merger", place=private) is False
    text = log.path.read_text(encoding="utf-8")
    assert "merger" not in text
    assert [(r["kind"], r.get("private")) for r in log.records()] == [("unanswered", True), ("feedback", True)]
    assert group_gaps(log.records(), server=SERVER, channels={THREAD, OPEN}) == []  # nothing to show


@pytest.mark.parametrize(
    ("channels", "shown"),
    [
        (set(), []),
        ({OPEN}, ["Open?"]),
        ({OPEN, SECRET}, ["Secret?", "Open?"]),
        (None, ["Secret?", "Open?", "Older?"]),  # no channel checked: the command line's view of one server
    ],
)
def test_gaps_shows_only_records_of_the_channels_given(
    tmp_path: Path, channels: set[int] | None, shown: list[str]
) -> None:
    log = log_at(tmp_path)
    log.unanswered(Answer("Older?", False, ()), via="slash", server=SERVER)  # the old keyword: no channel
    log.unanswered(Answer("Open?", False, ()), via="slash", place=Place(SERVER, OPEN))
    log.unanswered(Answer("Secret?", False, ()), via="slash", place=Place(SERVER, SECRET))
    assert [g.question for g in group_gaps(log.records(), server=SERVER, channels=channels)] == shown


def test_a_deleted_messages_records_and_their_reasons_are_purged_from_the_file(tmp_path: Path) -> None:
    log = log_at(tmp_path)
    log.unanswered(Answer(SAID, False, ()), via="answer-channel", place=Place(SERVER, OPEN), source=501)
    vote = log.feedback(SAID, -1, (), via="answer-channel", answered=True, place=Place(SERVER, OPEN), source=501)
    log.reason(vote, "the memo is elsewhere", place=Place(SERVER, OPEN))
    log.unanswered(Answer("Kept?", False, ()), via="slash", place=Place(SERVER, OPEN), source=502)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
    assert log.holds([501]) and not log.holds([999])
    assert log.purge_source([999]) == 0  # unknown: the file is not rewritten
    assert log.purge_source([501, 999]) == 3
    text = log.path.read_text(encoding="utf-8")
    assert "merger" not in text and "memo" not in text
    assert [r["question"] for r in log.records()] == ["Kept?"] and "not json" in text  # the rest, as it was
    assert not log.holds([501]) and log.purge_source([501]) == 0
    log.unanswered(Answer("Again?", False, ()), via="answer-channel", place=Place(SERVER, OPEN), source=503)
    assert log.holds([503]) and log.purge_source([503]) == 1  # written after the ids were read: known too


def test_the_command_line_still_lists_every_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = log_at(tmp_path)
    log.unanswered(Answer("Open?", False, ()), via="slash", place=Place(SERVER, OPEN))
    log.unanswered(Answer(SAID, False, ()), via="slash", place=Place(SERVER, THREAD, OPEN, private=True))
    log.unanswered(Answer("Older?", False, ()), via="slash", server=SERVER)
    assert main(["gaps", "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].endswith("“Open?” (via slash)  [server 10, channel 20]")
    assert "private thread" in lines[1] and lines[2].endswith("“Older?” (via slash)  [server 10]")
    assert main(["gaps", "--data", str(tmp_path), "--json"]) == 0
    assert [json.loads(line).get("channel") for line in capsys.readouterr().out.splitlines()] == [OPEN, THREAD, None]
