"""The systemd recipe verifies: `systemd-analyze verify` finds nothing to say about the units, on a temp copy
whose ExecStart names this checkout's quotebot (verify needs the binary to exist)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes import ROOT

DEPLOY = ROOT / "deploy"
UNITS = ("quotebot.service", "quotebot-health.service", "quotebot-health.timer")
INSTALLED = "/opt/quotebot/venv/bin/quotebot"
ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not on this machine")


def _quotebot() -> str:
    """This checkout's quotebot console script (the venv's), standing in for the installed one."""
    script = Path(sys.executable).with_name("quotebot")
    if not script.exists():
        pytest.skip(f"no quotebot console script next to {sys.executable}")
    return str(script)


def _copies(tmp_path: Path) -> list[Path]:
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        assert INSTALLED in text or name.endswith(".timer")
        (tmp_path / name).write_text(text.replace(INSTALLED, _quotebot()), encoding="utf-8")
        copies.append(tmp_path / name)
    return copies


def _analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@needs_systemd
def test_the_units_verify_without_a_warning(tmp_path: Path) -> None:
    copies = _copies(tmp_path)
    done = _analyze("verify", *map(str, copies), cwd=tmp_path)
    said = [line for line in (done.stdout + done.stderr).splitlines() if any(c.name in line for c in copies)]
    assert done.returncode == 0 and said == [], done.stdout + done.stderr  # verify only warns on a bad value


@needs_systemd
def test_verify_catches_a_bad_line(tmp_path: Path) -> None:
    """The check above can fail: a misspelt value is reported, naming the unit."""
    [unit, *_] = _copies(tmp_path)
    unit.write_text(unit.read_text(encoding="utf-8").replace("Restart=on-failure", "Restart=sometimes"), encoding="utf-8")
    done = _analyze("verify", str(unit), cwd=tmp_path)
    assert "sometimes" in done.stdout + done.stderr


@needs_systemd
def test_the_service_is_sandboxed(tmp_path: Path) -> None:
    [unit, *_] = _copies(tmp_path)
    done = _analyze("security", "--offline=true", str(unit), cwd=tmp_path)
    if "--offline" in done.stderr:  # systemd before 250
        pytest.skip("this systemd-analyze cannot assess a unit offline")
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    assert exposure is not None, done.stdout + done.stderr
    assert float(exposure.group(1)) <= 2.0, done.stdout  # systemd's "OK" band is below 2.0 or so


def test_the_service_keeps_what_the_deployment_promises() -> None:
    """What deploy/README.md tells the admin the unit does (read from the file, with or without systemd)."""
    lines = {line.strip() for line in (DEPLOY / "quotebot.service").read_text(encoding="utf-8").splitlines()}
    for setting in (
        "User=quotebot",
        "EnvironmentFile=/etc/quotebot/quotebot.env",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/quotebot/index /var/lib/quotebot/data",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "KillSignal=SIGTERM",
    ):
        assert setting in lines, setting
    assert sum(line.startswith("ReadWritePaths=") for line in lines) == 1  # nothing else is writable
