"""Load the documents of a corpus folder: decode or extract, fingerprint, read title, date and links.

Plain text and Markdown are read as they are; HTML and PDF go through `index.extract`, and
their extracted text is what the index slices. A sidecar `NAME.meta.toml` (or `STEM.meta.toml`)
beside any file sets its title, date, url and collection, over what the file itself says.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import CorpusError, DocumentFormatError
from ..models import Document
from ..text import one_line_title, printable, shown_name
from .chunker import read_layout
from .extract import Extracted, extract_discord_export, extract_html, extract_pdf
from .metadata import front_matter_fields, parse_date

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SIDECAR_BYTES",
    "SIDECAR_SUFFIX",
    "SUFFIXES",
    "corpus_files",
    "declared_collection",
    "doc_id_of",
    "fingerprint",
    "kind_of",
    "load_corpus",
    "load_document",
    "read_corpus",
    "read_sidecar",
    "read_text",
    "refused",
    "sidecar_digest",
    "sidecar_path",
    "web_url",
]

log = logging.getLogger(__name__)

_KINDS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".json": "discord",  # a DiscordChatExporter export; other JSON files are skipped with a warning
}
SUFFIXES = tuple(_KINDS)
SIDECAR_SUFFIX = ".meta.toml"
MAX_FILE_BYTES = 50 << 20  # larger files are skipped with a warning: a stray dump must not stall a build
MAX_SIDECAR_BYTES = 64 << 10  # a sidecar holds four short keys; a larger one is not read (an 80 MB one took 22 s)
_SIDECAR_KEYS = ("title", "date", "url", "collection")


def corpus_files(corpus_dir: Path) -> list[Path]:
    """List the indexable files under the corpus folder, recursively, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist: create it and put documents in it "
            f"({', '.join(SUFFIXES)}), or pass --corpus DIR"
        )
    found: list[Path] = []
    for root, dirs, files in os.walk(corpus_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files) if f.lower().endswith(SUFFIXES) and not f.startswith("."))
    return found


def read_text(data: bytes) -> str:
    """Decode UTF-8 (a BOM is dropped); raise UnicodeDecodeError otherwise."""
    return data.decode("utf-8-sig")


def kind_of(path: Path) -> str:
    """Return the format of a corpus file from its suffix: text, markdown, html, pdf or discord (.json)."""
    return _KINDS.get(path.suffix.lower(), "text")


def sidecar_path(path: Path) -> Path | None:
    """Return the sidecar metadata file of a document (`NAME.meta.toml`, else `STEM.meta.toml`), if any."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_symlink() or candidate.is_file():  # a link is found, to be refused, never followed
            return candidate
    return None


def _sidecar_data(sidecar: Path) -> tuple[bytes | None, str]:
    """Return a sidecar's bytes and digest, or None and why it is refused (the digest then marks the refusal).

    A sidecar gets the rule of a document and more: it is never read through a symbolic link (a link could
    put another collection's title and URL on this file, or parse any TOML file on the machine), and one over
    MAX_SIDECAR_BYTES is not read at all.
    """
    if sidecar.is_symlink():
        return None, "refused:link"
    size = sidecar.stat().st_size
    if size > MAX_SIDECAR_BYTES:
        return None, f"refused:size:{size}"
    with sidecar.open("rb") as handle:
        data = handle.read(MAX_SIDECAR_BYTES + 1)  # bounded even if the file grew since the stat
    if len(data) > MAX_SIDECAR_BYTES:
        return None, f"refused:size:{len(data)}"
    return data, hashlib.sha256(data).hexdigest()


_SIDECAR_REFUSALS = {
    "link": "a symbolic link (sidecars are never followed: copy the file instead)",
    "size": f"over the {MAX_SIDECAR_BYTES >> 10} KB limit of a sidecar (keep only title, date, url, collection)",
}


def read_sidecar(path: Path, *, warn: bool = True) -> dict[str, str]:
    """Read a document's sidecar metadata; warn on one line (unless told not to) and ignore it when unusable."""
    return _sidecar(path, warn=warn)[0]


def _sidecar(path: Path, *, warn: bool = True) -> tuple[dict[str, str], str | None]:
    """Read a document's sidecar once: its metadata (warned about when unusable) and its digest."""
    sidecar = sidecar_path(path)
    if sidecar is None:
        return {}, None
    say = log.warning if warn else log.debug
    digest: str | None = None
    try:
        data, digest = _sidecar_data(sidecar)
        if data is None:
            say("ignored %s: %s", shown_name(sidecar), _SIDECAR_REFUSALS[digest.split(":")[1]])
            return {}, digest
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = printable(str(exc))
        say("ignored %s: not readable TOML (%s); fix it to set this file's metadata", shown_name(sidecar), reason)
        return {}, digest
    unknown = sorted(set(raw) - set(_SIDECAR_KEYS))
    if unknown:
        names = ", ".join(shown_name(k) for k in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        say("ignored key %s in %s: use %s", names, shown_name(sidecar), ", ".join(_SIDECAR_KEYS))
    return {k: str(v) for k, v in raw.items() if k in _SIDECAR_KEYS and v is not None}, digest


def sidecar_digest(path: Path) -> str | None:
    """Return the sha256 of a document's sidecar (or a mark of its refusal), so editing it makes the index stale."""
    sidecar = sidecar_path(path)
    try:
        return _sidecar_data(sidecar)[1] if sidecar else None
    except OSError:
        return None


def declared_collection(path: Path) -> str | None:
    """Return the collection a file names for itself (sidecar, else a text file's front matter)."""
    named = read_sidecar(path, warn=False).get("collection")  # the build warns about a bad sidecar, once
    if named is None and kind_of(path) in ("text", "markdown"):
        try:
            with path.open("rb") as handle:
                head = handle.read(8192).decode("utf-8-sig", errors="ignore")
        except OSError:
            return None
        named = front_matter_fields(head).get("collection")
    return named.strip() if named else None


def web_url(url: str | None, path: Path) -> str | None:
    """Return the URL when it is http(s); any other scheme (javascript:, file:) is dropped with a warning."""
    if not url:
        return None
    url = url.strip()
    if url.lower().startswith(("https://", "http://")) and url.isprintable() and " " not in url:
        return url  # isprintable: no space, NUL, ESC, BEL or bidi control can reach a link or a terminal
    log.warning(
        "ignored the url of %s: only http:// and https:// links without spaces or control characters are shown (%s)",
        shown_name(path),
        printable(url[:60]),
    )
    return None


def _title_from_name(path: Path) -> str:
    """Make a readable title from a file name when the text has none."""
    words = one_line_title(path.stem.replace("_", " ").replace("-", " ")).split()
    return " ".join(words).capitalize() if words else shown_name(path.name)


def _extract(kind: str, data: bytes) -> Extracted:
    """Return the text of a file: decoded as it is, or extracted from HTML or PDF."""
    if kind == "html":
        return extract_html(data)
    if kind == "pdf":
        return extract_pdf(data)
    if kind == "discord":
        return extract_discord_export(data)
    text = read_text(data)
    fields = front_matter_fields(text)
    title, date, meta = read_layout(text, kind == "markdown")
    return Extracted(text, title or meta.title, date or meta.date, fields.get("url"), (), kind == "markdown")


def load_document(path: Path, doc_id: str) -> Document:
    """Read one file into a Document; raise UnicodeDecodeError, OSError or DocumentFormatError when it cannot."""
    stat = path.stat()
    data = path.read_bytes()
    kind = kind_of(path)
    extracted = _extract(kind, data)
    side, side_digest = _sidecar(path)
    date = side.get("date")
    # Titles and dates are shown on a terminal and in logs: no control character reaches them (the text, quoted
    # verbatim, is left as it is).
    title = one_line_title(side.get("title") or "") or one_line_title(extracted.title or "") or _title_from_name(path)
    return Document(
        doc_id=doc_id,
        path=path.absolute(),  # not resolved: a link's target is never named where the link's file is cited
        text=extracted.text,
        title=title,
        date=(one_line_title(parse_date(date) or date) or None) if date else extracted.date,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        mtime_ns=stat.st_mtime_ns,
        kind=kind,
        url=web_url(side.get("url") or extracted.url, path),
        pages=extracted.pages,
        meta_sha256=side_digest,
        anchors=extracted.anchors,
    )


def doc_id_of(path: Path, corpus_dir: Path) -> str:
    """Return a file's id: its path relative to the corpus folder (with `..` for a file a collection adopts)."""
    return Path(os.path.relpath(path, corpus_dir)).as_posix()


def read_corpus(
    corpus_dir: Path,
    files: Sequence[Path] | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    required: bool = True,
) -> tuple[list[Document], dict[str, list[Any]]]:
    """Load the corpus (or the given files of it), and the fingerprints of the files it had to skip.

    Each skipped file gets a one-line warning. Raise CorpusError when no document is left to index (unless
    not `required`: a few changed files of an index, all of them unreadable).
    """
    documents: list[Document] = []
    skipped: dict[str, list[Any]] = {}
    for path in corpus_files(corpus_dir) if files is None else files:
        doc_id = doc_id_of(path, corpus_dir)
        refusal = refused(path, corpus_dir, max_bytes)
        document, reason = (None, refusal) if refusal else _try_load(path, doc_id)
        if document is not None:
            documents.append(document)
            continue
        log.warning("skipped %s: %s", shown_name(path), reason)
        with contextlib.suppress(OSError):  # unreadable: no fingerprint either, so it never makes the index stale
            skipped[doc_id] = list(fingerprint(path, corpus_dir, max_bytes))
    if not documents and required:
        raise CorpusError(
            f"corpus folder {corpus_dir} has no readable document ({', '.join(SUFFIXES)}): "
            "add documents, or pass --corpus DIR"
        )
    return documents, skipped


def refused(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """Say why a file is never read (a link out of the corpus folder, too large), or None; nothing is read."""
    try:
        if path.is_symlink() and not path.resolve(strict=True).is_relative_to(corpus_dir.resolve()):
            return "a link to a file outside the corpus folder (copy the file in instead)"
        size = path.stat().st_size
    except (OSError, RuntimeError):
        return None  # a dangling link or a loop: reading it fails, and says so
    if size > max_bytes:
        return (
            f"{size / 2**20:,.0f} MB, over the {max_bytes / 2**20:,.0f} MB limit "
            "(split it, or raise QUOTEBOT_MAX_FILE_MB)"
        )
    return None


def fingerprint(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[int, str, str | None]:
    """Return (size, sha256, sidecar sha256) of a file; a refused file is fingerprinted without reading it."""
    meta = sidecar_digest(path)
    if refused(path, corpus_dir, max_bytes):
        return (path.lstat().st_size, "refused", meta)
    data = path.read_bytes()
    return (len(data), hashlib.sha256(data).hexdigest(), meta)


def _try_load(path: Path, doc_id: str) -> tuple[Document | None, str]:
    """Load one document, or say in a few words why it cannot be indexed."""
    try:
        document = load_document(path, doc_id)
    except UnicodeDecodeError:
        return None, "not valid UTF-8 text"
    except DocumentFormatError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if not document.text.strip():
        return None, "the file is empty"
    return document, ""


def load_corpus(
    corpus_dir: Path, files: Sequence[Path] | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> list[Document]:
    """Load the corpus (or the given files of it); raise CorpusError when it has no document to index."""
    return read_corpus(corpus_dir, files, max_bytes=max_bytes)[0]
