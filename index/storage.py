"""Stored indexes on disk, written atomically.

Layout of the index folder::

    CURRENT                 the name of the build that answers (replaced atomically)
    builds/<name>/          manifest.json, chunks.jsonl, vectors.faiss, lexical/
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

from index.errors import IndexCorruptError, IndexNotFoundError
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.models import Chunk
from index.store import VectorStore

__all__ = ["StoredIndex", "load_index", "read_manifest", "save_index"]

_CURRENT = "CURRENT"


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """A loaded index: manifest, chunk table (row i = vector id i), vectors and lexical index."""

    manifest: Manifest
    chunks: tuple[Chunk, ...]
    vectors: VectorStore
    lexical: LexicalIndex
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
    return StoredIndex(manifest, chunks, vectors, lexical, folder)


def save_index(
    index_dir: Path, manifest: Manifest, chunks: list[Chunk], vectors: VectorStore, lexical: LexicalIndex
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
