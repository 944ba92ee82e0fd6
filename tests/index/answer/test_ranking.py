"""Ranking: the linear fusion, its sentence-level variant, the decline rule and the feature gathering."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotebot.index import IndexCorruptError
from quotebot.index.answer.ranking import (
    DECLINE_FEATURES,
    FEATURES,
    Candidates,
    DeclineRule,
    Evidence,
    Ranker,
    Ranking,
    _sentence_features,
    _top,
    default_ranking,
    gather,
)
from quotebot.index.build import build_index
from quotebot.index.store.layout import SentenceTable, StoredIndex, load_index
from quotebot.index.store.lexical import LexicalIndex
from quotebot.index.store.vectors import VectorStore
from quotebot.index.text import split_sentences
from tests.fakes import ROOT, SEED, FakeEmbedder

CLAIM_LEVEL = {"sentence", "titled_sentence", "sentence_lexical", "passage_terms"}
IGNORED_FOR_CLAIMS = set(FEATURES) - CLAIM_LEVEL  # the features a claim's ranker ignores
COSINES = ("dense", "titled", "sentence", "titled_sentence")
SHARES = ("lexical", "sentence_lexical", "overlap")
N = len(FEATURES)


def _evidence(
    similarity: float = 0.5,
    sentence: float = 0.5,
    overlap: float = 0.5,
    unknown_words: float = 0.0,
    unknown_names: int = 0,
) -> Evidence:
    return Evidence(similarity, sentence, overlap, unknown_words, unknown_names)


def _row(**named: float) -> list[float]:
    """Return one candidate's feature values by name (the others 0)."""
    return [named.get(name, 0.0) for name in FEATURES]


# --- Ranker ----------------------------------------------------------------------------------------


def test_ranker_of_rejects_unknown_features() -> None:
    with pytest.raises(ValueError, match="bm25"):
        Ranker.of(dense=1.0, bm25=2.0)


def test_ranker_of_orders_weights_as_features() -> None:
    assert Ranker.of().weights == (0.0,) * len(FEATURES)
    assert Ranker.of(overlap=2, dense=1).weights == tuple(_row(dense=1.0, overlap=2.0))
    for i, name in enumerate(FEATURES):
        weights = Ranker.of(**{name: 3.0}).weights
        assert weights[i] == 3.0 and sum(weights) == 3.0


@pytest.mark.parametrize(
    ("weights", "rows", "expected"),
    [
        pytest.param({n: 1.0 for n in FEATURES}, [[1.0] * N, [0.0] * N], [1.0, 0.0], id="equal-weights-extremes"),
        pytest.param({n: 1.0 for n in FEATURES}, [[0.1 * N] + [0.0] * (N - 1)], [0.1], id="mean-of-all"),
        pytest.param({"dense": 3.0, "lexical": 1.0}, [_row(dense=1.0)], [0.75], id="weighted"),
        pytest.param({"dense": 3.0, "lexical": 1.0}, [_row(lexical=1.0)], [0.25], id="weighted-other"),
        pytest.param({"dense": 3.0, "lexical": 1.0}, [_row(dense=0.5, lexical=0.5)], [0.5], id="same-values"),
        pytest.param({"sentence": 2.0}, [_row(sentence=0.4, dense=1.0, overlap=1.0)], [0.4], id="zero-weights-ignored"),
        pytest.param({"dense": 2.0, "overlap": 6.0}, [_row(dense=0.2, overlap=0.6)], [0.5], id="scale-free"),
        pytest.param({}, [[1.0] * N], [0.0], id="no-weight-at-all"),
    ],
)
def test_scores_are_the_weighted_mean(
    weights: dict[str, float], rows: list[list[float]], expected: list[float]
) -> None:
    scores = Ranker.of(**weights).scores(np.asarray(rows, dtype=np.float64))
    np.testing.assert_allclose(scores, expected, atol=1e-9)


def test_scores_stay_in_unit_range_for_unit_features() -> None:
    rng = np.random.default_rng(7)
    ranker = default_ranking().ranker
    scores = ranker.scores(rng.random((200, len(FEATURES))))
    assert scores.shape == (200,)
    assert float(scores.min()) >= 0.0 and float(scores.max()) <= 1.0


def test_scores_of_no_candidate_are_empty() -> None:
    assert default_ranking().ranker.scores(np.zeros((0, len(FEATURES)))).shape == (0,)


def test_claim_level_keeps_the_sentence_features_and_half_the_passage_terms() -> None:
    ranker = Ranker(tuple(float(i + 1) for i in range(len(FEATURES))))
    level = ranker.claim_level()
    for name, before, after in zip(FEATURES, ranker.weights, level.weights, strict=True):
        expected = 0.0 if name in IGNORED_FOR_CLAIMS else before / 2 if name == "passage_terms" else before
        assert after == expected, name


def test_claim_level_scores_ignore_the_chunk_wide_values() -> None:
    level = default_ranking().ranker.claim_level()
    values = np.asarray([_row(sentence=0.8, dense=0.0), _row(sentence=0.8, dense=1.0, lexical=1.0, overlap=1.0)])
    first, second = level.scores(values)
    assert first == pytest.approx(second) and first > 0


def test_claim_level_prefers_the_passage_naming_the_claims_words() -> None:
    level = default_ranking().ranker.claim_level()
    values = np.asarray([_row(sentence=0.8, passage_terms=0.2), _row(sentence=0.8, passage_terms=0.9)])
    first, second = level.scores(values)
    assert second > first


# --- Ranking (de)serialisation ---------------------------------------------------------------------


def _ranking() -> Ranking:
    return Ranking(
        Ranker(tuple(0.5 + i for i in range(len(FEATURES)))),
        DeclineRule(tuple(-1.0 + 0.25 * i for i in range(len(DECLINE_FEATURES))), 0.125, 0.625),
        "unit test",
    )


def test_ranking_round_trips_through_json() -> None:
    ranking = _ranking()
    raw = json.loads(json.dumps(ranking.to_dict()))
    assert list(raw["ranker"]) == list(FEATURES)
    assert list(raw["rule"]["coefficients"]) == list(DECLINE_FEATURES)
    assert Ranking.from_dict(raw) == ranking


def test_fitted_on_is_optional() -> None:
    raw = _ranking().to_dict()
    del raw["fitted_on"]
    assert Ranking.from_dict(raw).fitted_on == ""


def _without(path: tuple[str, ...]) -> Any:
    def change(raw: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            raw = raw[key]
        del raw[last]

    return change


def _setting(path: tuple[str, ...], value: object) -> Any:
    def change(raw: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            raw = raw[key]
        raw[last] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_without(("ranker",)), id="missing-ranker"),
        pytest.param(_without(("rule",)), id="missing-rule"),
        pytest.param(_without(("rule", "coefficients")), id="missing-coefficients"),
        pytest.param(_without(("rule", "intercept")), id="missing-intercept"),
        pytest.param(_without(("rule", "threshold")), id="missing-threshold"),
        pytest.param(_without(("ranker", "sentence_lexical")), id="missing-feature"),
        pytest.param(_without(("rule", "coefficients", "unknown_names")), id="missing-decline-feature"),
        pytest.param(_setting(("ranker",), [1.0] * 7), id="ranker-is-a-list"),
        pytest.param(_setting(("rule",), "rule"), id="rule-is-a-string"),
        pytest.param(_setting(("ranker", "dense"), "heavy"), id="weight-not-a-number"),
        pytest.param(_setting(("ranker", "dense"), None), id="weight-is-null"),
        pytest.param(_setting(("rule", "threshold"), [0.5]), id="threshold-is-a-list"),
        pytest.param(_setting(("rule", "coefficients"), None), id="coefficients-null"),
    ],
)
def test_malformed_rankings_raise_index_corrupt_error(change: Any) -> None:
    raw = json.loads(json.dumps(_ranking().to_dict()))
    change(raw)
    with pytest.raises(IndexCorruptError, match="quotebot build"):
        Ranking.from_dict(raw)


def test_a_ranking_that_is_not_a_dict_raises_index_corrupt_error() -> None:
    with pytest.raises(IndexCorruptError):
        Ranking.from_dict([])  # type: ignore[arg-type]


def test_default_ranking_is_the_shipped_file() -> None:
    shipped = json.loads((ROOT / "index" / "answer" / "ranking.json").read_text(encoding="utf-8"))
    ranking = default_ranking()
    assert ranking.to_dict() == shipped
    assert all(w >= 0 for w in ranking.ranker.weights) and sum(ranking.ranker.weights) > 0
    assert 0.0 < ranking.rule.threshold < 1.0
    assert ranking.fitted_on


# --- DeclineRule and Evidence ----------------------------------------------------------------------

_GRID = [
    _evidence(s, t, o, u, n)
    for s in (-0.2, 0.0, 0.5, 1.0)
    for t in (0.0, 0.6, 1.0)
    for o in (0.0, 1.0)
    for u in (0.0, 0.5, 1.0)
    for n in (0, 1, 3)
]


def test_confidence_is_a_probability() -> None:
    rule = default_ranking().rule
    assert all(0.0 < rule.confidence(e) < 1.0 for e in _GRID)


def test_confidence_is_the_logistic_of_the_linear_score() -> None:
    rule = DeclineRule((1.0, 2.0, 0.0, -1.0, -0.5) + (0.0,) * (len(DECLINE_FEATURES) - 5), -1.0, 0.5)
    evidence = _evidence(0.5, 0.25, 0.9, 0.5, 1)
    z = -1.0 + 0.5 + 0.5 - 0.5 - 0.5
    assert rule.confidence(evidence) == pytest.approx(1 / (1 + math.exp(-z)))


def test_extreme_scores_do_not_overflow() -> None:
    rule = DeclineRule((1e6,) + (0.0,) * (len(DECLINE_FEATURES) - 1), 0.0, 0.5)
    assert rule.confidence(_evidence(similarity=-1.0)) == pytest.approx(0.0, abs=1e-20)
    assert rule.confidence(_evidence(similarity=1.0)) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("field", "values", "direction"),
    [
        ("similarity", (0.0, 0.3, 0.6, 0.9), +1),
        ("sentence", (0.0, 0.3, 0.6, 0.9), +1),
        ("overlap", (0.0, 0.3, 0.6, 0.9), +1),
        ("unknown_words", (0.0, 0.3, 0.6, 1.0), -1),
        ("unknown_names", (0, 1, 2), -1),
    ],
)
def test_shipped_confidence_moves_the_right_way(field: str, values: tuple[float, ...], direction: int) -> None:
    rule = default_ranking().rule
    confidences = [rule.confidence(_evidence(**{field: v})) for v in values]  # type: ignore[arg-type]
    steps = np.diff(confidences) * direction
    assert (steps > 0).all(), confidences


def test_names_beyond_two_change_nothing() -> None:
    rule = default_ranking().rule
    assert rule.confidence(_evidence(unknown_names=2)) == rule.confidence(_evidence(unknown_names=7))


@pytest.mark.parametrize("evidence", _GRID[::5])
def test_answers_agrees_with_the_threshold(evidence: Evidence) -> None:
    rule = default_ranking().rule
    assert rule.answers(evidence) == (rule.confidence(evidence) >= rule.threshold)
    confidence = rule.confidence(evidence)
    at = DeclineRule(rule.coefficients, rule.intercept, confidence)
    above = DeclineRule(rule.coefficients, rule.intercept, confidence + 1e-9)
    assert at.answers(evidence) and not above.answers(evidence)


def test_shipped_rule_answers_strong_evidence_and_declines_weak() -> None:
    rule = default_ranking().rule
    assert rule.answers(_evidence(0.9, 0.9, 1.0, 0.0, 0))
    assert not rule.answers(_evidence(0.1, 0.1, 0.0, 1.0, 2))


@pytest.mark.parametrize(("names", "capped"), [(0, 0.0), (1, 1.0), (2, 2.0), (3, 2.0), (40, 2.0)])
def test_evidence_vector_caps_unknown_names_at_two(names: int, capped: float) -> None:
    vector = _evidence(0.1, 0.2, 0.3, 0.4, names).vector()
    assert vector[:5] == [0.1, 0.2, 0.3, 0.4, capped]
    assert len(vector) == len(DECLINE_FEATURES)


def test_evidence_of_takes_the_better_of_plain_and_titled() -> None:
    values = np.asarray(
        [
            _row(dense=0.2, titled=0.7, sentence=0.9, titled_sentence=0.1, overlap=0.3),
            _row(dense=0.6, titled=0.1, sentence=0.2, titled_sentence=0.8, overlap=0.5),
        ]
    )
    candidates = Candidates((4, 9), values, (0, 1), 0.25, 3, np.zeros((2, 3)))
    for position, expected in ((0, (0.7, 0.9, 0.3, 0.25, 3)), (1, (0.6, 0.8, 0.5, 0.25, 3))):
        e = Evidence.of(candidates, position)
        assert (e.similarity, e.sentence, e.overlap, e.unknown_words, e.unknown_names) == expected


# --- gather on a real (fake-embedded) index -------------------------------------------------------


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> StoredIndex:
    """The seed document indexed with the FakeEmbedder (built once for this module)."""
    root = tmp_path_factory.mktemp("ranking")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    build_index(corpus, root / "index", FakeEmbedder(), cache=False)
    return load_index(root / "index")


GATHER_QUESTIONS = (
    "What should ICT products and services providers not install?",
    "What does China oppose about mass surveillance?",
    "Who is the Chair of OEWG?",
    "data security",
    "When was the statement delivered at the First Committee?",
)
NONSENSE = "Blorptastic quuxified zibberwocks flonged?"


def _gather(stored: StoredIndex, question: str, depth: int = 50) -> Candidates:
    return gather(stored, question, FakeEmbedder().embed_batch([question])[0], depth)


@pytest.mark.parametrize("depth", [3, 50])
@pytest.mark.parametrize("question", [*GATHER_QUESTIONS, NONSENSE])
def test_gathered_features_are_in_range(stored: StoredIndex, question: str, depth: int) -> None:
    candidates = _gather(stored, question, depth)
    n = len(candidates.rows)
    assert n > 0 and len(set(candidates.rows)) == n
    assert all(0 <= row < len(stored.chunks) for row in candidates.rows)
    assert candidates.values.shape == (n, len(FEATURES)) and len(candidates.best_sentence) == n
    assert np.isfinite(candidates.values).all()
    columns = dict(zip(FEATURES, candidates.values.T, strict=True))
    for name in COSINES:
        assert (columns[name] >= -1 - 1e-5).all() and (columns[name] <= 1 + 1e-5).all(), name
    for name in SHARES:
        assert (columns[name] >= 0).all() and (columns[name] <= 1 + 1e-9).all(), name
    assert 0.0 <= candidates.unknown_words <= 1.0 and candidates.unknown_names >= 0


@pytest.mark.parametrize(
    ("scores", "k", "rows"),
    [
        ([0.0, 3.0, 1.0, 0.0, 2.0], 2, [1, 4]),
        ([0.0, 3.0, 1.0, 0.0, 2.0], 10, [1, 4, 2]),  # fewer positive scores than k: all of them
        ([0.5, 0.5, 0.9], 3, [2, 0, 1]),  # ties keep row order
        ([0.5, 0.0, 0.5, 0.9, 0.5, 0.1], 3, [3, 0, 2]),  # a cut through a tie takes its first rows
        ([0.5, 0.0, 0.5, 0.9, 0.5, 0.1], 4, [3, 0, 2, 4]),
        ([0.0, 0.0], 1, []),  # no word of the query anywhere: no lexical candidate
        ([], 5, []),
    ],
)
def test_top_returns_the_best_positive_rows_best_first(scores: list[float], k: int, rows: list[int]) -> None:
    assert _top(np.asarray(scores, dtype=np.float64), k).tolist() == rows


@settings(max_examples=300, deadline=None)
@given(scores=st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0]), max_size=40), k=st.integers(1, 12))
def test_top_agrees_with_a_full_stable_sort(scores: list[float], k: int) -> None:
    values = np.asarray(scores, dtype=np.float64)
    expected = [int(r) for r in np.argsort(-values, kind="stable") if values[r] > 0][:k]
    assert _top(values, k).tolist() == expected


@pytest.mark.parametrize("question", GATHER_QUESTIONS)
def test_candidates_hold_the_best_of_each_retriever(stored: StoredIndex, question: str) -> None:
    depth = 3
    vector = FakeEmbedder().embed_batch([question])[0]
    rows = set(gather(stored, question, vector, depth).rows)
    assert {hit.id for hit in stored.titled.search(vector, depth)} <= rows
    lexical = stored.lexical.scores(question)
    cut = np.sort(lexical)[::-1][depth - 1]
    assert {int(r) for r in np.flatnonzero(lexical > max(cut, 0))} <= rows  # ties at the cut may go either way
    assert len(rows) <= 2 * depth


@pytest.mark.parametrize("question", GATHER_QUESTIONS)
def test_the_best_lexical_candidate_scores_one(stored: StoredIndex, question: str) -> None:
    assert stored.lexical.scores(question).max() > 0  # some word of the question is in the corpus
    values = dict(zip(FEATURES, _gather(stored, question, depth=3).values.T, strict=True))
    assert values["lexical"].max() == pytest.approx(1.0)
    assert values["overlap"].max() > 0


@pytest.mark.parametrize("question", [*GATHER_QUESTIONS, NONSENSE])
def test_best_sentence_indexes_a_sentence_of_its_chunk(stored: StoredIndex, question: str) -> None:
    candidates = _gather(stored, question)
    for row, best in zip(candidates.rows, candidates.best_sentence, strict=True):
        assert 0 <= best < len(split_sentences(stored.chunks[row].text)), row


def test_the_best_sentence_is_the_one_that_matches(stored: StoredIndex) -> None:
    question = "Should ICT products and services providers install backdoors in their products?"
    candidates = _gather(stored, question)
    top = int(np.argmax(dict(zip(FEATURES, candidates.values.T, strict=True))["sentence_lexical"]))
    chunk = stored.chunks[candidates.rows[top]]
    s, e = split_sentences(chunk.text)[candidates.best_sentence[top]]
    assert "backdoors" in chunk.text[s:e]


def test_a_nonsense_question_is_all_unknown_words(stored: StoredIndex) -> None:
    candidates = _gather(stored, NONSENSE)
    assert candidates.unknown_words == 1.0
    values = dict(zip(FEATURES, candidates.values.T, strict=True))
    assert not values["lexical"].any() and not values["sentence_lexical"].any() and not values["overlap"].any()


@pytest.mark.parametrize(
    ("question", "share"),
    [
        ("What is the Global Initiative on Data Security?", 0.0),  # what, global, initi, data, secur: all known
        # "what" and "does" are how a question is asked (QUESTION_WORDS); "say" and "about" are not in the seed
        ("What does China say about data security?", 2 / 5),
        ("What is the Global Initiative on blorptastic zibberwocks?", 2 / 4),
    ],
)
def test_unknown_words_is_the_share_of_query_words_not_in_the_corpus(
    stored: StoredIndex, question: str, share: float
) -> None:
    candidates = _gather(stored, question)
    assert candidates.unknown_words == pytest.approx(share) and candidates.unknown_names == 0


def test_unknown_names_are_counted(stored: StoredIndex) -> None:
    assert _gather(stored, "What did Zorblax tell Quuxington about data security?").unknown_names == 2


def _table(owners: list[int], vectors: np.ndarray, texts: list[str]) -> Any:
    """A stand-in for a StoredIndex holding only a sentence table: what _sentence_features reads."""
    table = SentenceTable(
        VectorStore.build(vectors, kind="flat"),
        VectorStore.build(vectors[::-1].copy(), kind="flat"),  # other cosines for the titled column
        LexicalIndex.build(texts),
        np.asarray(owners, dtype=np.int64),
    )
    return SimpleNamespace(sentences=table)


def _reference_features(
    stored: Any, stems: list[str], vector: np.ndarray, rows: list[int]
) -> list[tuple[float, float, float, int]]:
    """Each row's best plain, titled and lexical sentence score and its first best sentence, by plain loops."""
    table = stored.sentences
    every = np.arange(table.owners.size)
    all_plain, all_titled = table.vectors.scores(vector, every), table.titled.scores(vector, every)
    lexical = table.lexical.scores_of(stems).astype(np.float64)
    top = lexical.max()
    out = []
    for row in rows:
        ids = [i for i, owner in enumerate(table.owners.tolist()) if owner == row]
        if not ids:
            out.append((0.0, 0.0, 0.0, 0))
            continue
        plain = [float(all_plain[i]) for i in ids]
        titled = [float(all_titled[i]) for i in ids]
        lex = [float(lexical[i] / top) if top > 0 else 0.0 for i in ids]
        combined = [a + b + c for a, b, c in zip(plain, titled, lex, strict=True)]
        out.append((max(plain), max(titled), max(lex), combined.index(max(combined))))
    return out


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 4), min_size=1, max_size=8),
    picks=st.lists(st.integers(0, 7), min_size=1, max_size=8, unique=True),
    seed=st.integers(0, 2**16),
)
def test_sentence_features_match_a_plain_loop(counts: list[int], picks: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    owners = [row for row, n in enumerate(counts) for _ in range(n)]
    if not owners:
        return
    # Small integers: every dot product is exact whatever order BLAS sums in, so ties are ties.
    vectors = rng.integers(-2, 3, size=(len(owners), 8)).astype(np.float32)
    vectors[1::2] = vectors[0]  # repeated sentences: ties, where the first one must win
    words = ["data", "vote", "rules", "security"]
    texts = [" ".join(words[: 1 + (i % 2)]) for i in range(len(owners))]
    stored = _table(owners, vectors, texts)
    rows = [p for p in picks if p < len(counts)] or [0]
    vector = vectors[0]
    stems = ["data"]
    plain, titled, lexical, best = _sentence_features(stored, stems, vector, np.asarray(rows, dtype=np.int64))
    got = [(float(a), float(b), float(c), w) for a, b, c, w in zip(plain, titled, lexical, best, strict=True)]
    expected = _reference_features(stored, stems, vector, rows)
    for g, e in zip(got, expected, strict=True):
        assert g[:3] == pytest.approx(e[:3], abs=1e-6) and g[3] == e[3]


@pytest.mark.parametrize("floor", [0.5, 0.8])
@pytest.mark.parametrize("question", GATHER_QUESTIONS)
def test_a_cosine_floor_spreads_exactly_the_cosine_features(stored: StoredIndex, question: str, floor: float) -> None:
    vector = FakeEmbedder().embed_batch([question])[0]
    raw, spread = gather(stored, question, vector, 50), gather(stored, question, vector, 50, cosine_floor=floor)
    assert raw.rows == spread.rows
    chunk_cosines = [FEATURES.index(n) for n in ("dense", "titled")]
    chunk_wide = [FEATURES.index(n) for n in ("lexical", "overlap", "passage_terms", "document_terms", "substance")]
    expected = (raw.values[:, chunk_cosines] - floor) / (1 - floor)
    np.testing.assert_allclose(spread.values[:, chunk_cosines], expected, atol=1e-6)
    np.testing.assert_array_equal(spread.values[:, chunk_wide], raw.values[:, chunk_wide])
    # A sentence's cosines weigh more in picking each chunk's best sentence, never beyond the affine map.
    sentences = [FEATURES.index(n) for n in ("sentence", "titled_sentence")]
    assert (spread.values[:, sentences] <= 1.0 + 1e-6).all()
    same = np.array(raw.best_sentence) == np.array(spread.best_sentence)
    np.testing.assert_allclose(
        spread.values[same][:, sentences], (raw.values[same][:, sentences] - floor) / (1 - floor), atol=1e-6
    )


def test_a_cosine_floor_spreads_the_questions_likeness_too(stored: StoredIndex) -> None:
    question = GATHER_QUESTIONS[0]
    vector = FakeEmbedder().embed_batch([question])[0]
    assert gather(stored, question, vector, 10, cosine_floor=0.8, likeness=0.9).likeness == pytest.approx(0.5)
    assert gather(stored, question, vector, 10, likeness=0.9).likeness == pytest.approx(0.9)
    assert gather(stored, question, vector, 10, cosine_floor=0.8).likeness == 0.0  # not measured (English path)
    assert gather(stored, NONSENSE, vector, 10, cosine_floor=0.8, likeness=1.0).likeness == pytest.approx(1.0)


def test_views_foreign_part_and_cosine_floor_round_trip_and_are_checked() -> None:
    ranking = dataclasses.replace(_ranking(), views="late", cosine_floor=0.8, foreign=_ranking())
    assert Ranking.from_dict(json.loads(json.dumps(ranking.to_dict()))) == ranking
    raw = ranking.to_dict() | {"views": "sideways"}
    with pytest.raises(IndexCorruptError, match="quotebot build"):
        Ranking.from_dict(raw)


@pytest.mark.parametrize(("threshold", "confidence", "shown"), [(0.52, 0.52, 0.5), (0.13, 0.13, 0.5), (0.13, 0.26, 0.702),
                                                               (0.52, 0.9, 0.892), (0.52, 0.1, 0.093), (0.5, 0.75, 0.75)])  # fmt: skip
def test_a_confidence_is_shown_on_one_scale_its_threshold_at_half(
    threshold: float, confidence: float, shown: float
) -> None:
    """The other-language rule answers from 0.13: its 0.26 reads 0.70 there, as far above the bar as in English."""
    rule = DeclineRule((0.0,) * len(DECLINE_FEATURES), 0.0, threshold)
    assert rule.on_scale(confidence) == pytest.approx(shown, abs=1e-3)
    values = [rule.on_scale(c / 100) for c in range(101)]
    assert values == sorted(values) and values[0] >= 0.0 and values[-1] <= 1.0
