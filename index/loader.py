"""Load the documents of a corpus folder: decode, fingerprint, read title and date."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from index.chunker import read_layout
from index.errors import CorpusError
from index.models import Document

__all__ = ["SUFFIXES", "corpus_files", "load_corpus", "load_document", "read_text"]

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")


def corpus_files(corpus_dir: Path) -> list[Path]:
    """List the indexable files under the corpus folder, recursively, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist: create it and put .txt or .md files in it, "
            "or pass --corpus DIR"
        )
    found: list[Path] = []
    for root, dirs, files in os.walk(corpus_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files) if f.lower().endswith(SUFFIXES) and not f.startswith("."))
    return found


def read_text(data: bytes) -> str:
    """Decode UTF-8 (a BOM is dropped); raise UnicodeDecodeError otherwise."""
    return data.decode("utf-8-sig")


def _title_from_name(path: Path) -> str:
    """Make a readable title from a file name when the text has none."""
    words = path.stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else path.name


def load_document(path: Path, doc_id: str) -> Document:
    """Read one file into a Document; raise UnicodeDecodeError or OSError when it cannot be read."""
    stat = path.stat()
    data = path.read_bytes()
    text = read_text(data)
    fm_title, fm_date, meta = read_layout(text, path.suffix.lower() == ".md")
    return Document(
        doc_id=doc_id,
        path=path.resolve(),
        text=text,
        title=fm_title or meta.title or _title_from_name(path),
        date=fm_date or meta.date,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        mtime_ns=stat.st_mtime_ns,
    )


def iter_documents(corpus_dir: Path) -> Iterator[Document]:
    """Yield every readable, non-empty document; warn on one line for each file skipped."""
    for path in corpus_files(corpus_dir):
        doc_id = path.relative_to(corpus_dir).as_posix()
        try:
            document = load_document(path, doc_id)
        except UnicodeDecodeError:
            log.warning("skipped %s: not valid UTF-8 text", path)
            continue
        except OSError as exc:
            log.warning("skipped %s: cannot be read (%s)", path, exc.strerror or exc)
            continue
        if not document.text.strip():
            log.warning("skipped %s: the file is empty", path)
            continue
        yield document


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Load the corpus; raise CorpusError when it has no document to index."""
    documents = list(iter_documents(corpus_dir))
    if not documents:
        raise CorpusError(
            f"corpus folder {corpus_dir} has no readable .txt or .md file: add documents, or pass --corpus DIR"
        )
    return documents
