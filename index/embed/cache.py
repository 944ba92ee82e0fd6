"""An embedding cache keyed by content hash, so a rebuild embeds only the texts it has not seen."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .base import Embedder, Span, Vectors

__all__ = ["CachingEmbedder", "EmbeddingCache", "text_key"]

log = logging.getLogger(__name__)


def text_key(text: str) -> bytes:
    """Return the content hash a text's vector is cached under."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """The vectors of one model's last build, in one file per model fingerprint.

    Only the vectors a build used are written back, so the file never grows past one
    corpus's worth and edits do not leave dead entries behind.
    """

    def __init__(self, folder: Path, model: str, dimension: int) -> None:
        tag = hashlib.sha256(f"{model}\0{dimension}".encode()).hexdigest()[:16]
        self.path = folder / f"{tag}-{dimension}.npz"
        self.dimension = dimension
        self._vectors: dict[bytes, Vectors] = self._read()
        self._used: dict[bytes, Vectors] = {}

    def _read(self) -> dict[bytes, Vectors]:
        """Load the cache file; a missing or damaged one is an empty cache (it is only a shortcut)."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim != 2 or vectors.shape[1] != self.dimension or keys.shape != (len(vectors), 32):
                raise ValueError("shape mismatch")
        except FileNotFoundError:
            return {}
        except Exception as exc:  # zip, pickle, numpy and shape errors alike: the file is unusable
            log.warning("ignored the embedding cache %s (%s); texts will be embedded again", self.path, exc)
            return {}
        return {bytes(k): v for k, v in zip(keys, vectors.astype(np.float32), strict=True)}

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: bytes) -> Vectors | None:
        """Return the cached vector of a text key, marking it used, or None."""
        vector = self._vectors.get(key)
        if vector is not None:
            self._used[key] = vector
        return vector

    def put(self, key: bytes, vector: Vectors) -> None:
        """Remember a freshly embedded vector."""
        self._vectors[key] = self._used[key] = vector

    def save(self) -> None:
        """Write the vectors used since loading, atomically, replacing the previous file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.frombuffer(b"".join(self._used), dtype=np.uint8).reshape(-1, 32)
        vectors = np.stack(list(self._used.values())) if self._used else np.zeros((0, self.dimension), np.float32)
        tmp = self.path.with_name(f".tmp-{uuid.uuid4().hex}.npz")
        try:
            np.savez(tmp, keys=keys, vectors=vectors.astype(np.float32))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)


class CachingEmbedder(Embedder):
    """Serve vectors from an EmbeddingCache and embed only the texts it lacks."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.embedded = 0  # texts that needed the model (the rest came from the cache)

    @property
    def dimension(self) -> int:
        """Return the vector size of the wrapped embedder."""
        return self.cache.dimension

    def count_tokens(self, text: str) -> int:
        """Count word-pieces as the wrapped embedder does."""
        return self.inner.count_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """Count as the wrapped model does."""
        return self.inner.count_tokens_batch(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed questions with the model (never cached: a question is embedded once)."""
        return self.inner.embed_queries(texts)

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed texts, taking known ones from the cache."""
        keys = [text_key(t) for t in texts]
        found = [self.cache.get(k) for k in keys]
        missing = [i for i, v in enumerate(found) if v is None]
        out: npt.NDArray[np.float32] = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if missing:
            fresh = self.inner.embed_batch([texts[i] for i in missing])
            self.embedded += len(missing)
            for i, vector in zip(missing, fresh, strict=True):
                self.cache.put(keys[i], vector)
                found[i] = vector
        for i, vector in enumerate(found):
            out[i] = vector
        return out

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        """Embed passages and their spans, taking passages whose vectors are all cached from the cache."""
        # A span's vector depends on its whole passage (read in context): its key holds the passage's text.
        pairs_of = zip(texts, spans, strict=True)
        keys = [[text_key(t)] + [text_key(f"{a}:{b}\0{t}") for a, b in pairs] for t, pairs in pairs_of]
        found = [[self.cache.get(k) for k in row] for row in keys]
        missing = [i for i, row in enumerate(found) if any(v is None for v in row)]
        if missing:
            passages, parts = self.inner.embed_spans([texts[i] for i in missing], [spans[i] for i in missing])
            self.embedded += len(missing)
            for i, passage, part in zip(missing, passages, parts, strict=True):
                found[i] = [passage, *part]
                for key, vector in zip(keys[i], found[i], strict=True):
                    self.cache.put(key, vector)  # type: ignore[arg-type]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pieces: list[Vectors] = []
        for i, row in enumerate(found):
            out[i] = row[0]
            pieces.append(np.asarray(row[1:], dtype=np.float32).reshape(len(row) - 1, self.dimension))
        return out, pieces
