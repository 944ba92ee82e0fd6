"""Represent chunks for search: embed each chunk and sentence (the model's views) and index them for BM25.

What a build stores per chunk, and what an in-place update (index.update) appends for new chunks alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from .embed.base import Embedder
from .models import Chunk
from .store.layout import SentenceTable
from .store.lexical import LexicalIndex
from .store.vectors import VectorStore
from .text import heading_path, sentence_under_title, split_sentences, under_title

__all__ = ["Progress", "Represented", "chunk_sentences", "lexical_texts", "represent"]

_BATCH = 512  # texts per embedding call: the embedder sorts each call by length, so bigger calls pad less

Progress = Callable[[int, int], None]  # (chunks embedded so far, total)

Represented = tuple[tuple[VectorStore, VectorStore], LexicalIndex, SentenceTable]


def represent(
    chunks: list[Chunk],
    titles: dict[str, str],
    embedder: Embedder,
    progress: Progress | None,
    index_type: str,
    views: str = "separate",
) -> Represented:
    """Embed and index each chunk and each of its sentences, under its document's title (`views`).

    "separate": each chunk and sentence is embedded alone and under its title. "titled": under it only (the
    plain stores are the titled ones). "late": each chunk once, under its headings, its sentences pooled from
    that pass (the plain stores are the titled ones).
    """
    texts = [c.search_text for c in chunks]
    sentences, owners = chunk_sentences(chunks)
    titled, headed, sentence_lexical = lexical_texts(chunks, titles, sentences, owners)
    titled_sentences = [sentence_under_title(headed[o], s) for s, o in zip(sentences, owners, strict=True)]
    # Only the titled chunk store is searched (index.answer.ranking); the others are only scored by id, so under
    # "auto" they stay exact: an approximate index would buy nothing.
    scored_only = "flat" if index_type == "auto" else index_type
    jobs = {
        "separate": [
            (embedder, texts, scored_only),
            (embedder, titled, index_type),
            (embedder, sentences, scored_only),
            (embedder, titled_sentences, scored_only),
        ],
        "titled": [(embedder, titled, index_type), (embedder, titled_sentences, scored_only)],
        "late": [],
    }[views]
    total = sum(len(batch) for _, batch, _ in jobs) + (len(chunks) if views == "late" else 0)
    done, stores = 0, []
    if views == "late":
        late = [under_title(h, t) for h, t in zip(headed, texts, strict=True)]
        stores = _embed_late(embedder, late, chunks, progress, total, (index_type, scored_only))
        done = len(chunks)
    for model, batch, kind in jobs:
        stores.append(_embed_all(model, batch, progress, done=done, total=total, index_type=kind))
        done += len(batch)
    if views == "titled":  # the plain stores are the titled ones
        stores = [stores[0], stores[0], stores[1], stores[1]]
    lexical = LexicalIndex.build(titled)
    table = SentenceTable(stores[2], stores[3], LexicalIndex.build(sentence_lexical), owners)
    return (stores[0], stores[1]), lexical, table


def lexical_texts(
    chunks: Sequence[Chunk], titles: Mapping[str, str], sentences: Sequence[str], owners: npt.NDArray[np.int64]
) -> tuple[list[str], list[str], list[str]]:
    """Return what BM25 reads of each chunk and sentence, and each chunk's heading path.

    The title joins the lexical text so names said only in it ("Chinese", "Committee") are known words. A
    sentence is read under its document's title and its section's headings: a FAQ puts the question in the
    heading ("Build fails: compiler not found") and only the answer under it.
    """
    titled = [under_title(titles[c.doc_id], c.search_text) for c in chunks]
    headed = [heading_path(titles[c.doc_id], c.section) for c in chunks]
    return titled, headed, [under_title(headed[o], s) for s, o in zip(sentences, owners.tolist(), strict=True)]


def _embed_late(
    embedder: Embedder,
    late: list[str],
    chunks: list[Chunk],
    progress: Progress | None,
    total: int,
    kinds: tuple[str, str],
) -> list[VectorStore]:
    """Embed each chunk's text once and pool its sentences from that pass; return the four chunk/sentence stores.

    The plain stores are the titled ones (the same object): one text per chunk instead of two plus two per
    sentence. Pooling the chunk without its headings and the sentence with them from the same pass (four
    stores) ranked no better (scripts/views.py).
    """
    # Each chunk's text ends the embedded text: its sentences' offsets shift by what comes before it.
    spans = [[(len(t) - len(c.text) + a, len(t) - len(c.text) + b) for a, b in split_sentences(c.text)]
             for t, c in zip(late, chunks, strict=True)]  # fmt: skip
    dimension = embedder.dimension
    vectors = np.zeros((len(late), dimension), dtype=np.float32)
    parts: list[npt.NDArray[np.float32]] = [np.zeros((0, dimension), dtype=np.float32)] * len(late)
    order = np.argsort([len(t) for t in late], kind="stable")  # shortest first: batches pad little
    for start in range(0, len(late), _BATCH):
        rows = order[start : start + _BATCH]
        passages, found = embedder.embed_spans([late[i] for i in rows], [spans[i] for i in rows])
        vectors[rows] = passages
        for i, part in zip(rows, found, strict=True):
            parts[i] = part
        if progress:
            progress(start + len(rows), total)
    sentences = np.concatenate(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
    chunk_store, sentence_store = _store(vectors, dimension, kinds[0]), _store(sentences, dimension, kinds[1])
    return [chunk_store, chunk_store, sentence_store, sentence_store]


def _store(vectors: npt.NDArray[np.float32], dimension: int, kind: str) -> VectorStore:
    """Return a store of these vectors, ids = rows."""
    store = VectorStore(dimension, kind)
    if len(vectors):
        store.add(np.arange(len(vectors), dtype=np.int64), vectors)
    return store


def chunk_sentences(chunks: list[Chunk]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """List every chunk's sentences (a passage is also scored by its best one) and their chunk rows."""
    texts: list[str] = []
    owners: list[int] = []
    for row, chunk in enumerate(chunks):
        for s, e in split_sentences(chunk.text):
            texts.append(chunk.text[s:e])
            owners.append(row)
    return texts, np.asarray(owners, dtype=np.int64)


def _embed_all(
    embedder: Embedder, texts: list[str], progress: Progress | None, *, done: int, total: int, index_type: str
) -> VectorStore:
    """Embed texts in batches into a new store (ids = positions), reporting progress.

    The store is filled in one add, so an IVF index trains on all of it and "auto" sees its size.
    """
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    # Shortest first across the whole store, not only within each call: every call then holds texts of
    # about one length, and its padded batches waste little (as sentence-transformers' encode does).
    order = np.argsort([len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), _BATCH):
        rows = order[start : start + _BATCH]
        vectors[rows] = embedder.embed_batch([texts[i] for i in rows])
        if progress:
            progress(done + start + len(rows), total)
    store = VectorStore(embedder.dimension, index_type)
    if texts:
        store.add(np.arange(len(texts), dtype=np.int64), vectors)
    return store
