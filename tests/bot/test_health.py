"""`quotebot health`: exit 0 only on a fresh heartbeat of a connected, responsive bot with its engine loaded."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import quotebot.bot.ops.health as health
from quotebot.bot.cli.program import main
from quotebot.bot.ops.health import HEARTBEAT_FILE, Beat, Heartbeat, Vitals, check, judge, read_beat, write_beat
from tests.bot.test_discord_faults import Online, online  # noqa: F401  # the real client against a fake Discord

GOOD = Beat(time=0.0, pid=4242, connected=True, latency_ms=41.5, loop_lag_ms=3.0, engine_loaded=True, interval=5.0)


def _write(folder: Path, beat: Beat) -> Path:
    path = folder / HEARTBEAT_FILE
    write_beat(path, beat)
    return path


def _health(folder: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    code = main(["health", "--data", str(folder), *flags])
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line, whatever the verdict
    return code, out.strip()


def test_a_fresh_heartbeat_of_a_connected_bot_is_healthy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, replace(GOOD, time=time.time() - 2))
    code, line = _health(tmp_path, capsys)
    assert code == 0
    assert line.startswith("healthy: gateway connected (latency 42 ms), engine loaded, loop lag 3 ms")
    assert "pid 4242" in line


def test_a_stale_heartbeat_fails_with_its_age(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, replace(GOOD, time=time.time() - 95))
    code, line = _health(tmp_path, capsys)
    assert code == 1
    assert line.startswith("unhealthy: stale heartbeat: last written 95 s ago (more than 30 s; pid 4242)")
    assert _health(tmp_path, capsys, "--max-age", "120")[0] == 0  # the limit is the admin's


def test_no_heartbeat_file_fails_saying_where_it_looked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, line = _health(tmp_path / "nothing", capsys)
    assert code == 1
    assert line.startswith(f"unhealthy: no heartbeat at {tmp_path / 'nothing' / HEARTBEAT_FILE}: the bot is not running")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"connected": False, "latency_ms": None}, "unhealthy: gateway disconnected"),
        ({"loop_lag_ms": 3500.0}, "unhealthy: event loop lagging: the heartbeat woke 3.5 s late (more than 2 s"),
        ({"engine_loaded": False, "connected": False}, "unhealthy: engine not loaded yet"),
        ({"stopped": True, "connected": False}, "unhealthy: the bot stopped (pid 4242"),
    ],
)
def test_a_fresh_heartbeat_of_an_unwell_bot_fails_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], reason: str
) -> None:
    _write(tmp_path, replace(GOOD, time=time.time(), **change))  # type: ignore[arg-type]
    code, line = _health(tmp_path, capsys)
    assert code == 1 and line.startswith(reason), line


def test_a_damaged_heartbeat_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / HEARTBEAT_FILE).write_text('{"time": "soon"', encoding="utf-8")
    code, line = _health(tmp_path, capsys)
    assert code == 1 and line.startswith("unhealthy: cannot read the heartbeat") and "damaged" in line


def test_an_invalid_setting_is_unhealthy_not_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTEBOT_TOP_K", "99")  # a container HEALTHCHECK knows only 0 and 1
    code, line = _health(tmp_path, capsys)
    assert code == 1 and line.startswith("unhealthy: invalid setting QUOTEBOT_TOP_K")


def test_judge_reads_the_time_it_is_given() -> None:
    path = Path("h.json")
    assert judge(replace(GOOD, time=100.0), path=path, now=129.0)[0]
    ok, line = judge(replace(GOOD, time=100.0), path=path, now=131.0)
    assert not ok and "stale heartbeat: last written 31 s ago" in line


@pytest.fixture
def fast_heartbeat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Beat every 20 ms (before the bot is made: it reads the interval then)."""
    monkeypatch.setattr(health, "INTERVAL", 0.02)
    yield


async def _beat(path: Path, until: object, timeout: float = 5.0) -> Beat:
    """Wait for a beat matching `until` (a predicate on Beat)."""
    deadline = time.monotonic() + timeout
    while True:
        beat = read_beat(path)
        if beat is not None and until(beat):  # type: ignore[operator]
            return beat
        assert time.monotonic() < deadline, f"no such beat; last: {beat}"
        await asyncio.sleep(0.01)


async def test_the_heartbeat_task_writes_and_measures_its_lag(tmp_path: Path) -> None:
    vitals = Vitals(connected=True, latency_ms=12.0, engine_loaded=True)
    beat = Heartbeat(tmp_path / "data" / HEARTBEAT_FILE, lambda: vitals, interval=0.05)
    beat.start()
    first = await _beat(beat.path, lambda b: True)
    time.sleep(0.3)  # block the event loop, as a slow synchronous call would
    lagging = await _beat(beat.path, lambda b: b.time > first.time and b.loop_lag_ms > 200)
    assert lagging.loop_lag_ms < 2000
    assert not check(beat.path, max_lag=0.2)[0] and check(beat.path)[0]
    await beat.stop()
    stopped = read_beat(beat.path)
    assert stopped is not None and stopped.stopped and not stopped.connected
    assert sorted(p.name for p in beat.path.parent.iterdir()) == [HEARTBEAT_FILE]  # no temporary file left
    record = json.loads(beat.path.read_text(encoding="utf-8"))
    assert set(record) == {"time", "pid", "connected", "latency_ms", "loop_lag_ms", "engine_loaded", "interval", "stopped"}


async def test_a_heartbeat_that_cannot_be_written_is_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "data").write_text("a file where the folder should be", encoding="utf-8")
    beat = Heartbeat(tmp_path / "data" / HEARTBEAT_FILE, lambda: Vitals(True, None, True), interval=0.01)
    beat.start()
    await asyncio.sleep(0.1)
    await beat.stop()
    assert [r.getMessage().startswith("cannot write the heartbeat") for r in caplog.records] == [True]


async def test_the_running_bot_beats_through_the_real_client(fast_heartbeat: None, online: Online) -> None:  # noqa: F811
    path = online.bot.settings.data_dir / HEARTBEAT_FILE
    beat = await _beat(path, lambda b: b.connected)
    assert beat.engine_loaded and beat.interval == 0.02 and not beat.stopped
    healthy, line = check(path)
    assert healthy, line
    await online.bot.close()  # a clean stop leaves a last beat that says so
    healthy, line = check(path)
    assert not healthy and line.startswith("unhealthy: the bot stopped")
