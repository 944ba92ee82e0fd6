"""Fitting the ranking: fusion weights recovered from synthetic questions, the decline rule and its threshold."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from quotebot.index.answer.fitting import Labelled, choose_threshold, fit_ranker, fit_rule
from quotebot.index.answer.ranking import DECLINE_FEATURES, FEATURES, DeclineRule, Ranker

INFORMATIVE = {"sentence": 3.0, "lexical": 2.0}  # the hidden weighting that picks the gold candidate
TRUE_RULE = {
    "similarity": 4.0,
    "sentence": 3.0,
    "overlap": 2.0,
    "unknown_words": -4.0,
    "unknown_names": -1.5,
    "passage_terms": 2.0,
    "document_terms": 1.5,
    "sentence_terms": 1.0,
    "missing_passage": -1.0,
    "missing_document": -3.0,
    "number_missing": -2.0,
    "substance": 2.5,
    "likeness": -2.0,
}
TRUE_INTERCEPT = -1.5


def _questions(rng: np.random.Generator, count: int) -> list[Labelled]:
    """Questions of 3 to 12 candidates whose gold one is the argmax of the hidden weighting."""
    truth = np.asarray([INFORMATIVE.get(name, 0.0) for name in FEATURES])
    out = []
    for _ in range(count):
        values = rng.random((int(rng.integers(3, 13)), len(FEATURES)))
        score = values @ truth
        out.append(Labelled(values, score == score.max()))
    return out


@pytest.fixture(scope="module")
def fitted() -> Ranker:
    """A ranker fitted on 600 synthetic questions (plus some without their answer among the candidates)."""
    rng = np.random.default_rng(11)
    unanswered = [Labelled(rng.random((5, len(FEATURES))), np.zeros(5, dtype=bool)) for _ in range(20)]
    return fit_ranker(_questions(rng, 600) + unanswered)


def test_fitted_ranker_puts_gold_first_on_held_out_questions(fitted: Ranker) -> None:
    held_out = _questions(np.random.default_rng(12), 400)
    hits = [int(np.argmax(fitted.scores(q.values))) == int(np.argmax(q.gold)) for q in held_out]
    assert np.mean(hits) >= 0.95


def test_fitted_ranker_weighs_informative_features_over_noise(fitted: Ranker) -> None:
    weights = dict(zip(FEATURES, fitted.weights, strict=True))
    noise = [w for name, w in weights.items() if name not in INFORMATIVE]
    assert min(weights[name] for name in INFORMATIVE) > 3 * max(noise)
    assert weights["sentence"] > weights["lexical"]  # and keeps their order


def test_fitted_weights_are_non_negative(fitted: Ranker) -> None:
    assert all(w >= 0 for w in fitted.weights)
    assert len(fitted.weights) == len(FEATURES)


def test_weights_stay_non_negative_when_a_feature_misleads() -> None:
    """A feature that is low on the gold candidate would want a negative weight; it gets 0."""
    rng = np.random.default_rng(5)
    questions = _questions(rng, 150)
    for q in questions:
        q.values[:, FEATURES.index("overlap")] = 1.0 - q.gold + 0.1 * rng.random(len(q.gold))
    ranker = fit_ranker(questions)
    assert all(w >= 0 for w in ranker.weights)
    assert ranker.weights[FEATURES.index("overlap")] == pytest.approx(0.0, abs=1e-3)


def test_question_weights_steer_the_fit() -> None:
    """Two contradicting halves: the heavier one decides which feature wins."""
    rng = np.random.default_rng(3)

    def half(feature: str, weight: float) -> list[Labelled]:
        out = []
        for _ in range(60):
            values = rng.random((6, len(FEATURES)))
            column = values[:, FEATURES.index(feature)]
            out.append(Labelled(values, column == column.max(), weight))
        return out

    ranker = fit_ranker(half("dense", 5.0) + half("overlap", 1.0))
    assert ranker.weights[FEATURES.index("dense")] > ranker.weights[FEATURES.index("overlap")]
    ranker = fit_ranker(half("dense", 1.0) + half("overlap", 5.0))
    assert ranker.weights[FEATURES.index("dense")] < ranker.weights[FEATURES.index("overlap")]


@pytest.mark.parametrize("count", [0, 1, 4])
def test_no_usable_question_is_a_value_error(count: int) -> None:
    questions = [Labelled(np.ones((3, len(FEATURES))), np.zeros(3, dtype=bool)) for _ in range(count)]
    with pytest.raises(ValueError, match="no labelled question"):
        fit_ranker(questions)


# --- the decline rule ------------------------------------------------------------------------------


def _evidence(rng: np.random.Generator, count: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Evidence rows in DECLINE_FEATURES order, answerable exactly when the hidden logit is positive."""
    x = rng.random((count, len(DECLINE_FEATURES)))
    x[:, DECLINE_FEATURES.index("unknown_names")] = rng.integers(0, 3, count)
    x[:, DECLINE_FEATURES.index("number_missing")] = rng.integers(0, 2, count)
    truth = np.asarray([TRUE_RULE[name] for name in DECLINE_FEATURES])
    return x, x @ truth + TRUE_INTERCEPT > 0


@pytest.fixture(scope="module")
def rule() -> DeclineRule:
    x, y = _evidence(np.random.default_rng(21), 600)
    coefficients, intercept = fit_rule(x, y)
    return DeclineRule(coefficients, intercept, 0.5)


def test_fit_rule_finds_the_right_signs(rule: DeclineRule) -> None:
    assert len(rule.coefficients) == len(DECLINE_FEATURES)
    for name, coefficient in zip(DECLINE_FEATURES, rule.coefficients, strict=True):
        assert np.sign(coefficient) == np.sign(TRUE_RULE[name]), name


def test_a_lightly_regularised_rule_separates_held_out_evidence() -> None:
    coefficients, intercept = fit_rule(*_evidence(np.random.default_rng(21), 600), l2=1e-5)
    rule = DeclineRule(coefficients, intercept, 0.5)
    x, y = _evidence(np.random.default_rng(22), 400)
    assert 0.3 < y.mean() < 0.7  # both classes are there
    predicted = [rule.probability(row.tolist()) >= rule.threshold for row in x]
    assert np.mean(np.asarray(predicted) == y) >= 0.9


def test_fit_rule_weights_shift_the_intercept() -> None:
    """Weighing the unanswerable questions up makes the rule more reluctant everywhere."""
    x, y = _evidence(np.random.default_rng(23), 300)
    rng = np.random.default_rng(24)
    noisy = y ^ (rng.random(len(y)) < 0.2)  # not separable, so the weights matter
    _, plain = fit_rule(x, noisy)
    _, reluctant = fit_rule(x, noisy, np.where(noisy, 1.0, 5.0))
    assert reluctant < plain


def test_fit_rule_rejects_evidence_of_the_wrong_width() -> None:
    x, y = _evidence(np.random.default_rng(25), 50)
    with pytest.raises(ValueError, match="columns"):
        fit_rule(x[:, :4], y)


# --- the threshold ---------------------------------------------------------------------------------

TENTHS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


@pytest.mark.parametrize(
    ("confidence", "answerable", "groups", "max_declined", "expected"),
    [
        pytest.param(TENTHS, [True] * 10, None, 0.0, 0.0999, id="decline-none"),
        pytest.param(TENTHS, [True] * 10, None, 0.2, 0.2999, id="decline-two-of-ten"),
        pytest.param(TENTHS, [True] * 10, None, 0.25, 0.2999, id="floor-of-the-allowed"),
        pytest.param(TENTHS, [False] * 5 + [True] * 5, None, 0.2, 0.6999, id="unanswerable-ignored"),
        pytest.param(TENTHS, [True, False] * 5, None, 0.4, 0.4999, id="interleaved"),
        pytest.param(
            TENTHS, [True] * 10, ["a"] * 5 + ["b"] * 5, 0.2, 0.2999, id="groups-weigh-alike"
        ),  # a: 0.1..0.5 loses two (0.4), b none: 0.2 on average
        pytest.param(
            [0.9, 0.8, 0.95, 0.2, 0.3, 0.4, 0.5, 0.6],
            [True] * 8,
            ["a", "a", "a", "b", "b", "b", "b", "b"],
            0.4,
            0.5999,
            id="unsorted-groups",
        ),
        pytest.param(
            [0.9, 0.1, 0.8, 0.05],
            [True, False, True, False],
            ["a", "b", "a", "b"],
            0.5,
            0.8999,
            id="group-without-answerable-ignored",
        ),
    ],
)
def test_choose_threshold(
    confidence: list[float],
    answerable: list[bool],
    groups: list[str] | None,
    max_declined: float,
    expected: float,
) -> None:
    conf, ans = np.asarray(confidence), np.asarray(answerable)
    threshold = choose_threshold(conf, ans, max_declined, groups)
    assert threshold == pytest.approx(expected)
    assert _declined(conf, ans, groups, threshold) <= max_declined


def _declined(conf: np.ndarray, ans: np.ndarray, groups: list[str] | None, cut: float) -> float:
    """Return the share of answerable questions below a cut, averaged over the groups."""
    labels = np.asarray(groups if groups is not None else [""] * len(conf))
    names = set(labels[ans].tolist())
    return float(np.mean([np.mean(conf[ans & (labels == g)] < cut) for g in names]))


@pytest.mark.parametrize("max_declined", [0.0, 0.05, 0.1, 0.3])
def test_choose_threshold_is_the_highest_within_budget_on_average(max_declined: float) -> None:
    rng = np.random.default_rng(31)
    conf = rng.random(300)
    ans = rng.random(300) < 0.6
    groups = rng.choice(["squad", "seed", "other"], 300).tolist()
    threshold = choose_threshold(conf, ans, max_declined, groups)
    assert _declined(conf, ans, groups, threshold) <= max_declined
    # By brute force: the highest cut at an answerable question's confidence that stays within budget.
    best = max(c for c in np.unique(conf[ans]) if _declined(conf, ans, groups, float(c)) <= max_declined)
    assert threshold == pytest.approx(round(float(best) - 1e-4, 4))


@pytest.mark.parametrize(
    ("confidence", "answerable"),
    [
        pytest.param([0.2, 0.9], [False, False], id="none-answerable"),
        pytest.param([], [], id="empty"),
    ],
)
def test_choose_threshold_without_answerable_examples_raises(confidence: list[float], answerable: list[bool]) -> None:
    with pytest.raises(ValueError, match="no answerable"):
        choose_threshold(np.asarray(confidence, dtype=np.float64), np.asarray(answerable, dtype=bool), 0.1)
