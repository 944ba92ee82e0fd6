"""Domain errors of quotebot, all rooted in one exception.

The tree::

    QuotebotError
    ├── CorpusError            the corpus folder is missing, empty or unreadable
    │   └── DocumentFormatError    one file cannot be parsed (corrupt PDF, binary); it is skipped
    ├── ConfigError            quotebot.toml is unreadable or names an unknown collection
    ├── QuestionError          a question is empty or too long
    ├── ModelError             the embedding model cannot be loaded
    └── IndexStateError        the stored index cannot be used as it is
        ├── IndexNotFoundError     no index has been built yet
        ├── IndexCorruptError      files are missing, truncated or inconsistent
        └── StaleIndexError        the index no longer matches the corpus or the settings

Every message is one line that says what to do next; the edges (CLI, bot) print it as it is.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CorpusError",
    "DocumentFormatError",
    "IndexCorruptError",
    "IndexNotFoundError",
    "IndexStateError",
    "ModelError",
    "QuestionError",
    "QuotebotError",
    "StaleIndexError",
]


class QuotebotError(Exception):
    """Base of every error quotebot raises on purpose."""


class CorpusError(QuotebotError):
    """The corpus folder is missing, empty or has nothing to index."""


class DocumentFormatError(CorpusError):
    """One file cannot be parsed as its format says (corrupt PDF, binary data); the corpus skips it."""


class ConfigError(QuotebotError):
    """The configuration file (quotebot.toml) is invalid, or names a collection that does not exist."""


class QuestionError(QuotebotError):
    """A question cannot be answered as typed (empty, too long)."""


class ModelError(QuotebotError):
    """The embedding model cannot be loaded."""


class IndexStateError(QuotebotError):
    """The stored index cannot be used as it is."""


class IndexNotFoundError(IndexStateError):
    """No index has been built in the index folder."""


class IndexCorruptError(IndexStateError):
    """The index files are missing, truncated or do not agree with each other."""


class StaleIndexError(IndexStateError):
    """The index was built from another corpus, model or chunker version."""
