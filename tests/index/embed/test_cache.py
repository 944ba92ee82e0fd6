"""The embedding cache: vectors by content hash, kept across builds, never trusted when damaged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from quotebot.index import Answer
from quotebot.index.build import build_index, open_engine
from quotebot.index.embed.base import DEFAULT_MODEL, Span, Vectors
from quotebot.index.embed.cache import CachingEmbedder, EmbeddingCache, text_key
from tests.fakes import FakeEmbedder

DIM = 64
MODEL = FakeEmbedder.name
TEXTS = ["The first text.", "A second one, different.", "Third: data security.", "Fourth, on cyberspace."]
EDIT_OLD = "This initiative is based on the established consensus"
EDIT_NEW = "This initiative rests on the established consensus"
QUESTIONS = (
    "What should ICT providers not do?",
    "What is the Global Initiative on Data Security?",
    "Who chairs the OEWG?",
    "What does China say about mass surveillance?",
)


class RecordingEmbedder(FakeEmbedder):
    """A FakeEmbedder that also remembers every text it was asked to embed."""

    def __init__(self, dimension: int = DIM) -> None:
        super().__init__(dimension)
        self.texts: list[str] = []
        self.passages: list[str] = []  # the texts whose spans were asked for (one per chunk in a "late" build)

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return super().embed_batch(texts)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        self.passages.extend(texts)
        return super().embed_spans(texts, spans)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _caching(folder: Path, inner: FakeEmbedder | None = None) -> CachingEmbedder:
    """Return a CachingEmbedder over a cache freshly loaded from `folder`."""
    inner = inner or RecordingEmbedder()
    return CachingEmbedder(inner, EmbeddingCache(folder, inner.name, inner.dimension))


def _fill(folder: Path, texts: Sequence[str]) -> None:
    """Embed texts through a cache in `folder` and save it."""
    embedder = _caching(folder)
    embedder.embed_batch(texts)
    embedder.cache.save()


# --- CachingEmbedder -------------------------------------------------------------------------------


def test_text_key_is_a_sha256_digest_that_tells_texts_apart() -> None:
    assert len(text_key("a")) == 32
    assert text_key("a") == text_key("a")
    assert text_key("a") != text_key("a ") != text_key("A")
    assert len(text_key("\ud800 lone surrogate")) == 32  # never raises on odd text


def test_caching_embedder_returns_the_inner_vectors(cache_dir: Path) -> None:
    embedder = _caching(cache_dir)
    np.testing.assert_array_equal(embedder.embed_batch(TEXTS), FakeEmbedder().embed_batch(TEXTS))
    assert embedder.dimension == DIM and embedder.name == MODEL
    assert embedder.embedded == len(TEXTS)


def test_a_second_call_with_the_same_texts_embeds_nothing(cache_dir: Path) -> None:
    inner = RecordingEmbedder()
    embedder = _caching(cache_dir, inner)
    first = embedder.embed_batch(TEXTS)
    calls = inner.calls
    second = embedder.embed_batch(TEXTS)
    np.testing.assert_array_equal(first, second)
    assert embedder.embedded == len(TEXTS)
    assert inner.calls == calls and inner.texts == TEXTS


def test_mixed_known_and_unknown_texts_keep_their_order(cache_dir: Path) -> None:
    inner = RecordingEmbedder()
    embedder = _caching(cache_dir, inner)
    embedder.embed_batch([TEXTS[0], TEXTS[2]])
    batch = [TEXTS[1], TEXTS[0], TEXTS[3], TEXTS[2]]
    out = embedder.embed_batch(batch)
    np.testing.assert_array_equal(out, FakeEmbedder().embed_batch(batch))
    assert inner.texts == [TEXTS[0], TEXTS[2], TEXTS[1], TEXTS[3]]  # only the unknown ones, in order
    assert embedder.embedded == 4 and inner.calls == 2


def test_an_empty_batch_embeds_nothing(cache_dir: Path) -> None:
    inner = RecordingEmbedder()
    out = _caching(cache_dir, inner).embed_batch([])
    assert out.shape == (0, DIM) and inner.calls == 0


# --- EmbeddingCache on disk ------------------------------------------------------------------------


def test_save_and_reload_gives_the_vectors_back(cache_dir: Path) -> None:
    _fill(cache_dir, TEXTS)
    inner = RecordingEmbedder()
    reloaded = _caching(cache_dir, inner)
    assert len(reloaded.cache) == len(TEXTS)
    np.testing.assert_array_equal(reloaded.embed_batch(TEXTS), FakeEmbedder().embed_batch(TEXTS))
    assert reloaded.embedded == 0 and inner.calls == 0


def test_only_the_vectors_used_since_loading_are_saved(cache_dir: Path) -> None:
    _fill(cache_dir, TEXTS[:3])
    session = _caching(cache_dir)
    session.embed_batch([TEXTS[0], TEXTS[3]])  # one known, one new; TEXTS[1:3] unused
    session.cache.save()
    reloaded = EmbeddingCache(cache_dir, MODEL, DIM)
    assert len(reloaded) == 2
    assert reloaded.get(text_key(TEXTS[0])) is not None and reloaded.get(text_key(TEXTS[3])) is not None
    assert reloaded.get(text_key(TEXTS[1])) is None and reloaded.get(text_key(TEXTS[2])) is None


def test_saving_an_unused_cache_writes_an_empty_one(cache_dir: Path) -> None:
    _fill(cache_dir, TEXTS)
    EmbeddingCache(cache_dir, MODEL, DIM).save()
    assert len(EmbeddingCache(cache_dir, MODEL, DIM)) == 0
    assert [p.name for p in cache_dir.iterdir()] == [EmbeddingCache(cache_dir, MODEL, DIM).path.name]  # no temp left


def test_the_cache_file_name_differs_per_model_and_dimension(tmp_path: Path) -> None:
    paths = {
        EmbeddingCache(tmp_path, "model-a", 64).path,
        EmbeddingCache(tmp_path, "model-b", 64).path,
        EmbeddingCache(tmp_path, "model-a", 32).path,
    }
    assert len(paths) == 3
    assert EmbeddingCache(tmp_path, "model-a", 64).path == EmbeddingCache(tmp_path, "model-a", 64).path


def test_another_models_cache_is_not_read(cache_dir: Path) -> None:
    _fill(cache_dir, TEXTS)
    assert len(EmbeddingCache(cache_dir, "another-model", DIM)) == 0
    assert len(EmbeddingCache(cache_dir, MODEL, 32)) == 0
    assert len(EmbeddingCache(cache_dir, MODEL, DIM)) == len(TEXTS)


def _half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a numpy file at all " * 20)


def _other_dimension(path: Path) -> None:
    np.savez(path, keys=np.zeros((2, 32), np.uint8), vectors=np.zeros((2, 32), np.float32))


def _no_keys(path: Path) -> None:
    np.savez(path, vectors=np.zeros((2, DIM), np.float32))


def _narrow_keys(path: Path) -> None:
    np.savez(path, keys=np.zeros((2, 16), np.uint8), vectors=np.zeros((2, DIM), np.float32))


def _fewer_keys_than_vectors(path: Path) -> None:
    np.savez(path, keys=np.zeros((1, 32), np.uint8), vectors=np.zeros((2, DIM), np.float32))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_half, id="truncated"),
        pytest.param(_empty, id="empty"),
        pytest.param(_garbage, id="garbage"),
        pytest.param(_other_dimension, id="other-dimension"),
        pytest.param(_no_keys, id="no-keys"),
        pytest.param(_fewer_keys_than_vectors, id="keys-vectors-mismatch"),
        pytest.param(_narrow_keys, id="keys-not-sha256"),
    ],
)
def test_a_damaged_cache_file_is_ignored_with_a_warning(
    cache_dir: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[Path], None]
) -> None:
    _fill(cache_dir, TEXTS)
    path = EmbeddingCache(cache_dir, MODEL, DIM).path
    damage(path)
    with caplog.at_level(logging.WARNING, logger="quotebot.index.embed.cache"):
        embedder = _caching(cache_dir)
    assert len(embedder.cache) == 0
    assert any(r.levelno == logging.WARNING and str(path) in r.getMessage() for r in caplog.records)
    np.testing.assert_array_equal(embedder.embed_batch(TEXTS), FakeEmbedder().embed_batch(TEXTS))
    assert embedder.embedded == len(TEXTS)
    embedder.cache.save()  # and the next save repairs it
    assert len(EmbeddingCache(cache_dir, MODEL, DIM)) == len(TEXTS)


def test_a_missing_cache_file_is_an_empty_cache_without_warning(
    cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="quotebot.index.embed.cache"):
        cache = EmbeddingCache(cache_dir, MODEL, DIM)
    assert len(cache) == 0 and not caplog.records


# --- build_index(..., cache=True) ------------------------------------------------------------------


def _seed_file(corpus: Path) -> Path:
    (path,) = corpus.iterdir()
    return path


def _edit_one_paragraph(corpus: Path) -> None:
    path = _seed_file(corpus)
    text = path.read_text(encoding="utf-8")
    assert text.count(EDIT_OLD) == 1
    path.write_text(text.replace(EDIT_OLD, EDIT_NEW), encoding="utf-8")


def test_a_second_build_embeds_nothing(seed_corpus: Path, tmp_path: Path) -> None:
    first, second = RecordingEmbedder(), RecordingEmbedder()
    build_index(seed_corpus, tmp_path / "index", first)
    build_index(seed_corpus, tmp_path / "index", second)
    assert first.calls > 0 and len(first.texts) > 20
    assert second.calls == 0 and second.texts == []


def test_without_cache_every_build_embeds_everything(seed_corpus: Path, tmp_path: Path) -> None:
    first, second = RecordingEmbedder(), RecordingEmbedder()
    build_index(seed_corpus, tmp_path / "index", first, cache=False)
    build_index(seed_corpus, tmp_path / "index", second, cache=False)
    assert len(second.texts) >= len(first.texts) > 20
    assert not (tmp_path / "index" / "cache").exists()


def test_editing_one_paragraph_re_embeds_only_its_texts(seed_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first, second = RecordingEmbedder(), RecordingEmbedder()
    build_index(seed_corpus, index, first)
    _edit_one_paragraph(seed_corpus)
    build_index(seed_corpus, index, second)
    # The changed chunk and its changed sentence, each plain and under the title ("separate" views).
    assert 2 <= len(second.texts) <= 8
    assert len(second.texts) * 10 < len(first.texts)
    assert all(EDIT_NEW in t for t in second.texts)
    # The cache now holds this build's vectors only: the edited-away texts are gone.
    cache = EmbeddingCache(index / "cache", MODEL, DIM)
    assert len(cache) == len(set(first.texts))
    stale = [t for t in first.texts if EDIT_OLD in t]
    assert stale and all(cache.get(text_key(t)) is None for t in stale)


def test_editing_one_paragraph_reads_only_its_chunk_again_with_one_pass_a_chunk(
    seed_corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    first, second = RecordingEmbedder(), RecordingEmbedder()
    first.name = second.name = DEFAULT_MODEL  # its ranking embeds each chunk once ("late" views)
    build_index(seed_corpus, index, first)
    _edit_one_paragraph(seed_corpus)
    build_index(seed_corpus, index, second)
    # One text per chunk: the changed chunk alone is read again, its sentences (each read in it) with it.
    assert len(second.passages) == 1 and EDIT_NEW in second.passages[0]
    assert len(first.passages) > 10
    # The cache now holds this build's vectors only, as many as a first build of the edited corpus: the old
    # ones are gone.
    fresh = RecordingEmbedder()
    fresh.name = DEFAULT_MODEL
    build_index(seed_corpus, tmp_path / "fresh", fresh)
    cache = EmbeddingCache(index / "cache", DEFAULT_MODEL, DIM)
    assert len(cache) == len(EmbeddingCache(tmp_path / "fresh" / "cache", DEFAULT_MODEL, DIM)) > 10


def _answers(corpus: Path, index: Path) -> list[Answer]:
    engine = open_engine(corpus, index, FakeEmbedder(), rebuild=False)
    return [engine.answer(q) for q in QUESTIONS]


def _summary(answer: Answer) -> tuple[object, ...]:
    passages = tuple((p.text, p.start, p.end, p.score, p.highlight) for p in answer.passages)
    return answer.answered, answer.confidence, passages


def test_a_cached_rebuild_answers_like_a_build_without_cache(seed_corpus: Path, tmp_path: Path) -> None:
    cached, uncached = tmp_path / "cached", tmp_path / "uncached"
    build_index(seed_corpus, cached, FakeEmbedder())
    _edit_one_paragraph(seed_corpus)
    build_index(seed_corpus, cached, FakeEmbedder())  # mostly from the cache
    build_index(seed_corpus, uncached, FakeEmbedder(), cache=False)
    with_cache, without = _answers(seed_corpus, cached), _answers(seed_corpus, uncached)
    assert all(a.passages for a in without)
    assert [_summary(a) for a in with_cache] == [_summary(a) for a in without]


@pytest.mark.parametrize("damage", [pytest.param(_half, id="truncated"), pytest.param(_garbage, id="garbage")])
def test_a_build_over_a_damaged_cache_embeds_everything_again(
    seed_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[Path], None]
) -> None:
    index = tmp_path / "index"
    first, second = RecordingEmbedder(), RecordingEmbedder()
    build_index(seed_corpus, index, first)
    damage(EmbeddingCache(index / "cache", MODEL, DIM).path)
    with caplog.at_level(logging.WARNING, logger="quotebot.index.embed.cache"):
        build_index(seed_corpus, index, second)
    assert second.texts == first.texts
    assert any("embedding cache" in r.getMessage() for r in caplog.records)
