"""Domain errors of quotebot, all rooted in one exception.

The tree::

    QuotebotError
    ├── CorpusError            the corpus folder is missing, empty or unreadable
    │   └── DocumentFormatError    one file cannot be parsed (corrupt PDF, binary); it is skipped
    ├── ConfigError            quotebot.toml or a setting is invalid (an unknown collection or index type)
    ├── QuestionError          a question cannot be answered as asked, or not from here
    │   ├── EmptyQuestionError     it has no words
    │   └── QuestionTooLongError   it is over the limit (`length`, `limit`)
    ├── ModelError             the embedding model cannot be loaded
    │   └── ExportError            the ONNX export of the model failed or is damaged
    └── IndexStateError        the stored index cannot be used as it is
        ├── IndexNotFoundError     no index has been built yet
        ├── IndexCorruptError      files are missing, truncated or inconsistent
        ├── StaleIndexError        the index no longer matches the corpus or the settings
        └── OtherCorpusError       the index folder holds the index of another corpus folder

Every message is one line that says what to do next; the edges (CLI, bot) print it as it is.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CorpusError",
    "DocumentFormatError",
    "EmptyQuestionError",
    "ExportError",
    "IndexCorruptError",
    "IndexNotFoundError",
    "IndexStateError",
    "ModelError",
    "OtherCorpusError",
    "QuestionError",
    "QuestionTooLongError",
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
    """quotebot.toml or a setting is invalid (it names a collection or an index type that does not exist)."""


class QuestionError(QuotebotError):
    """A question cannot be answered as typed, or not from where it was asked."""


class EmptyQuestionError(QuestionError):
    """The question has no words (empty, spaces, punctuation or emoji only)."""


class QuestionTooLongError(QuestionError):
    """The question is longer than the limit."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the question is {length} characters long; the limit is {limit}: shorten it")
        self.length = length
        self.limit = limit


class ModelError(QuotebotError):
    """The embedding model cannot be loaded."""


class ExportError(ModelError):
    """The ONNX export of a model failed, or a kept export is damaged."""


class IndexStateError(QuotebotError):
    """The stored index cannot be used as it is."""


class IndexNotFoundError(IndexStateError):
    """No index has been built in the index folder."""


class IndexCorruptError(IndexStateError):
    """The index files are missing, truncated or do not agree with each other."""


class StaleIndexError(IndexStateError):
    """The index was built from another corpus, model or chunker version."""


class OtherCorpusError(IndexStateError):
    """The index folder holds the index of another corpus folder, which a build would replace."""
