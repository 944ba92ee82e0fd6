"""scripts/fit_multilingual.py --off-topic and scripts/xquad.py: the off-topic fit set enters the foreign rule's fit."""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from quotebot.index.answer.ranking import DECLINE_FEATURES, FEATURES, Candidates, Ranker

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
Scripts = tuple[ModuleType, ModuleType, ModuleType]


@pytest.fixture(scope="module")
def scripts() -> Scripts:
    """The scripts fit_multilingual, fit and xquad, imported as they import each other (from scripts/)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        return tuple(importlib.import_module(name) for name in ("fit_multilingual", "fit", "xquad"))  # type: ignore[return-value]
    finally:
        sys.path.remove(str(SCRIPTS))


def _candidates(similarity: float) -> Candidates:
    values = np.full((2, len(FEATURES)), 0.1)
    values[0, :4] = similarity  # the cosine columns: dense, titled, sentence, titled_sentence
    return Candidates((0, 1), values, (0, 0), 1.0, 0, np.ones((2, 3)), (0.0, 0.0, 0.0))


def _vector(similarity: float, substance: float = 1.0) -> list[float]:
    named = {"similarity": similarity, "sentence": similarity, "substance": substance}
    return [named.get(name, 0.0) for name in DECLINE_FEATURES]


def test_the_fit_set_is_read_by_language_and_shares_no_question_with_the_report_set(scripts: Scripts) -> None:
    fit_multilingual, _, xquad = scripts
    fitted = fit_multilingual.off_topic_questions()
    assert {lang: len(rows) for lang, rows in fitted.items()} == dict.fromkeys(["zh", "ar", "fr", "ru", "es", "de"], 20)
    assert all(not q.gold for rows in fitted.values() for q in rows)  # unanswerable, every one
    report = {q.question for rows in fit_multilingual.off_topic_questions(xquad.OFF_TOPIC).values() for q in rows}
    assert len(report) == 50 and not report & {q.question for rows in fitted.values() for q in rows}
    assert xquad.OFF_TOPIC_FIT == fit_multilingual.OFF_TOPIC_FIT != xquad.OFF_TOPIC


def test_off_topic_examples_are_negatives_of_their_language_named_by_the_corpus_asked(scripts: Scripts) -> None:
    fit_multilingual, _, _ = scripts

    @dataclass
    class Prepared:
        candidates: list[Candidates]

    data = Prepared(
        [_candidates(0.3), _candidates(0.5), Candidates((), np.zeros((0, len(FEATURES))), (), 0, 0, np.zeros((0, 3)))]
    )
    examples = fit_multilingual.off_topic_examples(data, Ranker.of(dense=1), "fr", "squad")
    assert len(examples) == 2  # a question with no candidate gives no example
    assert {(e.corpus, e.kind, e.answerable, e.right) for e in examples} == {("fr", "off-topic squad", False, False)}
    assert [e.evidence[0] for e in examples] == pytest.approx([0.3, 0.5])


def _examples(fit: ModuleType, off_topic: bool) -> list:  # type: ignore[type-arg]
    """Answerable questions near 0.6, unrelated ones near 0.0; (`off_topic`) everyday ones as close as answerable
    ones, told apart by another feature only (substance 0), which nothing else teaches the rule to read."""
    rng = np.random.default_rng(7)
    out = []
    for lang in ("zh", "es"):
        out += [fit.Example(_vector(s), True, True, lang, "own") for s in rng.normal(0.6, 0.1, 200)]
        out += [fit.Example(_vector(s), False, False, lang, "cross") for s in rng.normal(0.0, 0.1, 200)]
        if off_topic:
            out += [
                fit.Example(_vector(s, 0.0), False, False, lang, "off-topic seed") for s in rng.normal(0.6, 0.1, 40)
            ]
    return out


def test_fitting_against_the_off_topic_questions_declines_more_of_them(scripts: Scripts) -> None:
    fit_multilingual, fit, _ = scripts
    with_them = fit_multilingual._by_answerable(_examples(fit, off_topic=True))
    everyday = [e for e in with_them if e.kind.startswith("off-topic")]
    fitted = fit.fit_decline(with_them)
    plain = fit.fit_decline(fit_multilingual._by_answerable(_examples(fit, off_topic=False)))
    declined = sum(fitted.probability(e.evidence) < fitted.threshold for e in everyday)
    declined_plain = sum(plain.probability(e.evidence) < plain.threshold for e in everyday)
    assert declined >= 0.9 * len(everyday) > 0.2 * len(everyday) >= declined_plain
    # Left out of the fit with its language, each off-topic example is decided by a rule that never saw it.
    left_out = fit_multilingual.off_topic_left_out(with_them)
    assert sorted(id(e) for e, _ in left_out) == sorted(id(e) for e in everyday)


def test_print_off_topic_counts_per_corpus_and_language(scripts: Scripts, capsys: pytest.CaptureFixture[str]) -> None:
    fit_multilingual, fit, _ = scripts
    e = fit.Example(_vector(0.1), False, False, "ar", "off-topic squad")
    own = fit.Example(_vector(0.9), True, True, "ar", "own")
    fit_multilingual.print_off_topic([(e, True), (e, False), (e, True), (own, False)], "test")
    assert capsys.readouterr().out.strip().splitlines()[-1].split() == ["squad", "ar", "2/3"]


def test_xquad_counts_the_declines_of_any_off_topic_file(scripts: Scripts, tmp_path: Path) -> None:
    _, _, xquad = scripts
    path = tmp_path / "off.jsonl"
    rows = [("zh", "a"), ("zh", "b"), ("fr", "c")]
    path.write_text("".join(json.dumps({"lang": lang, "question": q}) + "\n" for lang, q in rows), encoding="utf-8")

    @dataclass
    class Reply:
        answered: bool

    class Engine:
        def answer(self, question: str) -> Reply:
            return Reply(question == "b")

    assert xquad.off_topic(Engine(), path) == {"zh": (1, 2), "fr": (1, 1)}
