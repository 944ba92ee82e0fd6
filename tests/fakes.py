"""Fakes and paths shared by the tests (and only them): a deterministic embedder, the seed document."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from quotebot.index import Embedder

__all__ = ["ROOT", "SEED", "FakeEmbedder"]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "china-un-first-committee-2020-information-security.txt"


class FakeEmbedder(Embedder):
    """Bag-of-words vectors from hashed words: deterministic, instant, lexically meaningful."""

    name = "fake-bow"

    def __init__(self, dimension: int = 64) -> None:
        self._dimension = dimension
        self.calls = 0

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out
