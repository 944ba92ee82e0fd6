"""What a user may ask and how often: question length rules, a per-user and a global rate limit, a bounded pool."""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from math import ceil
from typing import Any, TypeVar

from ...index import EmptyQuestionError, QuestionError, QuestionTooLongError, validate_question
from ..words.i18n import LocalizedError, text

__all__ = [
    "BUSY",
    "MAX_QUESTION_CHARS",
    "AnswerPool",
    "BusyError",
    "GlobalLimitError",
    "GlobalLimiter",
    "QuestionRefused",
    "RateLimiter",
    "ReindexBusyError",
    "check_question",
]

T = TypeVar("T")

BUSY = text("limit.busy")  # in English, as logged; members read BusyError in their own language

MAX_QUESTION_CHARS = 1000  # a slash-command option can't be longer; mentions and claims follow suit


class QuestionRefused(LocalizedError, QuestionError):
    """A question (or claim) the bot won't take: no words, or too long; the message says why, in any language."""


def check_question(question: str, kind: str = "question", example: str | None = None) -> str:
    """Return the question stripped; raise QuestionRefused with a friendly line when it has no words or is too long.

    `example`: the deployment's example question (QUOTEBOT_EXAMPLE_QUESTION), offered to someone who asked nothing.
    """
    what = "claim" if kind == "claim" else "question"
    try:  # the library's rule, with the bot's limit; only the words are the bot's own
        return validate_question(question, MAX_QUESTION_CHARS)
    except EmptyQuestionError:  # "\u200b\u200b" survives strip(); "?!" or "🔥" alone ask nothing
        if example and what == "question":
            raise QuestionRefused("question.empty_example", example=example) from None
        raise QuestionRefused(f"{what}.empty") from None
    except QuestionTooLongError as exc:
        raise QuestionRefused(f"{what}.too_long", length=exc.length, limit=exc.limit) from None


class RateLimiter:
    """Allow each user `rate` questions per sliding window of `per` seconds."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float:
        """Return 0 and count a question when the user may ask now, else the seconds to wait."""
        now = self._clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return self.per - (now - hits[0])
        hits.append(now)
        if len(self._hits) > 10_000:
            self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        """Drop users whose last question left the window, so memory stays bounded."""
        for user_id in [u for u, h in self._hits.items() if not h or now - h[-1] >= self.per]:
            del self._hits[user_id]


class BusyError(LocalizedError):
    """Every worker is answering and the queue is full: the question is refused, not queued."""

    def __init__(self) -> None:
        super().__init__("limit.busy")


class ReindexBusyError(LocalizedError):
    """A reindex is already running: one at a time."""

    def __init__(self) -> None:
        super().__init__("reindex.busy")


class GlobalLimitError(LocalizedError):
    """The whole bot took its share of questions for the window."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("limit.global", wait=max(1, ceil(retry_after)))
        self.retry_after = retry_after


class GlobalLimiter:
    """Allow `rate` questions from all users together per sliding window of `per` seconds."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._hits: deque[float] = deque(maxlen=rate)  # never more than `rate` times kept

    def retry_after(self) -> float:
        """Return 0 and count a question when the bot may take one now, else the seconds to wait."""
        now = self._clock()
        while self._hits and now - self._hits[0] >= self.per:
            self._hits.popleft()
        if len(self._hits) >= self.rate:
            return self.per - (now - self._hits[0])
        self._hits.append(now)
        return 0.0


class AnswerPool:
    """Run blocking calls in at most `workers` threads, at most `queue_size` more waiting; refuse the rest.

    Only counters and one semaphore are kept: a refused call costs nothing, a finished one leaves nothing.
    """

    def __init__(self, workers: int, queue_size: int) -> None:
        self.workers = workers
        self.queue_size = queue_size
        self.running = 0  # calls in a thread now
        self.admitted = 0  # calls running or waiting for a worker
        self._slots = asyncio.Semaphore(workers)
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quotebot-answer")

    @property
    def waiting(self) -> int:
        """Return how many admitted calls wait for a worker."""
        return self.admitted - self.running

    @property
    def full(self) -> bool:
        """Tell whether a call submitted now would be refused."""
        return self.admitted >= self.workers + self.queue_size

    async def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn(*args, **kwargs) in a worker thread once one is free; raise BusyError when the queue is full."""
        if self.full:
            raise BusyError()
        self.admitted += 1
        try:
            async with self._slots:
                self.running += 1
                try:
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(self._threads, functools.partial(fn, *args, **kwargs))
                finally:
                    self.running -= 1
        finally:
            self.admitted -= 1

    def close(self) -> None:
        """Stop the worker threads once the calls they run finish."""
        self._threads.shutdown(wait=False, cancel_futures=True)
