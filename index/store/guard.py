"""Many readers or one writer: questions read an index's stores at once, an in-place update changes them alone.

An index updated in place (index.update) shares its stores with the version it came from, so a question on
either must not read a store while a row is added or removed. Writers go first once they wait: a steady
stream of questions never holds an update back.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["StoreGuard"]


class StoreGuard:
    """A readers-writer lock: `reading()` is shared, `writing()` exclusive, and a waiting writer is let in first."""

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._waiting = 0  # writers waiting: new readers wait behind them

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the stores for reading (with any number of other readers)."""
        with self._state:
            self._state.wait_for(lambda: not self._writing and not self._waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._state:
                self._readers -= 1
                if not self._readers:
                    self._state.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the stores alone, for changing them."""
        with self._state:
            self._waiting += 1
            try:
                self._state.wait_for(lambda: not self._writing and not self._readers)
            finally:
                self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._state:
                self._writing = False
                self._state.notify_all()
