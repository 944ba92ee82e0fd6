from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index import Answer, QuestionError, validate_question
from quotebot.index.build import build_index, open_engine
from tests.fakes import FakeEmbedder

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


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "no words"), ("   \n", "no words"), ("?!", "no words"), ("x" * 2001, "limit is 2000")],
)
def test_bad_questions_are_refused(question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        validate_question(question)


@pytest.mark.parametrize("question", [QUESTION, "What is the boiling point of mercury in kelvin?"])
def test_answer_carries_a_confidence_on_one_scale_answering_from_half(engine, question: str) -> None:
    answer = engine.answer(question)
    assert answer.confidence is not None and 0.0 <= answer.confidence <= 1.0
    assert answer.answered is (answer.confidence >= 0.5)  # the shown scale: the rule's threshold reads 0.5
    assert answer.passages[0].confidence == answer.confidence  # the answer's is its first passage's
    rule = engine.ranking.rule
    ranked = engine.rank(question, 1)[0]
    assert answer.confidence == round(rule.on_scale(rule.confidence(ranked.evidence)), 3)


def test_rank_orders_by_fused_score_with_evidence(engine) -> None:
    ranked = engine.rank(QUESTION, 5)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert len({r.row for r in ranked}) == len(ranked)
    for r in ranked:
        assert 0.0 <= r.evidence.overlap <= 1.0 and -1.0 <= r.evidence.similarity <= 1.0
    assert ranked[0].evidence.overlap == max(r.evidence.overlap for r in ranked)  # the backdoors paragraph


def test_claim_mode_ranks_by_best_sentence(engine) -> None:
    claim = "Providers of ICT products should not install backdoors in their products."
    by_sentence = engine.rank(claim, 3, claim=True)
    values = engine.candidates(claim)
    ranker = engine.ranking.ranker.claim_level()
    assert [r.row for r in by_sentence] == [r.row for r in engine.order(values, 3, ranker)]
    assert engine.answer(claim, claim=True).passages[0].paragraph == 2


def test_duplicate_passages_are_quoted_once(tmp_path: Path, seed_corpus: Path, fake_embedder: FakeEmbedder) -> None:
    seed = next(seed_corpus.iterdir())
    (seed_corpus / "copy.txt").write_bytes(seed.read_bytes())
    build_index(seed_corpus, tmp_path / "index", fake_embedder)
    engine = open_engine(seed_corpus, tmp_path / "index", fake_embedder, rebuild=False)
    answer = engine.answer(QUESTION, top_k=3)
    texts = [p.text for p in answer.passages]
    assert len(texts) == len(set(texts))
    best = answer.passages[0]
    assert [c.doc_id for c in best.also_in] == [d for d in ("copy.txt", seed.name) if d != best.doc_id]
    assert best.also_in[0].paragraph == best.paragraph


def test_unknown_names_are_the_ones_the_corpus_never_mentions(engine) -> None:
    lexical = engine.stored.lexical
    assert lexical.unknown_names("Did the Chinese support Russia's draft at the G20 and 73/266?") == []
    assert lexical.unknown_names("What did Huawei say about GDPR in 2018?") == ["Huawei", "GDPR", "2018"]


def test_source_files_are_rehashed_only_when_they_change(engine, seed_corpus: Path, monkeypatch) -> None:
    import os

    import quotebot.index.answer.sources

    reads: list[int] = []
    real = quotebot.index.answer.sources.read_text
    monkeypatch.setattr(quotebot.index.answer.sources, "read_text", lambda data: reads.append(len(data)) or real(data))
    engine.answer(QUESTION)
    engine.answer(QUESTION)
    assert len(reads) == 1  # one file, read and hashed once while unchanged
    seed = next(seed_corpus.iterdir())
    stat = seed.stat()
    os.utime(seed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # touched, same bytes
    assert engine.answer(QUESTION).passages  # re-read, re-hashed, still verbatim
    assert len(reads) == 2


@pytest.mark.parametrize(
    "question", [QUESTION, "What elements should the future institutional dialogue have?", "Did China cosponsor 73/27?"]
)
def test_later_passages_score_near_the_first(engine, question: str) -> None:
    from quotebot.index.answer.engine import SECOND_PASSAGE_SHARE

    answer = engine.answer(question, top_k=5)
    assert answer.answered
    first = answer.passages[0].score
    assert SECOND_PASSAGE_SHARE == 0.75
    assert all(p.score >= 0.75 * first - 1e-3 for p in answer.passages[1:])


def test_a_changed_file_below_the_quoted_ones_withholds_nothing(seed_corpus: Path, tmp_path: Path) -> None:
    other = seed_corpus / "garden.txt"
    other.write_text("Tomatoes need sun.\n\nProviders of compost sell it by the bag.\n", encoding="utf-8")
    build_index(seed_corpus, tmp_path / "index", FakeEmbedder())
    engine = open_engine(seed_corpus, tmp_path / "index", FakeEmbedder(), rebuild=False)
    before = engine.answer(QUESTION, top_k=3)
    other.write_text("Tomatoes need shade.\n", encoding="utf-8")  # changed, but never a candidate to quote
    after = engine.answer(QUESTION, top_k=3)
    assert after.passages == before.passages and all(p.doc_id != "garden.txt" for p in after.passages)
    assert not after.stale  # `stale` says a passage was withheld; none was


FAQ = """# Frequently asked questions

## Installation

Install the package with pip. A compiler toolchain is only needed to build from source, not for the wheels.

## Build fails: compiler not found

Install the toolchain for your platform first, then run the command again.

## Slow imports

Importing the package for the first time compiles its cache, which takes a few seconds.
"""


def test_a_question_that_matches_a_heading_finds_the_answer_under_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "faq.md").write_text(FAQ, encoding="utf-8")
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder(), rebuild=True)
    ranked = engine.rank("My build fails with compiler not found, what now?")
    assert engine.stored.chunks[ranked[0].row].text.startswith("Install the toolchain for your platform")
