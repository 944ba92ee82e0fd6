"""Sentences read inside their passage: span pooling, the default seam, the cache, and the real model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from quotebot.index.embed.base import Embedder, Span, Vectors, pool_spans
from quotebot.index.embed.cache import CachingEmbedder, EmbeddingCache
from quotebot.index.text import split_sentences
from tests.fakes import FakeEmbedder

# Token vectors of a pass over "<s> ab cd ef </s>": the specials have empty offsets.
TOKENS = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [9.0, -9.0]], dtype=np.float32)
OFFSETS = [(0, 0), (0, 2), (3, 5), (6, 8), (0, 0)]


def _unit(*values: float) -> list[float]:
    vector = np.asarray(values, dtype=np.float32)
    return list(vector / np.linalg.norm(vector))


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ((0, 2), _unit(1.0, 0.0)),  # one token
        ((3, 8), _unit(0.5, 1.0)),  # two tokens, averaged, never the specials
        ((1, 4), _unit(0.5, 0.5)),  # a token overlapping the span at either end counts
        ((2, 3), [0.0, 0.0]),  # only the space between tokens: no token, a zero row for the caller to fill
        ((20, 30), [0.0, 0.0]),  # past the pass (cut off by the model's length)
    ],
)
def test_a_span_is_the_mean_of_the_tokens_it_overlaps(span: Span, expected: list[float]) -> None:
    pooled = pool_spans(TOKENS, OFFSETS, [span])
    assert pooled.shape == (1, 2)
    np.testing.assert_allclose(pooled[0], expected, atol=1e-6)


def test_no_span_gives_an_empty_array() -> None:
    assert pool_spans(TOKENS, OFFSETS, []).shape == (0, 2)


def test_the_default_seam_embeds_each_span_alone() -> None:
    model = FakeEmbedder()
    texts = ["Alpha beta. Gamma delta.", "Epsilon."]
    spans = [split_sentences(t) for t in texts]
    passages, parts = model.embed_spans(texts, spans)
    np.testing.assert_array_equal(passages, model.embed_batch(texts))
    assert [p.shape[0] for p in parts] == [2, 1]
    np.testing.assert_array_equal(parts[0], model.embed_batch(["Alpha beta.", "Gamma delta."]))


class ContextEmbedder(FakeEmbedder):
    """A fake whose span vectors depend on the whole passage, as a late pass's do; counts passages read."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        self.read.extend(texts)
        passages = self.embed_batch(texts)
        parts = []
        for text, pairs, passage in zip(texts, spans, passages, strict=True):
            alone = self.embed_batch([text[a:b] for a, b in pairs]) if pairs else np.zeros((0, self.dimension))
            mixed = alone + passage
            parts.append((mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32))
        return passages, parts


def test_the_cache_keeps_a_sentence_per_passage_and_reads_only_new_passages(tmp_path: Path) -> None:
    inner = ContextEmbedder()
    cached = CachingEmbedder(inner, EmbeddingCache(tmp_path, inner.name, inner.dimension))
    texts = ["Title\nThe same sentence. About rivers.", "Title\nThe same sentence. About mountains."]
    spans = [[(6, 24)], [(6, 24)]]
    _, first = cached.embed_spans(texts, spans)
    assert not np.allclose(first[0], first[1])  # one sentence, two passages: two vectors, cached apart
    assert len(inner.read) == 2
    again, second = cached.embed_spans(texts, spans)
    assert len(inner.read) == 2  # nothing read again
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(second))
    cached.embed_spans([texts[0], texts[0] + " More."], [spans[0], spans[0]])
    assert inner.read[2:] == [texts[0] + " More."]  # only the passage it had not seen
    np.testing.assert_array_equal(again, inner.embed_batch(texts))


@pytest.mark.slow
def test_the_real_model_reads_each_sentence_inside_its_passage(default_embedder: Embedder) -> None:
    text = (
        "Super Bowl 50\nThe game was played on February 7, 2016, at Levi's Stadium in Santa Clara. "
        "The Denver Broncos defeated the Carolina Panthers 24–10. Lady Gaga sang the national anthem."
    )
    body = text.split("\n", 1)[1]
    spans = [(len(text) - len(body) + a, len(text) - len(body) + b) for a, b in split_sentences(body)]
    passages, [parts] = default_embedder.embed_spans([text], [spans])
    np.testing.assert_allclose(passages, default_embedder.embed_batch([text]), atol=1e-5)  # the same pass
    alone = default_embedder.embed_batch([text[a:b] for a, b in spans])
    similarity = parts @ alone.T
    # Each sentence read in its passage is nearest to the same sentence read alone, not to its neighbours.
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]
    assert np.allclose(np.linalg.norm(parts, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_both_backends_pool_the_same_spans(default_embedder: Embedder, real_embedder: Embedder) -> None:
    texts = ["Title › Section\nFirst sentence here. A second, longer one follows it.", "Short one."]
    spans = [[(16 + a, 16 + b) for a, b in split_sentences(texts[0][16:])], [(0, 10)]]
    onnx_passages, onnx_parts = default_embedder.embed_spans(texts, spans)
    torch_passages, torch_parts = real_embedder.embed_spans(texts, spans)
    assert ((onnx_passages * torch_passages).sum(axis=1) > 0.999).all()
    for mine, theirs in zip(onnx_parts, torch_parts, strict=True):
        assert mine.shape == theirs.shape and ((mine * theirs).sum(axis=1) > 0.999).all()


@pytest.mark.parametrize(
    ("lengths", "expected"),
    [
        ([512, 512, 512, 100, 100], [[0, 1, 2, 3], [4]]),  # 2,048 pieces a batch at most: 4 of 512, then the rest
        ([10] * 40, [list(range(32)), list(range(32, 40))]),  # and never more than batch_size rows
        ([5000, 3], [[0], [1]]),  # a text longer than the budget goes alone
    ],
)
def test_batches_hold_a_bounded_number_of_pieces(lengths: list[int], expected: list[list[int]]) -> None:
    from types import SimpleNamespace

    from quotebot.index.embed.onnx.embedder import OnnxEmbedder

    encodings = [SimpleNamespace(ids=[0] * n) for n in lengths]
    order = np.argsort([-n for n in lengths], kind="stable")
    batches = OnnxEmbedder._batches(SimpleNamespace(_batch_size=32), order, encodings)  # type: ignore[arg-type]
    assert [b.tolist() for b in batches] == expected
