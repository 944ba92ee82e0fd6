"""One log record is one line: names and questions can't add lines or drive the terminal."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quotebot.bot.logs import OneLineFilter, one_line_logs
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
