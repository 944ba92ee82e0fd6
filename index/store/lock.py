"""One build at a time per index folder: an advisory file lock that dies with its process.

`flock` is released by the kernel when the holder exits, SIGKILL included, so a killed build
never leaves a stale lock behind; the pid written into the file only names the holder in messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import IndexStateError

__all__ = ["LOCK_FILE", "build_lock"]

log = logging.getLogger(__name__)

LOCK_FILE = "build.lock"
_POLL = 0.2  # seconds between tries while another build holds the lock


def _holder(path: Path) -> str:
    """Return the pid written by the build holding the lock, or '?' when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def build_lock(index_dir: Path, *, wait: float = 3600.0) -> Iterator[bool]:
    """Hold the index folder's build lock, waiting up to `wait` seconds; yield whether another build was waited for.

    Raise IndexStateError when the other build still holds it after `wait` seconds.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    with path.open("a+", encoding="utf-8") as handle:
        waited = False
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    log.warning("another build of %s is running (pid %s): waiting for it", index_dir, _holder(path))
                    waited = True
                if time.monotonic() >= deadline:
                    raise IndexStateError(
                        f"another build of {index_dir} (pid {_holder(path)}) is still running after {wait:.0f} s: "
                        "wait for it to finish, or stop it, then build again"
                    ) from None
                time.sleep(_POLL)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield waited
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
