"""What a user may ask and how often: question length rules and a per-user rate limit."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from index import QuestionError

__all__ = ["MAX_QUESTION_CHARS", "RateLimiter", "check_question"]

MAX_QUESTION_CHARS = 1000  # a slash-command option can't be longer; mentions and claims follow suit

_EMPTY = {
    "question": "Ask me a question about the corpus, e.g. `/ask question: What should ICT providers not do?`",
    "claim": "That message has no text I can check against the corpus.",
}


def check_question(text: str, kind: str = "question") -> str:
    """Return the question stripped; raise QuestionError with a friendly line when empty or too long."""
    question = text.strip()
    if not question:
        raise QuestionError(_EMPTY.get(kind, _EMPTY["question"]))
    if len(question) > MAX_QUESTION_CHARS:
        what = "That message" if kind == "claim" else "Your question"
        raise QuestionError(
            f"{what} is {len(question):,} characters long; I can take up to {MAX_QUESTION_CHARS:,}. "
            "Shorten it to the part you want checked."
        )
    return question


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
