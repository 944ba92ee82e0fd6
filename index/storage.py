"""Stored indexes on disk, written atomically.

Layout of the index folder::

    CURRENT                 the name of the build that answers (replaced atomically)
    builds/<name>/          manifest.json, chunks.jsonl, vectors.faiss, lexical/,
                            sentences.faiss + sentence_owners.npy (sentence vectors, their chunk rows)
    builds/.tmp-<name>/     a build in progress; never read, removed by the next build

A build is written in full under a temporary name, renamed, and only then named in
CURRENT, so a crash or Ctrl-C at any point leaves the previous build answering.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.errors import IndexCorruptError, IndexNotFoundError
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.models import Chunk
from index.store import VectorStore

__all__ = ["SentenceTable", "StoredIndex", "load_index", "read_manifest", "save_index"]

_CURRENT = "CURRENT"


@dataclass(frozen=True, slots=True)
class SentenceTable:
    """Vectors of every chunk's sentences (id = position) and the chunk row each belongs to."""

    vectors: VectorStore
    owners: npt.NDArray[np.int64]

    def best(self, rows: list[int], query: npt.NDArray[np.float32]) -> list[float]:
        """Return, for each chunk row, the best cosine of any of its sentences with the query."""
        starts = np.searchsorted(self.owners, rows, side="left")
        ends = np.searchsorted(self.owners, rows, side="right")
        ids = [i for s, e in zip(starts, ends, strict=True) for i in range(int(s), int(e))]
        scores = self.vectors.scores(query, ids)
        result: list[float] = []
        offset = 0
        for s, e in zip(starts, ends, strict=True):
            n = int(e - s)
            result.append(max(scores[offset : offset + n]) if n else -1.0)
            offset += n
        return result


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """A loaded index: manifest, chunk table (row i = vector id i), vectors and lexical index."""

    manifest: Manifest
    chunks: tuple[Chunk, ...]
    vectors: VectorStore
    lexical: LexicalIndex
    sentences: SentenceTable
    folder: Path


def _fsync_write(path: Path, text: str) -> None:
    """Write a file and flush it to disk before returning."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _current_build(index_dir: Path) -> Path:
    """Return the folder of the build named in CURRENT."""
    pointer = index_dir / _CURRENT
    if not pointer.is_file():
        raise IndexNotFoundError(f"no index in {index_dir}: run `quotebot build`")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / "builds" / name
    if not name or "/" in name or not folder.is_dir():
        raise IndexCorruptError(f"index pointer {pointer} names no build: run `quotebot build`")
    return folder


def read_manifest(index_dir: Path) -> Manifest:
    """Read the manifest of the current build."""
    path = _current_build(index_dir) / "manifest.json"
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IndexCorruptError(f"cannot read {path}: run `quotebot build`") from exc


def _read_chunks(path: Path, expected: int) -> tuple[Chunk, ...]:
    """Read the chunk table, checking every row and the row count."""
    try:
        with path.open(encoding="utf-8") as handle:
            chunks = tuple(Chunk(**json.loads(line)) for line in handle)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"chunk table {path} is unreadable: run `quotebot build`") from exc
    if len(chunks) != expected:
        raise IndexCorruptError(f"chunk table {path} has {len(chunks)} rows, expected {expected}: run `quotebot build`")
    return chunks


def load_index(index_dir: Path) -> StoredIndex:
    """Load and cross-check the current build; raise IndexStateError subclasses when unusable."""
    folder = _current_build(index_dir)
    manifest = read_manifest(index_dir)
    chunks = _read_chunks(folder / "chunks.jsonl", manifest.chunk_count)
    vectors = VectorStore.load(folder / "vectors.faiss", manifest.dimension)
    if vectors.count != manifest.chunk_count:
        raise IndexCorruptError(f"vector file in {folder} does not match the chunk table: run `quotebot build`")
    lexical = LexicalIndex.load(folder / "lexical", manifest.chunk_count)
    return StoredIndex(manifest, chunks, vectors, lexical, _load_sentences(folder, manifest), folder)


def _load_sentences(folder: Path, manifest: Manifest) -> SentenceTable:
    """Load the sentence vectors and their owner rows, checking they agree."""
    try:
        owners = np.load(folder / "sentence_owners.npy", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"sentence table in {folder} is unreadable: run `quotebot build`") from exc
    vectors = VectorStore.load(folder / "sentences.faiss", manifest.dimension)
    sorted_ok = owners.ndim == 1 and (owners.size == 0 or bool(np.all(owners[1:] >= owners[:-1])))
    if not sorted_ok or vectors.count != owners.size or (owners.size and owners.max() >= manifest.chunk_count):
        raise IndexCorruptError(f"sentence table in {folder} does not match the chunks: run `quotebot build`")
    return SentenceTable(vectors, owners.astype(np.int64))


def save_index(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: VectorStore,
    lexical: LexicalIndex,
    sentences: SentenceTable,
) -> Path:
    """Write a complete build, then switch CURRENT to it atomically; return its folder."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    tmp = builds / f".tmp-{name}"
    tmp.mkdir()
    _fsync_write(tmp / "chunks.jsonl", "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks))
    vectors.save(tmp / "vectors.faiss")
    lexical.save(tmp / "lexical")
    sentences.vectors.save(tmp / "sentences.faiss")
    np.save(tmp / "sentence_owners.npy", sentences.owners, allow_pickle=False)
    _fsync_write(tmp / "manifest.json", manifest.to_json())  # written last: its presence marks a whole build
    final = builds / name
    tmp.rename(final)
    pointer_tmp = index_dir / f".{_CURRENT}.{name}"
    _fsync_write(pointer_tmp, name + "\n")
    os.replace(pointer_tmp, index_dir / _CURRENT)
    _remove_old_builds(builds, keep=name)
    return final


def _remove_old_builds(builds: Path, keep: str) -> None:
    """Delete every build but `keep` (and leftovers of interrupted builds)."""
    for entry in builds.iterdir():
        if entry.name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
