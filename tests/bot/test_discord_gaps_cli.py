"""The gaps log and the CLI around the bot: `quotebot gaps`, `quotebot serve` and `ask --format discord`."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import discord
import pytest

from quotebot.bot.cli import serve as bot_serve
from quotebot.bot.cli.program import main
from quotebot.bot.client import client as bot_client
from quotebot.bot.intake.limits import RateLimiter, check_question
from quotebot.bot.ops.gaps import GapLog, format_gap
from quotebot.index import Answer, QuestionError
from tests.bot.discord_fakes import fragments, numbered_passages


def test_gap_log_appends_and_reads_back(tmp_path: Path) -> None:
    log = GapLog(tmp_path / "data" / "gaps.jsonl")
    log.unanswered(Answer("Who won in 1998?", False, numbered_passages(1)), via="slash")
    log.feedback("Backdoors?", -1, numbered_passages(2), via="mention", answered=True)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
    records = list(log.records())
    assert [r["kind"] for r in records] == ["unanswered", "feedback"]
    assert records[1]["passages"] == [
        {"doc_id": "statement.txt", "paragraph": 1, "score": 0.95},
        {"doc_id": "statement.txt", "paragraph": 2, "score": 0.9},
    ]
    assert "unanswered" in format_gap(records[0]) and "“Who won in 1998?” (via slash)" in format_gap(records[0])
    assert "👎 feedback" in format_gap(records[1]) and "statement.txt ¶ 1, statement.txt ¶ 2" in format_gap(records[1])


def test_gaps_command_prints_lines_or_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = GapLog(tmp_path / "gaps.jsonl")
    log.unanswered(Answer("Who won in 1998?", False, ()), via="dm")
    log.feedback("Backdoors?", 1, numbered_passages(1), via="slash", answered=True)
    assert main(["gaps", "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "Who won in 1998?" in lines[0] and "👍 feedback" in lines[1]
    assert main(["gaps", "--data", str(tmp_path), "--json"]) == 0
    assert [json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()] == ["unanswered", "feedback"]


def test_gaps_command_on_an_empty_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--data", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no unanswered questions or feedback yet" in captured.err


def test_question_rules() -> None:
    assert check_question("  Why?  ") == "Why?"
    with pytest.raises(QuestionError, match="1,001 characters"):
        check_question("x" * 1001)
    with pytest.raises(QuestionError, match="no text"):
        check_question(" ", kind="claim")


def test_rate_limiter_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 30, clock=lambda: now[0])
    assert [limiter.retry_after(1), limiter.retry_after(1), limiter.retry_after(2)] == [0, 0, 0]
    now[0] = 10
    assert limiter.retry_after(1) == pytest.approx(20)
    now[0] = 30
    assert limiter.retry_after(1) == 0


def test_serve_without_token_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("QUOTEBOT_DISCORD_TOKEN", raising=False)
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "quotebot: error: DISCORD_TOKEN is not set: put your bot token in the environment or .env\n"
    )


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (discord.LoginFailure("Improper token has been passed."), "quotebot: error: Discord rejected DISCORD_TOKEN"),
        (aiohttp.ClientConnectionError("no route"), "quotebot: error: cannot reach Discord (no route)"),
    ],
)
def test_serve_with_a_rejected_token_or_no_network_exits_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
    expected: str,
) -> None:
    async def reject(self: bot_client.QuoteBot, token: str) -> None:
        raise failure

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-token")
    monkeypatch.setattr(bot_client.QuoteBot, "login", reject)
    monkeypatch.setattr(bot_serve, "setup_logging", lambda *_: None)  # keep the test's logging as it is
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(expected)
    assert "not-a-token" not in err


@pytest.mark.slow
@pytest.mark.usefixtures("shared_export")
def test_ask_format_discord_json_with_the_real_engine(
    seed_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = seed_corpus
    argv = ["ask", "What should ICT providers not do?", "--format", "discord", "--json", "--quiet"]
    assert main([*argv, "--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"content", "embeds", "allowed_mentions", "components"}
    assert payload["content"] == "**Question:** What should ICT providers not do?"
    assert payload["allowed_mentions"] == {"parse": []}
    assert 1 <= len(payload["embeds"]) <= 3
    source = "\n".join(p.read_text(encoding="utf-8") for p in corpus.iterdir())
    for embed in payload["embeds"]:
        assert len(discord.Embed.from_dict(embed)) <= 6000
        assert embed["description"].startswith(">>> ")
        assert all(piece in source for piece in fragments(embed["description"]))
        assert "¶" in embed["fields"][0]["value"] and "match" in embed["footer"]["text"]
    assert "backdoors" in json.dumps(payload["embeds"])
    buttons = [b["custom_id"] for row in payload["components"] for b in row["components"]]
    assert buttons[-2:] == ["quotebot:up", "quotebot:down"]
