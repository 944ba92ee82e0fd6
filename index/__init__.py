"""quotebot's retrieval library: corpus → paragraphs → embeddings → FAISS + BM25 → verbatim quotes.

Typical use::

    embedder = make_embedder(cache_dir=Path(".quotebot/index"))  # ONNX when it can, else torch
    engine = open_engine(Path("corpus"), Path(".quotebot/index"), embedder)
    answer = engine.answer("What should ICT providers not do?")
"""

from index.builder import DEFAULT_CHUNK_TOKENS, build_index, check_index, chunk_document
from index.cache import CachingEmbedder, EmbeddingCache
from index.collections import Collection, Collections, default_collections, load_collections
from index.dedupe import collapse_duplicates
from index.embedder import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from index.embedders import BACKENDS, Backend, make_embedder
from index.engine import MAX_QUESTION_CHARS, QuoteEngine, Ranked, open_engine, validate_question
from index.errors import (
    ConfigError,
    CorpusError,
    DocumentFormatError,
    IndexCorruptError,
    IndexNotFoundError,
    IndexStateError,
    ModelError,
    QuestionError,
    QuotebotError,
    StaleIndexError,
)
from index.library import Library, build_collections, check_collections, collection_files, open_library
from index.links import deep_link
from index.loader import load_corpus
from index.manifest import Manifest
from index.models import Answer, Chunk, Citation, Document, Passage
from index.onnx_cache import export_onnx
from index.onnx_embedder import OnnxEmbedder
from index.ranking import FEATURES, DeclineRule, Evidence, Ranker, Ranking, default_ranking
from index.storage import StoredIndex, load_index, read_manifest

__all__ = [
    "BACKENDS",
    "DEFAULT_CHUNK_TOKENS",
    "DEFAULT_MODEL",
    "FEATURES",
    "MAX_QUESTION_CHARS",
    "Answer",
    "Backend",
    "CachingEmbedder",
    "Chunk",
    "Citation",
    "Collection",
    "Collections",
    "ConfigError",
    "CorpusError",
    "DeclineRule",
    "Document",
    "DocumentFormatError",
    "Embedder",
    "EmbeddingCache",
    "Evidence",
    "IndexCorruptError",
    "IndexNotFoundError",
    "IndexStateError",
    "Library",
    "Manifest",
    "ModelError",
    "OnnxEmbedder",
    "Passage",
    "QuestionError",
    "QuoteEngine",
    "QuotebotError",
    "Ranked",
    "Ranker",
    "Ranking",
    "SentenceTransformerEmbedder",
    "StaleIndexError",
    "StoredIndex",
    "build_collections",
    "build_index",
    "check_collections",
    "check_index",
    "chunk_document",
    "collapse_duplicates",
    "collection_files",
    "deep_link",
    "default_collections",
    "default_ranking",
    "export_onnx",
    "load_collections",
    "load_corpus",
    "load_index",
    "make_embedder",
    "open_engine",
    "open_library",
    "read_manifest",
    "validate_question",
]
