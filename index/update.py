"""Updates without rebuilds: bring an open index up to date with a few changed files, in memory, at once.

`updated` reads only the files whose fingerprint changed and chunks them. A new chunk with the same texts as
one of the rows its document had (title, headings, words) keeps that row, with its new offsets; the other rows
are removed, and only the new chunks are embedded and appended to every store (vectors, BM25, sentences). The
result is a new version of the index that shares the old one's stores (`StoredIndex`): it answers at once.
`saved` then compacts it (removed rows dropped, rows renumbered) and writes it as a build, so a restart loads
it; a process stopped before that finds its index stale on start and updates or builds it again.

An index is updated in place only when it was built for the same model, chunker, ranking and options, with one
model, and when the change touches few rows (`UPDATE_SHARE`); otherwise the caller builds anew (None).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .answer.engine import QuoteEngine
from .answer.ranking import default_ranking
from .build import DEFAULTS, BuildOptions, chunk_all, corpus_fingerprints, remembering
from .embed.base import Embedder
from .ingest.chunker import CHUNKER_VERSION, TokenCounter
from .ingest.files import corpus_files, doc_id_of, read_corpus
from .models import EXTRACTED_KINDS, Chunk, Document
from .represent import chunk_sentences, lexical_texts, represent
from .store.layout import SentenceTable, StoredIndex, save_index
from .store.lexical import LexicalIndex
from .store.lock import build_lock
from .store.manifest import DocumentRecord, Fingerprint, Manifest, staleness
from .store.vectors import VectorStore

__all__ = ["UPDATE_SHARE", "saved", "updated"]

log = logging.getLogger(__name__)

UPDATE_SHARE = 0.25  # a change touching more rows than this share of the index (and over _FEW) is built anew
_FEW = 1_000  # rows any change may touch in place, however small the index
Rows = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Changes:
    """The files that changed since a version of an index: read anew, or gone."""

    documents: tuple[Document, ...]  # added or changed, as read now
    touched: frozenset[str]  # every document whose rows may change: those, the removed and the now unreadable
    skipped: dict[str, list[Any]]  # the collection's unreadable files now


def updated(
    engine: QuoteEngine,
    options: BuildOptions = DEFAULTS,
    files: Sequence[Path] | None = None,
    corpus_dir: Path | None = None,
) -> QuoteEngine | None:
    """Return a version of the engine's index with its changed files applied in place (the engine when none changed).

    None: not updatable in place (another model, chunker or ranking; an old second model; too many rows; not the
    newest version of its index): build it anew. `files` narrows the corpus as at the build, and `corpus_dir` is
    the folder as the build was given it (default: the engine's), which document ids are relative to.
    """
    stored, embedder = engine.stored, engine.embedder
    if not _compatible(stored, embedder.name, options) or stored.lexical.count != len(stored.chunks):
        return None
    found = _changes(stored.manifest, corpus_dir or engine.corpus_dir, files, options)
    if not found.touched and found.skipped == stored.manifest.skipped:
        return engine
    if not found.documents and {d.doc_id for d in stored.manifest.documents} <= found.touched:
        return None  # no document left: the caller says so, as a build would
    titles = {d.doc_id: d.title for d in found.documents}
    rows = [r for r, c in enumerate(stored.chunks) if c.doc_id in found.touched and stored.is_live(r)]
    fresh = chunk_all(list(found.documents), options, embedder, _counter(stored, rows, embedder))
    kept, gone, fresh = _match(stored, rows, fresh, titles)
    if len(gone) + len(fresh) > max(_FEW, UPDATE_SHARE * stored.live_count):
        return None
    version = _applied(stored, found, kept, gone, fresh, _represented(fresh, titles, engine, options))
    return engine.revised(version)


def _compatible(stored: StoredIndex, model: str, options: BuildOptions) -> bool:
    """Tell whether the index was built as a build with these options would build it now."""
    manifest = stored.manifest
    indexed = {d.doc_id: d.fingerprint for d in manifest.documents}
    reason = staleness(  # the manifest's own documents: only the rest of what makes an index stale is compared
        manifest,
        model=model,
        chunk_tokens=options.chunk_tokens,
        chunker_version=CHUNKER_VERSION,
        fingerprints=indexed | {k: tuple(v) for k, v in manifest.skipped.items()},
        ranking=default_ranking(model=model).to_dict(),
        show_authors=options.show_authors,
    )
    return reason is None


def _changes(manifest: Manifest, corpus_dir: Path, files: Sequence[Path] | None, options: BuildOptions) -> _Changes:
    """Find the files added, changed and removed since the manifest's build, and read the first two."""
    paths = {doc_id_of(p, corpus_dir): p for p in (corpus_files(corpus_dir) if files is None else files)}
    prints: dict[str, Fingerprint] = corpus_fingerprints(
        corpus_dir, manifest, list(paths.values()), max_bytes=options.max_file_bytes
    )
    indexed = {d.doc_id: d.fingerprint for d in manifest.documents}
    unusable = {k for k, v in manifest.skipped.items() if prints.get(k) == tuple(v)}
    read = sorted(k for k in prints if k not in unusable and indexed.get(k) != prints[k])
    documents, skipped = read_corpus(
        corpus_dir, [paths[k] for k in read], max_bytes=options.max_file_bytes, required=False
    )
    skipped |= {k: v for k, v in manifest.skipped.items() if k in unusable}
    touched = frozenset(read) | (indexed.keys() - prints.keys())
    return _Changes(tuple(documents), touched, skipped)


def _counter(stored: StoredIndex, touched: list[int], embedder: Embedder) -> TokenCounter:
    """Return the model's token counter, remembering counts across updates (a Discord channel is one document of
    thousands of messages, each counted again at every edit otherwise).

    The texts of the touched documents' rows (`touched`) are known first: as the build counted them
    (`chunk_tokens`), else counted in one call, which the model may do far faster than one at a time.
    """
    counts = stored.token_counts
    if len(counts) > 4 * len(stored.chunks) + 1000:
        counts.clear()  # texts long gone: counted again when met
    known = stored.chunk_tokens
    rows = [r for r in touched if stored.chunks[r].text not in counts]
    if known is not None:
        counts.update((stored.chunks[r].text, int(known[r])) for r in rows if known[r] >= 0)
    texts = list({stored.chunks[r].text for r in rows} - counts.keys())
    counts.update(zip(texts, embedder.count_tokens_batch(texts), strict=True))
    return remembering(embedder.count_tokens, counts)


def _key(chunk: Chunk, title: str) -> tuple[str, str, str, str, str]:
    """Return what a chunk's rows are made of: the same key, the same vectors and BM25 rows."""
    return (chunk.doc_id, title, chunk.section or "", chunk.search_text, chunk.text)


def _match(
    stored: StoredIndex, touched: list[int], fresh: list[Chunk], titles: dict[str, str]
) -> tuple[dict[int, Chunk], Rows, list[Chunk]]:
    """Pair the touched documents' new chunks with their live rows: (rows kept, with their new chunk), gone, new."""
    old_titles = {d.doc_id: d.title for d in stored.manifest.documents}
    pool: dict[tuple[str, str, str, str, str], list[int]] = {}
    for row in touched:
        chunk = stored.chunks[row]
        pool.setdefault(_key(chunk, old_titles.get(chunk.doc_id, "")), []).append(row)
    kept: dict[int, Chunk] = {}
    new: list[Chunk] = []
    for chunk in fresh:
        rows = pool.get(_key(chunk, titles[chunk.doc_id]))
        if rows:
            kept[rows.pop(0)] = chunk
        else:
            new.append(chunk)
    gone = np.array(sorted(r for rows in pool.values() for r in rows), dtype=np.int64)
    return kept, gone, new


@dataclass(frozen=True, slots=True)
class _Rows:
    """The new chunks' rows for every store: vectors (plain, titled), sentence vectors, BM25 texts, owners."""

    vectors: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]
    sentences: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]
    lexical: list[str]
    sentence_lexical: list[str]
    owners: Rows  # each new sentence's chunk, counted from the first new chunk


def _represented(fresh: list[Chunk], titles: dict[str, str], engine: QuoteEngine, options: BuildOptions) -> _Rows:
    """Embed the new chunks and their sentences as the build does (the model's views).

    Not through the index folder's vector cache: reading it whole costs more than embedding a few chunks.
    """
    views = engine.ranking.views
    (plain, titled), _, table = represent(fresh, titles, engine.embedder, None, "flat", views)
    sentences, owners = chunk_sentences(fresh)
    lexical, _, sentence_lexical = lexical_texts(fresh, titles, sentences, owners)
    every, every_sentence = np.arange(len(fresh)), np.arange(len(sentences))
    return _Rows(
        (plain.vectors_of(every), titled.vectors_of(every)),
        (table.vectors.vectors_of(every_sentence), table.titled.vectors_of(every_sentence)),
        lexical,
        sentence_lexical,
        owners,
    )


def _applied(
    stored: StoredIndex, found: _Changes, kept: dict[int, Chunk], gone: Rows, fresh: list[Chunk], rows: _Rows
) -> StoredIndex:
    """Remove the gone rows from the shared stores, append the new ones, and return the new version over them."""
    table = stored.sentences
    owners = table.owners
    starts, ends = np.searchsorted(owners, gone, side="left"), np.searchsorted(owners, gone, side="right")
    gone_sentences = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)] or [np.zeros(0)])
    gone_sentences = gone_sentences.astype(np.int64)
    first, first_sentence = len(stored.chunks), len(owners)
    ids = np.arange(first, first + len(fresh), dtype=np.int64)
    sentence_ids = np.arange(first_sentence, first_sentence + len(rows.owners), dtype=np.int64)
    with stored.guard.writing():  # questions on any version wait: the stores change under them
        for stores, drop, add, new in (
            ((stored.vectors, stored.titled), gone, ids, rows.vectors),
            ((table.vectors, table.titled), gone_sentences, sentence_ids, rows.sentences),
        ):
            for store, vectors in _distinct(stores, new):
                store.remove(drop)
                store.add(add, vectors)
        _lexical(stored.lexical, gone, rows.lexical, first)
        _lexical(table.lexical, gone_sentences, rows.sentence_lexical, first_sentence)
    return _version(stored, found, kept, gone, fresh, np.concatenate([owners, rows.owners + first]))


def _distinct(
    stores: tuple[VectorStore, VectorStore], vectors: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]
) -> list[tuple[VectorStore, npt.NDArray[np.float32]]]:
    """Pair each store with its new vectors, once: the plain store may be the titled one."""
    if stores[0] is stores[1]:
        return [(stores[1], vectors[1])]
    return list(zip(stores, vectors, strict=True))


def _lexical(index: LexicalIndex, gone: Rows, texts: list[str], first: int) -> None:
    """Remove rows from a BM25 index and append texts, which must land at `first` on."""
    index.remove(gone)
    added = index.add(texts)
    if added.size and int(added[0]) != first:  # guarded by updated(): only the newest version is updated
        raise RuntimeError("an index was updated from a version that is not its newest")


def _version(
    stored: StoredIndex, found: _Changes, kept: dict[int, Chunk], gone: Rows, fresh: list[Chunk], owners: Rows
) -> StoredIndex:
    """Return the new version of the index: its chunk table, live rows, documents and texts."""
    chunks = list(stored.chunks)
    for row, chunk in kept.items():
        chunks[row] = chunk
    live = np.ones(len(chunks), dtype=np.bool_) if stored.live is None else stored.live.copy()
    live[gone] = False
    live = np.concatenate([live, np.ones(len(fresh), dtype=np.bool_)])
    read = {d.doc_id: d for d in found.documents}
    records = [  # in place, or gone (removed, now unreadable)
        DocumentRecord.of(read.pop(d.doc_id)) if d.doc_id in read else d
        for d in stored.manifest.documents
        if d.doc_id in read or d.doc_id not in found.touched
    ]
    records += [DocumentRecord.of(d) for d in read.values()]  # new documents come last, as new rows do
    texts = dict(stored.texts) | {d.sha256: d.text for d in found.documents if d.extracted}
    tokens = stored.chunk_tokens
    if tokens is not None:  # kept rows keep their text, so their count; new ones are counted by now
        tokens = np.concatenate([tokens, [stored.token_counts.get(c.text, -1) for c in fresh]]).astype(np.int32)
    manifest = replace(
        stored.manifest, documents=tuple(records), skipped=found.skipped, chunk_count=len(chunks) + len(fresh)
    )
    sentences = replace(stored.sentences, owners=owners)
    return replace(
        stored,
        manifest=manifest,
        chunks=(*chunks, *fresh),
        sentences=sentences,
        live=live,
        texts=texts,
        chunk_tokens=tokens,
    )


def saved(engine: QuoteEngine) -> QuoteEngine:
    """Write the engine's updated index as a build of its own (compacted) and return an engine over it.

    An index never updated is returned as it is. The build is written under the index folder's build lock,
    and the build the engine answered from stays on disk until `prune_builds` (the caller's, once swapped).
    """
    stored = engine.stored
    if stored.live is None and not stored.texts:
        return engine
    index_dir = stored.folder.parent.parent
    compact = _compacted(stored)
    documents = compact.manifest.documents
    texts = {d.sha256: stored.extracted_text(d.sha256) for d in documents if d.kind in EXTRACTED_KINDS}
    manifest = replace(compact.manifest, created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    with build_lock(index_dir):
        folder = save_index(
            index_dir,
            manifest,
            list(compact.chunks),
            (compact.vectors, compact.titled),
            compact.lexical,
            compact.sentences,
            {k: v for k, v in texts.items() if v is not None},
            keep=stored.folder,
            chunk_tokens=compact.chunk_tokens,
        )
    written = Manifest.from_json((folder / "manifest.json").read_text(encoding="utf-8"))  # with its files
    return engine.revised(replace(compact, manifest=written, folder=folder))


def _compacted(stored: StoredIndex) -> StoredIndex:
    """Return the index with its removed rows dropped and the rest renumbered, in new stores of the same kinds."""
    with stored.guard.reading():
        rows = np.flatnonzero(stored.live if stored.live is not None else np.ones(len(stored.chunks), np.bool_))
        table = stored.sentences
        new_of = np.full(len(stored.chunks), -1, dtype=np.int64)
        new_of[rows] = np.arange(rows.size)
        sentence_rows = np.flatnonzero(new_of[table.owners] >= 0)
        owners = new_of[table.owners[sentence_rows]]
        chunk_stores = _copied((stored.vectors, stored.titled), rows)
        sentence_stores = _copied((table.vectors, table.titled), sentence_rows)
        lexical, sentence_lexical = stored.lexical.subset(rows), table.lexical.subset(sentence_rows)
    chunks = tuple(stored.chunks[r] for r in rows.tolist())
    manifest = replace(stored.manifest, chunk_count=len(chunks))
    sentences = SentenceTable(sentence_stores[0], sentence_stores[1], sentence_lexical, owners)
    return StoredIndex(
        manifest, chunks, chunk_stores[0], chunk_stores[1], lexical, sentences, stored.folder,
        token_counts=stored.token_counts,
        chunk_tokens=None if stored.chunk_tokens is None else stored.chunk_tokens[rows],
    )  # fmt: skip


def _copied(stores: tuple[VectorStore, VectorStore], ids: Rows) -> tuple[VectorStore, VectorStore]:
    """Return new stores (of the same kinds) of these ids' vectors, renumbered from 0; one when they are one."""
    new = [VectorStore.build(s.vectors_of(ids), kind=s.kind) if ids.size else VectorStore(s.dimension, s.kind)
           for s in (stores if stores[0] is not stores[1] else stores[1:])]  # fmt: skip
    return (new[0], new[-1])
