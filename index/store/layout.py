"""Stored indexes on disk, written atomically.

Layout of the index folder::

    CURRENT                 the name of the build that answers (replaced atomically)
    builds/<name>/          manifest.json, chunks.jsonl, vectors.faiss, titled.faiss, lexical/,
                            sentences.faiss, sentences_titled.faiss, sentence_lexical/ (a build
                            whose plain stores are its titled ones has no vectors.faiss nor sentences.faiss),
                            sentence_owners.npy (every chunk's sentences: vectors, BM25, chunk rows),
                            texts/<sha256>.txt (the text extracted from each HTML or PDF file,
                            named by the file's hash: quotes are slices of it)
    cache/                  vectors by content hash, so a rebuild embeds only what changed
    builds/.tmp-<name>/     a build in progress; never read, removed by the next build

A build is written in full under a temporary name, renamed, and only then named in
CURRENT, so a crash or Ctrl-C at any point leaves the previous build answering. The previous
build (with the text as it was: a deleted file's, a deleted message's) stays on disk only until
`prune_builds` removes it, once no engine answers from it any more.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import IndexCorruptError, IndexNotFoundError
from ..models import Chunk, StrPath
from .guard import StoreGuard
from .lexical import LexicalIndex
from .lock import LOCK_FILE
from .manifest import Manifest
from .vectors import VectorStore

__all__ = [
    "DIGEST_LIMIT",
    "SentenceTable",
    "StoredIndex",
    "load_index",
    "prune_builds",
    "read_manifest",
    "remove_builds",
    "save_index",
    "verify_files",
]

_CURRENT = "CURRENT"
_CHUNK_FILES = ("vectors.faiss", "titled.faiss")
_SENTENCE_FILES = ("sentences.faiss", "sentences_titled.faiss")
_TEXTS = "texts"
_TOKENS = "chunk_tokens.npy"
# Files up to this size are hashed at every load; larger ones (a million vectors) are checked by size,
# which catches truncation, while FAISS's own header checks and the counts below catch the rest.
DIGEST_LIMIT = 64 << 20


@dataclass(frozen=True, slots=True)
class SentenceTable:
    """Every chunk's sentences (id = position, in `split_sentences` order): vectors, BM25, owner rows."""

    vectors: VectorStore  # the sentence alone
    titled: VectorStore  # "document title: sentence", so a sentence knows what it is about
    lexical: LexicalIndex  # BM25 over the document title and the sentence
    owners: npt.NDArray[np.int64]  # sorted: the chunk row of each sentence


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """A loaded index: manifest, chunk table (row i = vector id i), vectors and lexical index.

    An index updated in place (index.update) shares its stores with the version it came from: rows are
    appended (a version sees only the rows of its own chunk table) and removed (`live` marks what is left),
    under `guard`. Its texts extracted since the build on disk are in `texts` until it is saved.
    """

    manifest: Manifest
    chunks: tuple[Chunk, ...]
    vectors: VectorStore  # the chunk's text (with its lead-in)
    titled: VectorStore  # the document title, then the chunk's text
    lexical: LexicalIndex
    sentences: SentenceTable
    folder: Path
    live: npt.NDArray[np.bool_] | None = None  # per chunk row, not removed by an update; None: every row
    texts: Mapping[str, str] = field(default_factory=dict)  # extracted texts by sha256, not yet on disk
    guard: StoreGuard = field(default_factory=StoreGuard, compare=False)  # shared by the versions of an index
    token_counts: dict[str, int] = field(default_factory=dict, compare=False)  # paragraphs counted by updates
    # Per chunk row, the word-pieces the chunker counted in its text (-1: not counted whole); None: not recorded
    chunk_tokens: npt.NDArray[np.int32] | None = None

    @property
    def live_count(self) -> int:
        """Return how many chunk rows are not removed."""
        return len(self.chunks) if self.live is None else int(np.count_nonzero(self.live))

    def is_live(self, row: int) -> bool:
        """Tell whether a chunk row is this version's and not removed."""
        return row < len(self.chunks) and (self.live is None or bool(self.live[row]))

    def extracted_text(self, sha256: str) -> str | None:
        """Return the stored text extracted from the source file with this hash, or None when it is missing."""
        if sha256 in self.texts:
            return self.texts[sha256]
        try:
            return (self.folder / _TEXTS / f"{sha256}.txt").read_bytes().decode("utf-8")  # no newline translation
        except (OSError, UnicodeDecodeError):
            return None


def _fsync_write(path: Path, text: str) -> None:
    """Write a file and flush it to disk before returning."""
    with path.open("w", encoding="utf-8", newline="") as handle:  # no newline translation: offsets index it
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
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"cannot read {path}: run `quotebot build`") from exc


def _digest(path: Path) -> str:
    """Return the sha256 of a file, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _inventory(folder: Path) -> dict[str, list[Any]]:
    """Return [size, sha256] of every file of a build folder but the manifest, by relative path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    sizes = {p: p.stat().st_size for p in files}
    # A file over DIGEST_LIMIT is checked by its size only (_verify_files): hashing it here would be wasted.
    return {p.relative_to(folder).as_posix(): [n, _digest(p) if n <= DIGEST_LIMIT else ""] for p, n in sizes.items()}


def verify_files(index_dir: Path, manifest: Manifest) -> None:
    """Check the current build's files against its (already read) manifest; raise IndexStateError on damage."""
    _verify_files(_current_build(index_dir), manifest)


def _verify_files(folder: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists before any is parsed: FAISS and numpy must never read a damaged one."""
    for name, (size, digest) in manifest.files.items():
        path = folder / name
        try:
            whole = path.stat().st_size == size and (size > DIGEST_LIMIT or _digest(path) == digest)
        except OSError:
            whole = False
        if not whole:
            raise IndexCorruptError(f"index file {path} is missing or damaged: run `quotebot build`")


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
    _verify_files(folder, manifest)
    chunks = _read_chunks(folder / "chunks.jsonl", manifest.chunk_count)
    titled = _load_vectors(folder / _CHUNK_FILES[1], manifest, manifest.chunk_count)
    vectors = _load_vectors(folder / _CHUNK_FILES[0], manifest, manifest.chunk_count) if _own(manifest, 0) else titled
    lexical = LexicalIndex.load(folder / "lexical", manifest.chunk_count)
    sentences = _load_sentences(folder, manifest)
    tokens = _load_tokens(folder, manifest) if _TOKENS in manifest.files else None
    return StoredIndex(manifest, chunks, vectors, titled, lexical, sentences, folder, chunk_tokens=tokens)


def _load_tokens(folder: Path, manifest: Manifest) -> npt.NDArray[np.int32]:
    """Load each chunk's token count, checking there is one per chunk."""
    try:
        tokens = np.load(folder / _TOKENS, allow_pickle=False)
    except Exception as exc:  # numpy's header parser raises many kinds: all mean damaged
        raise IndexCorruptError(f"token counts in {folder} are unreadable: run `quotebot build`") from exc
    if tokens.shape != (manifest.chunk_count,):
        raise IndexCorruptError(f"token counts in {folder} do not match the chunks: run `quotebot build`")
    return np.asarray(tokens, dtype=np.int32)


def _own(manifest: Manifest, which: int) -> bool:
    """Tell whether a build wrote plain vector files of its own (none when they were its titled stores)."""
    return (_CHUNK_FILES, _SENTENCE_FILES)[which][0] in manifest.files


def _load_vectors(path: Path, manifest: Manifest, count: int) -> VectorStore:
    """Load a vector file, checking it holds one vector per row (of the kind the manifest records)."""
    store = VectorStore.load(path, manifest.dimension, manifest.index_types.get(path.stem))
    if store.count != count:
        raise IndexCorruptError(f"vector file {path} does not match the chunk table: run `quotebot build`")
    return store


def _load_sentences(folder: Path, manifest: Manifest) -> SentenceTable:
    """Load the sentence vectors and their owner rows, checking they agree."""
    try:
        owners = np.load(folder / "sentence_owners.npy", allow_pickle=False)
    except Exception as exc:  # numpy's header parser raises EOFError, SyntaxError, TokenError…: all mean damaged
        raise IndexCorruptError(f"sentence table in {folder} is unreadable: run `quotebot build`") from exc
    sorted_ok = owners.ndim == 1 and (owners.size == 0 or bool(np.all(owners[1:] >= owners[:-1])))
    if not sorted_ok or (owners.size and owners.max() >= manifest.chunk_count):
        raise IndexCorruptError(f"sentence table in {folder} does not match the chunks: run `quotebot build`")
    titled = _load_vectors(folder / _SENTENCE_FILES[1], manifest, owners.size)
    vectors = _load_vectors(folder / _SENTENCE_FILES[0], manifest, owners.size) if _own(manifest, 1) else titled
    lexical = LexicalIndex.load(folder / "sentence_lexical", owners.size)
    return SentenceTable(vectors, titled, lexical, owners.astype(np.int64))


def save_index(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: tuple[VectorStore, VectorStore],
    lexical: LexicalIndex,
    sentences: SentenceTable,
    texts: Mapping[str, str] | None = None,
    *,
    keep: Path | None = None,
    chunk_tokens: npt.NDArray[np.int32] | None = None,
) -> Path:
    """Write a complete build, then switch CURRENT to it atomically; return its folder.

    `texts` are the extracted texts of HTML and PDF files, by the file's sha256. Older builds are deleted but
    the one CURRENT named and `keep` (a build an engine still answers from).
    """
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    tmp = builds / f".tmp-{name}"
    tmp.mkdir()
    _fsync_write(tmp / "chunks.jsonl", "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks))
    pairs = ((vectors, _CHUNK_FILES), ((sentences.vectors, sentences.titled), _SENTENCE_FILES))
    for (plain, titled), (plain_file, titled_file) in pairs:
        titled.save(tmp / titled_file)
        if plain is not titled:  # "late" and "titled" views: the plain store is the titled one, written once
            plain.save(tmp / plain_file)
    lexical.save(tmp / "lexical")
    sentences.lexical.save(tmp / "sentence_lexical")
    np.save(tmp / "sentence_owners.npy", sentences.owners, allow_pickle=False)
    if chunk_tokens is not None:  # what an in-place update need not count again (index.update)
        np.save(tmp / _TOKENS, np.asarray(chunk_tokens, dtype=np.int32), allow_pickle=False)
    (tmp / _TEXTS).mkdir()
    for digest, text in (texts or {}).items():
        _fsync_write(tmp / _TEXTS / f"{digest}.txt", text)
    manifest = replace(manifest, files=_inventory(tmp))
    _fsync_write(tmp / "manifest.json", manifest.to_json())  # written last: its presence marks a whole build
    final = builds / name
    tmp.rename(final)
    pointer_tmp = index_dir / f".{_CURRENT}.{name}"
    _fsync_write(pointer_tmp, name + "\n")
    try:
        previous = (index_dir / _CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        previous = ""
    os.replace(pointer_tmp, index_dir / _CURRENT)
    # The previous build stays until `prune_builds`: the engine still answering from it (until the caller swaps
    # in this one) reads its extracted texts to verify quotes.
    _remove_old_builds(builds, keep={name, previous} | ({keep.name} if keep is not None else set()))
    return final


def _remove_old_builds(builds: Path, keep: set[str]) -> list[Path]:
    """Delete every build but those in `keep` (and leftovers of interrupted builds); return what was deleted."""
    removed = []
    for entry in builds.iterdir():
        if entry.name not in keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def prune_builds(index_dir: Path, keep: Iterable[Path] = ()) -> list[Path]:
    """Delete every build of an index folder but the current one and those in `keep`; return what was deleted.

    `keep`: the build folders engines still answer from (`StoredIndex.folder`). Nothing is deleted while a
    build of the folder runs (it is about to name a new build current, and keeps the one before it), nor
    when CURRENT names no build; the caller prunes again after swapping in that build's engine.
    """
    index_dir = Path(index_dir)
    builds = index_dir / "builds"
    if not builds.is_dir():
        return []
    with _unless_building(index_dir) as free:
        if not free:
            return []
        try:
            current = _current_build(index_dir).name
        except (IndexNotFoundError, IndexCorruptError, OSError):
            return []  # never guess which build answers
        return _remove_old_builds(builds, {current, *(Path(k).name for k in keep)})


def remove_builds(index_dir: StrPath) -> list[Path]:
    """Delete every build of an index folder and its CURRENT pointer; return the builds deleted.

    For a collection left with no document (every message deleted): its last build holds their text. The
    embedding cache stays (vectors by hash, no text). Nothing is deleted while a build of the folder runs.
    """
    folder = Path(index_dir)
    builds = folder / "builds"
    if not builds.is_dir():
        return []
    with _unless_building(folder) as free:
        if not free:
            return []
        (folder / _CURRENT).unlink(missing_ok=True)  # first: never a pointer to a deleted build
        return _remove_old_builds(builds, set())


@contextlib.contextmanager
def _unless_building(index_dir: Path) -> Iterator[bool]:
    """Hold the folder's build lock if no build holds it (yield True), else yield False at once."""
    with (index_dir / LOCK_FILE).open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
