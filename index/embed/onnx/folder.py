"""Where the ONNX export of a model lives, and how it is written: once, atomically, checked.

An export lives in a folder named by the model's fingerprint (a hash of the model's files)::

    <cache>/onnx/<fingerprint>/model.onnx       the transformer, dynamic batch and sequence axes
                              tokenizer.json   the tokenizer the model was loaded with
                              export.json      pooling, max length, file sizes, probe vectors (written last)

It is written under a temporary name and renamed into place, so a crash never leaves a half export
that loads, and it is published only once it reproduces sentence-transformers' vectors. Older exports
of the same model folder, and temporary folders a crash left, are deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import ExportError
from ..base import SentenceTransformerEmbedder, resolve_model
from .embedder import (
    META_FILE,
    MIN_COSINE,
    ONNX_FILE,
    PROBES,
    TOKENIZER_FILE,
    ExportSpec,
    OnnxEmbedder,
)

__all__ = [
    "EXPORT_FOLDER",
    "check_export",
    "export_folder",
    "export_loaded",
    "export_onnx",
    "model_fingerprint",
    "model_folder",
]

log = logging.getLogger(__name__)

EXPORT_FOLDER = "onnx"  # under the cache folder (the index folder)
_EXPORT_VERSION = 1  # part of the fingerprint: bump it when the export's format or graph changes
_MEMO_FILE = "fingerprints.json"
_SKIPPED_FILES = {".gitattributes", "README.md"}
_SKIPPED_DIRS = {".git", ".cache", "onnx", "openvino"}  # other exports some model repos ship: not what torch loads


def model_folder(model: str) -> Path | None:
    """Return the local folder sentence-transformers loads a model from, or None when it is not found."""
    path = Path(resolve_model(model))
    if path.is_dir():
        return path
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    names = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    for name in names:
        try:
            return Path(snapshot_download(name, local_files_only=True))
        except Exception:  # not in the local cache (or not a repo name at all): try the next spelling
            continue
    return None


def _model_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """Yield (relative name, path) of the files that make up a model, in a stable order."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and path.name not in _SKIPPED_FILES and not _SKIPPED_DIRS & set(relative.parts[:-1]):
            yield relative.as_posix(), path


def model_fingerprint(folder: Path, memo: Path | None = None) -> str:
    """Hash a model folder's files (names, sizes, contents); reuse the hash in `memo` while none changed."""
    files = list(_model_files(folder))
    stamp = [[name, path.stat().st_size, path.stat().st_mtime_ns] for name, path in files]
    key = str(folder.resolve())
    known = _read_json(memo).get(key) if memo else None
    if isinstance(known, dict) and known.get("stamp") == stamp and isinstance(known.get("fingerprint"), str):
        return str(known["fingerprint"])
    digest = hashlib.sha256(f"quotebot-onnx-export-{_EXPORT_VERSION}".encode())
    for name, path in files:
        with path.open("rb") as handle:
            content = hashlib.file_digest(handle, "sha256").hexdigest()
        digest.update(f"\0{name}\0{path.stat().st_size}\0{content}".encode())
    fingerprint = digest.hexdigest()[:24]
    if memo:
        memos = _read_json(memo)
        memos[key] = {"stamp": stamp, "fingerprint": fingerprint}
        with contextlib.suppress(OSError):  # a read-only cache still works, it only hashes again next time
            _write_atomic(memo, json.dumps(memos, indent=1))
    return fingerprint


def export_folder(cache_dir: Path, model: str) -> Path:
    """Return the folder the export of a model goes in under a cache folder; raise ExportError if not local."""
    folder = model_folder(model)
    if folder is None:
        raise ExportError(f"model {model!r} is not a local folder or in the local cache")
    root = cache_dir / EXPORT_FOLDER
    return root / model_fingerprint(folder, root / _MEMO_FILE if root.is_dir() else None)


def _read_json(path: Path | None) -> dict[str, Any]:
    """Read a JSON object; a missing or damaged file is an empty one (it only saves work)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_atomic(path: Path, text: str) -> None:
    """Write a small text file under a temporary name and rename it into place."""
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def export_onnx(model: str, target: Path) -> Path:
    """Export a sentence-transformers model to ONNX into the folder `target`, atomically; return `target`.

    Loads the model with torch (seconds); raises ExportError when the model is not exportable
    (modules other than Transformer → Pooling → Normalize, pooling other than mean or CLS) or the
    export does not reproduce sentence-transformers' vectors.
    """
    folder = model_folder(model)
    if folder is None:
        raise ExportError(f"model {model!r} is not a local folder or in the local cache")
    return export_loaded(SentenceTransformerEmbedder(model), folder, target)


def export_loaded(embedder: SentenceTransformerEmbedder, folder: Path, target: Path) -> Path:
    """Export a loaded sentence-transformers model (its files in `folder`) into `target`, atomically."""
    from .export import check_exportable, write_model

    pooling, max_length = check_exportable(embedder.model, folder)
    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir(parents=True)
        _sweep(target.parent)
        started = time.perf_counter()
        log.info("exporting %s to ONNX into %s (once, about 30 s)", embedder.name, target.parent)
        inputs, pad_id = write_model(embedder.model, tmp / ONNX_FILE, tmp / TOKENIZER_FILE)
        spec = ExportSpec(
            fingerprint=model_fingerprint(folder, target.parent / _MEMO_FILE),
            source=str(folder.resolve()),
            pooling=pooling,
            max_seq_length=max_length,
            dimension=embedder.dimension,
            inputs=inputs,
            pad_id=pad_id,
            files={name: (tmp / name).stat().st_size for name in (ONNX_FILE, TOKENIZER_FILE)},
            probes=embedder.embed_batch(PROBES).tolist(),
            prompts=embedder.prompts,
        )
        _write_atomic(tmp / META_FILE, spec.to_json())  # last: a folder without it never loads
        check_export(tmp, embedder)
        _publish(tmp, target)
        log.info("exported %s to ONNX in %.1f s", embedder.name, time.perf_counter() - started)
    except OSError as exc:
        raise ExportError(f"cannot write the ONNX export to {target.parent} ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def check_export(folder: Path, embedder: SentenceTransformerEmbedder) -> None:
    """Raise ExportError unless the export reproduces sentence-transformers on texts of every shape."""
    onnx = OnnxEmbedder(folder, name=embedder.name, threads=1)
    long_text = " ".join(["Every quote is an exact slice of a source file, re-checked before it is shown."] * 40)
    texts = [*PROBES, "", "   spaced   out   ", "Ünïcödé café, 北京, emoji 😀.", long_text]
    for batch in (texts, texts[:1]):  # padded and truncated, then alone; as passages, then as questions
        pairs = [(embedder.embed_batch(batch), onnx.embed_batch(batch))]
        if embedder.prompts.get("query"):
            pairs.append((embedder.embed_queries(batch), onnx.embed_queries(batch)))
        if any(float((expected * got).sum(axis=1).min()) < MIN_COSINE for expected, got in pairs):
            raise ExportError("the ONNX export does not reproduce sentence-transformers' vectors")
    if any(onnx.count_tokens(t) != embedder.count_tokens(t) for t in texts):
        raise ExportError("the exported tokenizer counts word-pieces differently")


def _publish(tmp: Path, target: Path) -> None:
    """Rename a finished export into place, moving aside (then deleting) a damaged one already there."""
    if target.exists():
        _discard(target)
    try:
        os.rename(tmp, target)
    except OSError:  # another process published the same export meanwhile: keep theirs
        if not (target / META_FILE).is_file():
            raise
    _discard_siblings(target)


def _discard(folder: Path) -> None:
    """Delete an export folder without ever leaving a half-deleted one under its name."""
    aside = folder.with_name(f".stale-{uuid.uuid4().hex}")
    try:
        os.rename(folder, aside)
    except OSError:
        return  # already gone
    shutil.rmtree(aside, ignore_errors=True)


def _discard_siblings(target: Path) -> None:
    """Delete older exports of the same model folder: the fingerprint changed, they will not load again."""
    source = _read_json(target / META_FILE).get("source")
    for sibling in target.parent.iterdir():
        ours = sibling != target and sibling.is_dir() and not sibling.name.startswith(".")
        if ours and _read_json(sibling / META_FILE).get("source") == source:
            _discard(sibling)


def _sweep(root: Path, older_than_s: float = 3600.0) -> None:
    """Delete temporary folders a crashed export left behind (an hour old: no export takes that long)."""
    now = time.time()
    for entry in root.glob(".*-*"):
        try:
            if entry.is_dir() and now - entry.stat().st_mtime > older_than_s:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue
