"""The index manifest: what an index was built from, and whether it still matches."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import IndexCorruptError
from ..models import Document

__all__ = ["FORMAT_VERSION", "DocumentRecord", "Fingerprint", "Manifest", "staleness"]

# 2: sentence vectors; 3: titled vectors, sentence BM25, the fitted ranking; 4: formats, sections, pages, texts/
FORMAT_VERSION = 4


Fingerprint = tuple[int, str, str | None]  # size, sha256 of the file, sha256 of its sidecar


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document's fingerprint and metadata as indexed."""

    doc_id: str
    size: int
    sha256: str
    mtime_ns: int
    title: str
    date: str | None
    kind: str = "text"
    url: str | None = None
    meta_sha256: str | None = None  # the sidecar's, so that editing it makes the index stale

    @classmethod
    def of(cls, document: Document) -> DocumentRecord:
        """Record a loaded document."""
        return cls(
            document.doc_id,
            document.size,
            document.sha256,
            document.mtime_ns,
            document.title,
            document.date,
            document.kind,
            document.url,
            document.meta_sha256,
        )

    @property
    def fingerprint(self) -> Fingerprint:
        """Return what identifies the indexed content: size, hash, and the sidecar's hash."""
        return (self.size, self.sha256, self.meta_sha256)


@dataclass(frozen=True, slots=True)
class Manifest:
    """Everything that decides whether a stored index can answer for the current corpus and settings."""

    model: str
    dimension: int
    chunker_version: int
    chunk_tokens: int
    created_at: str
    chunk_count: int
    documents: tuple[DocumentRecord, ...]
    ranking: dict[str, Any] = field(default_factory=dict)  # fusion weights and decline rule (index.ranking)
    index_types: dict[str, str] = field(default_factory=dict)  # vector file stem -> FAISS kind (index.store)
    embedded: int | None = None  # texts this build embedded; the rest came from the embedding cache
    # Files the build could not use (empty, not UTF-8, corrupt PDF), by fingerprint: unchanged, they stay skipped.
    skipped: dict[str, list[Any]] = field(default_factory=dict)
    # Every other file of the build: relative path -> [size, sha256], checked before anything is loaded.
    files: dict[str, list[Any]] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    show_authors: bool = False  # Discord messages' chunks carry their author's name (the collection asked for it)
    # The second model a build before issue 26 also embedded with (its `multilingual` key, e.g. USE multilingual
    # v3): read so that such an index is stale (`staleness`), never written.
    second_model: str | None = None
    # The corpus folder it was built from (resolved): an index folder is not silently taken over by another
    # corpus (`index.library`); None in builds made before this was recorded.
    corpus: str | None = None

    def to_json(self) -> str:
        """Serialize to indented JSON."""
        data = asdict(self)
        del data["second_model"]
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest, raising IndexCorruptError on anything malformed."""
        try:
            raw: dict[str, Any] = json.loads(text)
            documents = tuple(DocumentRecord(**d) for d in raw.pop("documents"))
            raw.pop("multilingual_dimension", None)
            second = raw.pop("multilingual", None)
            return cls(documents=documents, second_model=str(second) if second else None, **raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise IndexCorruptError("the index manifest is malformed: run `quotebot build`") from exc

    def document(self, doc_id: str) -> DocumentRecord | None:
        """Return the record of a document, if it was indexed."""
        return next((d for d in self.documents if d.doc_id == doc_id), None)


def staleness(
    manifest: Manifest,
    *,
    model: str,
    chunk_tokens: int,
    chunker_version: int,
    fingerprints: dict[str, Fingerprint],
    ranking: dict[str, Any] | None = None,
    show_authors: bool = False,
) -> str | None:
    """Say why the index no longer matches (models, chunker, ranking, corpus), or None when it does."""
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} is not the current {FORMAT_VERSION}"
    if manifest.model != model:
        return f"built with model {manifest.model!r}, settings ask for {model!r}"
    if manifest.second_model is not None:
        return f"built with a second model ({manifest.second_model}), which this release no longer uses"
    if manifest.chunker_version != chunker_version or manifest.chunk_tokens != chunk_tokens:
        return "built with another chunker version or window size"
    if manifest.show_authors != show_authors:
        return "built with authors' names " + ("hidden" if show_authors else "shown") + ", quotebot.toml says otherwise"
    if ranking is not None and manifest.ranking != ranking:
        return "built with another ranking (fusion weights or decline rule)"
    indexed = {d.doc_id: d.fingerprint for d in manifest.documents}
    unusable = {k for k, v in manifest.skipped.items() if fingerprints.get(k) == tuple(v)}
    added = sorted(set(fingerprints) - set(indexed) - unusable)
    removed = sorted(set(indexed) - set(fingerprints))
    changed = sorted(k for k in set(indexed) & set(fingerprints) if indexed[k] != fingerprints[k])
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        if names:
            more = f" and {len(names) - 1} more" if len(names) > 1 else ""
            return f"corpus file {label} since the last build: {names[0]}{more}"
    return None
