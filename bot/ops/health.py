"""The running bot's heartbeat: a small file it rewrites every few seconds, which `quotebot health` judges.

The file (`QUOTEBOT_DATA_DIR/heartbeat.json`) holds when it was written, the bot's process id, whether the
Discord gateway is connected (and its latency), how late the heartbeat's own sleep woke (the event loop's
lag), and whether the engine is loaded: no question, user, server or token. `quotebot health` reads only
this file, so it works from a container's HEALTHCHECK or a systemd timer without touching Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .storage import write_atomic

__all__ = [
    "HEARTBEAT_FILE",
    "INTERVAL",
    "MAX_AGE",
    "MAX_LAG",
    "Beat",
    "Heartbeat",
    "Vitals",
    "check",
    "judge",
    "read_beat",
    "vitals_of",
    "write_beat",
]

log = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat.json"
INTERVAL = 5.0  # seconds between two writes
MAX_AGE = 30.0  # `quotebot health`: an older heartbeat is stale (six missed writes)
MAX_LAG = 2.0  # `quotebot health`: a heartbeat that woke later than this says the event loop is blocked


@dataclass(frozen=True, slots=True)
class Vitals:
    """What the bot reports about itself at one beat."""

    connected: bool  # logged in, READY received, and the gateway's websocket open
    latency_ms: float | None  # the gateway's heartbeat round trip (None before the first ACK)
    engine_loaded: bool  # the index is loaded: questions get answers, not "still loading"


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat, as written to the file."""

    time: float  # seconds since the epoch
    pid: int
    connected: bool
    latency_ms: float | None
    loop_lag_ms: float  # how late the previous sleep of the heartbeat woke
    engine_loaded: bool
    interval: float  # seconds between writes
    stopped: bool = False  # written once by a clean shutdown

    @classmethod
    def from_json(cls, data: Any) -> Beat:
        """Read a beat back from its JSON object; raise ValueError if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            latency = data["latency_ms"]
            return cls(
                time=float(data["time"]),
                pid=int(data["pid"]),
                connected=bool(data["connected"]),
                latency_ms=None if latency is None else float(latency),
                loop_lag_ms=float(data["loop_lag_ms"]),
                engine_loaded=bool(data["engine_loaded"]),
                interval=float(data.get("interval", INTERVAL)),
                stopped=bool(data.get("stopped", False)),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"missing or wrong field {exc}") from exc


def vitals_of(client: Any, *, engine_loaded: bool) -> Vitals:
    """Return a discord.py client's vitals: connected when not closed, ready and its websocket open."""
    ws = getattr(client, "ws", None)
    connected = bool(not client.is_closed() and client.is_ready() and ws is not None and ws.open)
    latency = float(client.latency) if connected else math.nan
    return Vitals(connected, round(latency * 1000, 1) if math.isfinite(latency) else None, engine_loaded)


def write_beat(path: Path, beat: Beat) -> None:
    """Write a heartbeat atomically (a temporary file renamed over the old one): a reader never sees half."""
    write_atomic(path, json.dumps(asdict(beat)) + "\n")


def read_beat(path: Path) -> Beat | None:
    """Return the heartbeat in `path`, None when there is none; raise ValueError when it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from exc
    try:
        return Beat.from_json(json.loads(text))
    except ValueError as exc:
        raise ValueError(f"damaged ({exc})") from exc


def _ago(seconds: float) -> str:
    """Say how long ago, in whole seconds."""
    return f"{max(0, round(seconds))} s ago"


def judge(
    beat: Beat | None, *, path: Path, now: float | None = None, max_age: float = MAX_AGE, max_lag: float = MAX_LAG
) -> tuple[bool, str]:
    """Return whether a heartbeat shows a healthy bot, and one line saying so or why not."""
    if beat is None:
        return False, (
            f"unhealthy: no heartbeat at {path}: the bot is not running, or runs with another QUOTEBOT_DATA_DIR"
        )
    age = (time.time() if now is None else now) - beat.time
    who = f"pid {beat.pid}, last heartbeat {_ago(age)}"
    if beat.stopped:
        return False, f"unhealthy: the bot stopped ({who})"
    if age > max_age:
        return False, (
            f"unhealthy: stale heartbeat: last written {_ago(age)} (more than {max_age:g} s; pid {beat.pid}): "
            "the bot is stopped or its event loop is stuck"
        )
    if not beat.engine_loaded:
        return False, f"unhealthy: engine not loaded yet: the index is still loading or building ({who})"
    if not beat.connected:
        return False, f"unhealthy: gateway disconnected: not connected to Discord ({who})"
    if beat.loop_lag_ms > max_lag * 1000:
        return False, (
            f"unhealthy: event loop lagging: the heartbeat woke {beat.loop_lag_ms / 1000:.1f} s late "
            f"(more than {max_lag:g} s; {who})"
        )
    latency = "" if beat.latency_ms is None else f" (latency {beat.latency_ms:.0f} ms)"
    return True, (f"healthy: gateway connected{latency}, engine loaded, loop lag {beat.loop_lag_ms:.0f} ms ({who})")


def check(path: Path, *, max_age: float = MAX_AGE, max_lag: float = MAX_LAG) -> tuple[bool, str]:
    """Read and judge the heartbeat file: whether the bot is healthy, and one line saying why."""
    try:
        beat = read_beat(path)
    except ValueError as exc:
        return False, f"unhealthy: cannot read the heartbeat {path}: {exc}"
    return judge(beat, path=path, max_age=max_age, max_lag=max_lag)


class Heartbeat:
    """Write the bot's vitals to a file every `interval` seconds from a task on the event loop."""

    def __init__(self, path: Path, vitals: Callable[[], Vitals], interval: float | None = None) -> None:
        self.path = path
        self.vitals = vitals
        self.interval = INTERVAL if interval is None else interval
        self._task: asyncio.Task[None] | None = None
        self._lag = 0.0
        self._failed = False

    def start(self) -> None:
        """Start beating (the first beat at once); a second start does nothing."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="heartbeat")

    async def stop(self) -> None:
        """Stop beating and leave a last beat that says the bot stopped."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.beat(stopped=True)

    def beat(self, *, stopped: bool = False) -> None:
        """Write one beat now; a failure to write is logged once (until a write succeeds), never raised."""
        vitals = self.vitals()
        beat = Beat(
            time=time.time(),
            pid=os.getpid(),
            connected=vitals.connected and not stopped,
            latency_ms=vitals.latency_ms,
            loop_lag_ms=round(self._lag * 1000, 1),
            engine_loaded=vitals.engine_loaded,
            interval=self.interval,
            stopped=stopped,
        )
        try:
            write_beat(self.path, beat)
        except OSError as exc:
            if not self._failed:
                log.warning("cannot write the heartbeat %s: %s", self.path, exc.strerror or exc)
            self._failed = True
        else:
            self._failed = False

    async def _run(self) -> None:
        """Beat, sleep, and measure how late the sleep woke: that is the event loop's lag."""
        loop = asyncio.get_running_loop()
        while True:
            self.beat()
            started = loop.time()
            await asyncio.sleep(self.interval)
            self._lag = max(0.0, loop.time() - started - self.interval)
