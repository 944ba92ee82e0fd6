"""Prove a quote is still an exact slice of its unchanged source file, re-reading a file only when it changed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import DocumentFormatError
from ..ingest.extract import extract_discord_export
from ..ingest.files import read_text
from ..models import EXTRACTED_KINDS, Chunk
from ..store.manifest import DocumentRecord

__all__ = ["SourceCheck"]


class SourceCheck:
    """Re-read source files to prove a quote is still an exact slice of an unchanged file.

    A file is hashed again only when its size, mtime or inode changed since it was last
    verified: a stat per cited file per answer, instead of reading and hashing it every time.
    """

    def __init__(
        self, corpus_dir: Path, records: Mapping[str, DocumentRecord], extracted: Callable[[str], str | None]
    ) -> None:
        self._corpus_dir = corpus_dir
        self._records = records
        self._extracted = extracted  # the stored text of an HTML/PDF file, by the file's sha256
        self._texts: dict[str, tuple[tuple[int, int, int], str | None]] = {}
        self._paths: dict[str, Path] = {}

    def current_text(self, doc_id: str) -> str | None:
        """Return the file's text if it is unchanged since indexing, else None."""
        path = self._paths.get(doc_id)
        if path is None:  # joined once per file: pathlib costs as much as the stat itself
            path = self._paths[doc_id] = self._corpus_dir / doc_id
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        cached = self._texts.get(doc_id)
        if cached and cached[0] == key:
            return cached[1]
        record = self._records.get(doc_id)
        text: str | None = None
        try:
            data = path.read_bytes()
            if record and len(data) == record.size and hashlib.sha256(data).hexdigest() == record.sha256:
                # An unchanged HTML/PDF file: its quotes are slices of the text extracted when it was indexed.
                text = self._extracted(record.sha256) if record.kind in EXTRACTED_KINDS else read_text(data)
            elif record and record.kind == "discord":
                # A mirrored channel grows as messages arrive: a quote stands while its message is still
                # where it was, verbatim, in the export as it is now (an edit or delete before it moves it).
                text = extract_discord_export(data).text
        except (OSError, UnicodeDecodeError, DocumentFormatError):
            text = None
        self._texts[doc_id] = (key, text)
        return text

    def verified(self, chunk: Chunk) -> bool:
        """Tell whether the chunk is still verbatim in its unchanged source file."""
        text = self.current_text(chunk.doc_id)
        return text is not None and text[chunk.start : chunk.end] == chunk.text
