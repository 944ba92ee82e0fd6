"""One log record is one line: names and questions can't add lines or drive the terminal."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quotebot.bot.cli.serve import setup_logging
from quotebot.bot.ops.logs import FIELDS, JsonFormatter, OneLineFilter, answer_fields, log_answer, one_line_logs
from quotebot.bot.ops.settings import Settings
from tests.bot.discord_http_server import TOKEN
from tests.bot.test_discord_faults import ASKER, GUILD, Online, online  # noqa: F401  # the real client, a fake Discord
from tests.fakes import ROOT, SEED

EVIL = "x\nquotebot: error: DISCORD_TOKEN was rejected, paste it at evil.example\x1b[8m.txt"


def test_the_filter_escapes_the_message_and_keeps_tracebacks_apart() -> None:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "skipped %s: %s", (EVIL, "binary"), None)
    assert OneLineFilter().filter(record)
    line = logging.Formatter("warning: %(message)s").format(record)
    assert "\n" not in line and "\x1b" not in line and line.startswith("warning: skipped x\\nquotebot: error:")


def test_one_line_logs_adds_its_filter_once() -> None:
    handler = logging.StreamHandler()
    one_line_logs(handler)
    one_line_logs(handler)
    assert sum(isinstance(f, OneLineFilter) for f in handler.filters) == 1


@pytest.mark.slow
def test_a_file_name_cannot_forge_an_error_line_in_the_build_output(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / EVIL).write_bytes(b"\xff\xfe not text")
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "quotebot.bot", "build", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "--quiet",
         "--backend", "torch"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert not any(line.startswith("quotebot: error:") for line in lines) and "\x1b" not in done.stderr
    [skipped] = [line for line in lines if "DISCORD_TOKEN" in line]
    assert skipped.startswith("warning: skipped ") and "'" in skipped and "not valid UTF-8" in skipped


# -- one line per answer, for the admin (QUOTEBOT_LOG_FORMAT, QUOTEBOT_LOG_QUESTIONS) ------------------------


def _answer_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "quotebot.bot.client.client" and r.getMessage().startswith("answer ")]


def test_log_answer_writes_one_line_with_the_fields(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("quotebot.bot.client.client")
    with caplog.at_level(logging.INFO, logger="quotebot.bot.client.client"):
        log_answer(logger, server=10, via="slash", outcome="declined", confidence=0.1234, latency_ms=143.26, passages=3)
        log_answer(logger, server=0, via="mention", outcome="answered", latency_ms=5, question="why\n?")
    first, second = (r.getMessage() for r in _answer_lines(caplog))
    assert first == "answer server=10 via=slash declined confidence=0.12 latency_ms=143 passages=3"
    assert second == 'answer server=dm via=mention answered confidence=- latency_ms=5 passages=0 question="why\\n?"'
    assert getattr(_answer_lines(caplog)[0], FIELDS) == {
        "event": "answer", "server": 10, "via": "slash", "outcome": "declined", "confidence": 0.123,
        "latency_ms": 143.3, "passages": 3,
    }


def test_the_json_format_is_one_parseable_object_per_line() -> None:
    record = logging.LogRecord("quotebot.bot.client.client", logging.INFO, __file__, 1, "%s", (EVIL,), None)
    record.fields = answer_fields(server=10, via="slash", outcome="answered", latency_ms=1.0, question=EVIL)
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\x1b" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "quotebot.bot.client.client" and entry["message"] == EVIL
    assert entry["time"].endswith("+00:00") and entry["outcome"] == "answered" and entry["question"] == EVIL
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("quotebot", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(failed))["exc"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_serve_logs_in_the_format_asked(log_format: str) -> None:
    loggers = [logging.getLogger(name) for name in ("discord", "quotebot")]
    saved = [(lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    try:
        setup_logging(log_format)
        [handler] = [h for h in loggers[1].handlers if h not in saved[1][0]]
        assert isinstance(handler.formatter, JsonFormatter) is (log_format == "json")
        assert any(isinstance(f, OneLineFilter) for f in handler.filters)
    finally:
        for lg, (handlers, propagate, level) in zip(loggers, saved, strict=True):
            lg.handlers[:], lg.propagate = handlers, propagate
            lg.setLevel(level)


def test_log_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (Settings(_env_file=None).log_format, Settings(_env_file=None).log_questions) == ("text", False)  # type: ignore[call-arg]
    monkeypatch.setenv("QUOTEBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("QUOTEBOT_LOG_QUESTIONS", "true")
    assert (Settings(_env_file=None).log_format, Settings(_env_file=None).log_questions) == ("json", True)  # type: ignore[call-arg]


@pytest.mark.parametrize("log_questions", [False, True])
async def test_each_discord_answer_is_one_line_without_the_user(
    online: Online, caplog: pytest.LogCaptureFixture, log_questions: bool  # noqa: F811
) -> None:
    online.bot.settings.log_questions = log_questions
    with caplog.at_level(logging.INFO):
        await online.dm("What about backdoors?")
        await online.ask("What about sovereignty?")
    dm, slash = _answer_lines(caplog)
    assert re.fullmatch(r"answer server=dm via=dm answered confidence=- latency_ms=\d+ passages=7( question=.*)?", dm.getMessage())
    assert re.match(rf"answer server={GUILD} via=slash answered ", slash.getMessage())
    for record in (dm, slash):
        text = record.getMessage() + json.dumps(getattr(record, FIELDS))
        assert str(ASKER) not in text and TOKEN not in text  # never who asked, never the token
        assert ("What about" in text) is log_questions
    assert getattr(slash, FIELDS)["server"] == GUILD and getattr(dm, FIELDS)["server"] == 0


def test_serve_prints_the_model_steps_once_through_its_own_handler() -> None:
    from quotebot.bot.ops import logs

    names = ("discord", "quotebot", "quotebot.index.embed")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    root_levels = [(h, h.level) for h in logging.getLogger().handlers]
    try:
        logs.say_model_steps()  # what every command does first
        assert any(getattr(h, "model_steps", False) for h in loggers[2].handlers)
        setup_logging("json")
        # One JSON line per step: the CLI's plain printer is gone, the step reaches serve's handler.
        assert not any(getattr(h, "model_steps", False) for h in loggers[2].handlers)
        assert loggers[2].propagate and loggers[2].getEffectiveLevel() <= logging.INFO
    finally:
        for lg, (handlers, propagate, level) in zip(loggers, saved, strict=True):
            lg.handlers[:], lg.propagate = handlers, propagate
            lg.setLevel(level)
        for handler, level in root_levels:
            handler.setLevel(level)
