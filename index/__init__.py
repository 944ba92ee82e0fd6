"""quotebot's retrieval library: documents → paragraphs → embeddings → FAISS + BM25 → verbatim quotes.

The front door. A folder of documents is a library of one; quotebot.toml makes a library of collections::

    from quotebot.index import open_library

    library = open_library("corpus", ".quotebot/index")  # builds the index first when missing or stale
    answer = library.answer("What should ICT providers not do?")
    for passage in answer.passages:
        print(passage.text, "—", passage.title, passage.paragraph_label)

Layers, each a sub-package: `ingest` (files to documents and chunks; no model), `embed` (text to vectors),
`store` (an index on disk; knows no file format), `answer` (ranking and verified quotes); `build` and `library`
put them together. `text` holds the string helpers front ends share (sentences, what a terminal may show).
"""

from importlib.metadata import PackageNotFoundError, version

from .answer.engine import validate_question
from .build import BuildOptions, prune_previous, remove_builds
from .collections import Collection, Collections, collections_from, load_collections, read_config_file
from .embed.base import DEFAULT_MODEL, Embedder
from .embed.factory import make_embedder
from .errors import (
    ConfigError,
    CorpusError,
    DocumentFormatError,
    EmptyQuestionError,
    ExportError,
    IndexCorruptError,
    IndexNotFoundError,
    IndexStateError,
    ModelError,
    OtherCorpusError,
    QuestionError,
    QuestionTooLongError,
    QuotebotError,
    StaleIndexError,
)
from .ingest.extract import jump_link, parse_jump_link
from .library import (
    Library,
    build_library,
    check_library,
    open_library,
    preflight,
    save_library,
    update_library,
)
from .models import Answer, Citation, Difference, Passage, Source

try:
    __version__ = version("quotebot")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_MODEL",
    "Answer",
    "BuildOptions",
    "Citation",
    "Collection",
    "Collections",
    "ConfigError",
    "CorpusError",
    "Difference",
    "DocumentFormatError",
    "Embedder",
    "EmptyQuestionError",
    "ExportError",
    "IndexCorruptError",
    "IndexNotFoundError",
    "IndexStateError",
    "Library",
    "ModelError",
    "OtherCorpusError",
    "Passage",
    "QuestionError",
    "QuestionTooLongError",
    "QuotebotError",
    "Source",
    "StaleIndexError",
    "__version__",
    "build_library",
    "check_library",
    "collections_from",
    "jump_link",
    "load_collections",
    "make_embedder",
    "open_library",
    "parse_jump_link",
    "preflight",
    "prune_previous",
    "read_config_file",
    "remove_builds",
    "save_library",
    "update_library",
    "validate_question",
]
