from __future__ import annotations

from pathlib import Path

import pytest

from index import Answer, QuestionError, build_index, open_engine, validate_question
from index.engine import DeclineRule, Fusion, Ranked
from tests.conftest import FakeEmbedder

QUESTION = "Should ICT products and services providers install backdoors in their products?"


@pytest.fixture
def engine(seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder):
    build_index(seed_corpus, tmp_path / "index", fake_embedder)
    return open_engine(seed_corpus, tmp_path / "index", fake_embedder, rebuild=False)


def test_answer_passages_are_verbatim_and_highlighted(engine) -> None:
    answer = engine.answer(QUESTION, top_k=3)
    assert isinstance(answer, Answer) and answer.passages
    assert answer.passages[0].paragraph == 2
    for passage in answer.passages:
        source = passage.source.read_text(encoding="utf-8")
        assert source[passage.start : passage.end] == passage.text
        assert passage.highlight is not None
        s, e = passage.highlight
        assert 0 <= s < e <= len(passage.text)
    assert [p.score for p in answer.passages] == sorted((p.score for p in answer.passages), reverse=True)


def test_changed_source_file_is_never_quoted(engine, seed_corpus: Path) -> None:
    seed = next(seed_corpus.iterdir())
    seed.write_text(seed.read_text(encoding="utf-8").replace("backdoors", "back doors"), encoding="utf-8")
    answer = engine.answer(QUESTION, top_k=3)
    assert answer.stale and answer.passages == () and not answer.answered


@pytest.mark.parametrize(("question", "message"), [("", "empty"), ("   \n", "empty"), ("x" * 2001, "limit is 2000")])
def test_bad_questions_are_refused(question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        validate_question(question)


def test_fusion_weights_and_normalisation() -> None:
    import numpy as np

    fused = Fusion(0.5, 0.0, 0.5).combine(np.array([0.2, 0.4]), np.array([0.0, 0.0]), np.array([4.0, 2.0]))
    assert fused.tolist() == pytest.approx([0.6, 0.45])
    assert Fusion(1, 0, 0).combine(np.array([0.3]), np.array([0.9]), np.array([0.0])).tolist() == pytest.approx([0.3])


@pytest.mark.parametrize(
    ("dense", "sentence", "overlap", "unknown", "answered"),
    [
        (0.7, 0.3, 0.0, 0, True),
        (0.1, 0.45, 0.0, 0, True),
        (0.25, 0.1, 0.6, 0, True),
        (0.25, 0.1, 0.2, 0, False),
        (0.05, 0.1, 0.9, 0, False),
        (0.6, 0.6, 1.0, 1, False),
        (0.75, 0.8, 0.5, 1, True),
    ],
)
def test_decline_rule(dense: float, sentence: float, overlap: float, unknown: int, answered: bool) -> None:
    ranked = Ranked(row=0, score=1.0, dense=dense, sentence=sentence, lexical=1.0, overlap=overlap)
    assert DeclineRule().answers(ranked, unknown) is answered


def test_unknown_names_are_the_ones_the_corpus_never_mentions(engine) -> None:
    lexical = engine.stored.lexical
    assert lexical.unknown_names("Did the Chinese support Russia's draft at the G20 and 73/266?") == []
    assert lexical.unknown_names("What did Huawei say about GDPR in 2018?") == ["Huawei", "GDPR", "2018"]
