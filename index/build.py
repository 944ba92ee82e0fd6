"""Build one index from a folder of files, tell whether a stored one is stale, and open it (built first if needed)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .answer.engine import QuoteEngine
from .answer.ranking import Ranking, default_ranking
from .embed.base import Embedder
from .embed.cache import CachingEmbedder, EmbeddingCache
from .errors import ConfigError, IndexCorruptError, IndexStateError, StaleIndexError
from .ingest.chunker import CHUNKER_VERSION, TokenCounter, chunk_document
from .ingest.files import MAX_FILE_BYTES, corpus_files, doc_id_of, fingerprint, read_corpus, sidecar_digest
from .models import Chunk, Document, StrPath
from .represent import Progress, Represented, represent
from .store.layout import (
    StoredIndex,
    load_index,
    prune_builds,
    read_manifest,
    remove_builds,
    save_index,
    verify_files,
)
from .store.lock import build_lock
from .store.manifest import DocumentRecord, Fingerprint, Manifest, staleness
from .store.vectors import INDEX_TYPES
from .text import shown_name

__all__ = [
    "DEFAULTS",
    "DEFAULT_CHUNK_TOKENS",
    "BuildOptions",
    "Progress",
    "StrPath",
    "build_index",
    "check_index",
    "chunk_document",
    "corpus_fingerprints",
    "open_engine",
    "prune_previous",
    "remove_builds",
]

log = logging.getLogger(__name__)

DEFAULT_CHUNK_TOKENS = 200


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How an index is built and opened: the same for every collection, passed down whole."""

    chunk_tokens: int = DEFAULT_CHUNK_TOKENS  # the longest window of sentences, in word-pieces
    index_type: str = "auto"  # FAISS index kind: auto (by size), flat, ivf or hnsw
    progress: Progress | None = None  # told (done, total) while texts are embedded
    on_rebuild: Callable[[str], None] | None = None  # told why, before an index is built on opening
    max_file_bytes: int = MAX_FILE_BYTES  # larger files are skipped without being read
    show_authors: bool = False  # Discord messages cite their author's name (the collection's `show_authors`)
    # A folder's index may be replaced by one of another corpus folder (else OtherCorpusError, `index.library`).
    replace_other: bool = False

    def __post_init__(self) -> None:
        """Refuse an unknown index kind early, in one line."""
        if self.index_type not in INDEX_TYPES:
            raise ConfigError(f"unknown index type {self.index_type!r}: use one of {', '.join(INDEX_TYPES)}")


DEFAULTS = BuildOptions()  # what a call without options gets


def build_index(
    corpus_dir: StrPath,
    index_dir: StrPath,
    embedder: Embedder,
    options: BuildOptions = DEFAULTS,
    *,
    files: Sequence[Path] | None = None,
    cache: bool = True,
) -> Manifest:
    """Load, chunk, embed and store the corpus; the new build answers only once it is complete.

    With `cache`, vectors are kept by content hash under the index folder, so a rebuild embeds
    only the paragraphs and sentences that changed. `options.index_type` is the FAISS index kind of
    every vector store: "flat", "ivf", "hnsw", or "auto" (each store by its own size).
    `files` narrows the corpus to those files (a collection's selection); default: all of `corpus_dir`.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    try:  # fail before the slow part when the index folder cannot be written
        (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(index_dir, exc) from exc
    with build_lock(index_dir) as waited:
        # Another build of this folder just finished: when it left the index current, it did this one's work.
        if waited and not check_index(corpus_dir, index_dir, model=embedder.name, options=options, files=files):
            return replace(read_manifest(index_dir), embedded=0)  # this call embedded nothing
        documents, skipped = read_corpus(corpus_dir, files, max_bytes=options.max_file_bytes)
        return _build(documents, skipped, index_dir, embedder, options, cache, corpus=str(corpus_dir.resolve()))


def _build(
    documents: list[Document],
    skipped: dict[str, list[Any]],
    index_dir: Path,
    embedder: Embedder,
    options: BuildOptions,
    cache: bool,
    *,
    corpus: str | None = None,
) -> Manifest:
    """Chunk, embed and store loaded documents as a new build (the caller holds the build lock)."""
    cached = _cached(embedder, index_dir) if cache else None
    embedder = cached or embedder
    counted: dict[str, int] = {}
    chunks = chunk_all(documents, options, embedder, remembering(embedder.count_tokens, counted))
    titles = {d.doc_id: d.title for d in documents}
    ranking = default_ranking(model=embedder.name)  # what it embeds (its views) and how it answers
    represented = represent(chunks, titles, embedder, options.progress, options.index_type, ranking.views)
    vectors, lexical, sentences = represented
    manifest = replace(_manifest(embedder, options, documents, skipped, chunks, represented, ranking), corpus=corpus)
    if cached:
        manifest = replace(manifest, embedded=cached.embedded)
    try:
        texts = {d.sha256: d.text for d in documents if d.extracted}
        tokens = np.array([counted.get(c.text, -1) for c in chunks], dtype=np.int32)
        save_index(index_dir, manifest, chunks, vectors, lexical, sentences, texts, chunk_tokens=tokens)
        if cached:
            cached.cache.save()
    except OSError as exc:
        raise _unwritable(index_dir, exc) from exc
    return manifest


def _cached(embedder: Embedder, index_dir: Path) -> CachingEmbedder:
    """Wrap an embedder with the index folder's cache of its vectors (one file per model)."""
    return CachingEmbedder(embedder, EmbeddingCache(index_dir / "cache", embedder.name, embedder.dimension))


def remembering(count: TokenCounter, counts: dict[str, int]) -> TokenCounter:
    """Return `count` writing down each text's count in `counts`, and reading it from there when it is."""

    def remembered(text: str) -> int:
        found = counts.get(text)
        if found is None:
            found = counts[text] = count(text)
        return found

    return remembered


def chunk_all(
    documents: list[Document], options: BuildOptions, embedder: Embedder, count: TokenCounter | None = None
) -> list[Chunk]:
    """Chunk every document (counting tokens with `count`, default the model's), warning about empty ones."""
    chunks: list[Chunk] = []
    for document in documents:
        found = chunk_document(
            document,
            chunk_tokens=options.chunk_tokens,
            count_tokens=count or embedder.count_tokens,
            authors=options.show_authors,
        )
        if not found:
            log.warning("skipped %s: no paragraph of text in it", shown_name(document.path))
        chunks.extend(found)
    return chunks


def _manifest(
    embedder: Embedder,
    options: BuildOptions,
    documents: list[Document],
    skipped: dict[str, list[Any]],
    chunks: list[Chunk],
    represented: Represented,
    ranking: Ranking,
) -> Manifest:
    """Describe a build: model, chunker, documents, ranking, and the kind of each vector store."""
    vectors, _, sentences = represented
    kinds = {"titled": vectors[1].kind, "sentences_titled": sentences.titled.kind}
    if vectors[0] is not vectors[1]:  # "separate" views: the plain stores are their own
        kinds |= {"vectors": vectors[0].kind, "sentences": sentences.vectors.kind}
    return Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunker_version=CHUNKER_VERSION,
        chunk_tokens=options.chunk_tokens,
        show_authors=options.show_authors,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        chunk_count=len(chunks),
        documents=tuple(DocumentRecord.of(d) for d in documents),
        skipped=skipped,
        ranking=ranking.to_dict(),
        index_types=kinds,
    )


def _unwritable(index_dir: Path, exc: OSError) -> IndexStateError:
    """Describe an index folder that cannot be written, and what to do."""
    return IndexStateError(
        f"cannot write the index to {index_dir} ({exc.strerror or exc}): pass a writable folder with --index"
    )


def corpus_fingerprints(
    corpus_dir: Path,
    known: Manifest | None = None,
    files: Sequence[Path] | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
) -> dict[str, Fingerprint]:
    """Fingerprint every file the builder would read; reuse hashes of untouched files."""
    records = {d.doc_id: d for d in known.documents} if known else {}
    prints: dict[str, Fingerprint] = {}
    for path in corpus_files(corpus_dir) if files is None else files:
        doc_id = doc_id_of(path, corpus_dir)
        try:
            stat = path.stat()
            record = records.get(doc_id)
            if record and (record.size, record.mtime_ns, record.meta_sha256) == (
                stat.st_size,
                stat.st_mtime_ns,
                sidecar_digest(path),
            ):
                prints[doc_id] = record.fingerprint
                continue
            prints[doc_id] = fingerprint(path, corpus_dir, max_bytes)
        except OSError:
            continue  # the builder skips it too
    return prints


def check_index(
    corpus_dir: StrPath,
    index_dir: StrPath,
    *,
    model: str,
    options: BuildOptions = DEFAULTS,
    files: Sequence[Path] | None = None,
    verify: bool = True,
) -> str | None:
    """Say why the stored index cannot answer for this corpus and model, or None when it can."""
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    try:
        manifest = read_manifest(index_dir)
        if verify:  # hashes the build's files: skipped by callers that load the index (and so verify) next
            verify_files(index_dir, manifest)
    except IndexStateError as exc:
        return str(exc).split(":")[0]
    return staleness(
        manifest,
        model=model,
        chunk_tokens=options.chunk_tokens,
        chunker_version=CHUNKER_VERSION,
        fingerprints=corpus_fingerprints(corpus_dir, manifest, files, max_bytes=options.max_file_bytes),
        ranking=default_ranking(model=model).to_dict(),
        show_authors=options.show_authors,
    )


def open_engine(
    corpus_dir: StrPath,
    index_dir: StrPath,
    embedder: Embedder,
    options: BuildOptions = DEFAULTS,
    *,
    files: Sequence[Path] | None = None,
    rebuild: bool = True,
) -> QuoteEngine:
    """Load the index for a corpus, rebuilding it first when it is missing or stale (unless told not to).

    `files` narrows the corpus to a collection's selection of files; default: all of `corpus_dir`.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    # verify=False: _load_current reads and checks the same files right below
    reason = check_index(corpus_dir, index_dir, model=embedder.name, options=options, files=files, verify=False)
    stored, reason = _load_current(index_dir, embedder, reason)
    if stored is None:
        if not rebuild:
            raise StaleIndexError(f"the index is stale ({reason}): run `quotebot build`")
        if options.on_rebuild:
            options.on_rebuild(reason or "index missing")
        build_index(corpus_dir, index_dir, embedder, options, files=files)
        stored = load_index(index_dir)
    return QuoteEngine(stored, embedder, corpus_dir)


def _load_current(index_dir: Path, embedder: Embedder, reason: str | None) -> tuple[StoredIndex | None, str | None]:
    """Load an index `check_index` found current; return None and why when it cannot serve this embedder."""
    if reason:
        return None, reason
    try:
        stored = load_index(index_dir)
    except IndexCorruptError as exc:  # the manifest was fine but a data file is not
        return None, str(exc).split(":")[0]
    if stored.manifest.dimension != embedder.dimension:  # same name, other weights
        return None, f"built with {stored.manifest.dimension}-dimensional vectors, the model gives {embedder.dimension}"
    return stored, None


def prune_previous(engines: Iterable[QuoteEngine]) -> list[Path]:
    """Delete from disk the builds these engines' index folders no longer answer from; return what was deleted.

    Each folder keeps its current build and the one its engine answers from. Call it once the engines that
    answered before (and may be verifying a reply from the previous build's texts) have been let go of.
    """
    removed: list[Path] = []
    for engine in engines:
        folder = engine.stored.folder  # <index folder>/builds/<name>
        removed += prune_builds(folder.parent.parent, keep=[folder])
    return removed
