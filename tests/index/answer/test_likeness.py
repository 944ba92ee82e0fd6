"""The foreign rule's `likeness` feature: measured on the other-language path only, read by its rule alone."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.probes import PROBES_BY_LANGUAGE, PROBES_MULTILINGUAL, likeness
from quotebot.index.answer.ranking import DECLINE_FEATURES, DeclineRule, Ranking, default_ranking
from quotebot.index.build import build_index, open_engine
from tests.fakes import ROOT, FakeEmbedder

ENGLISH = "Should ICT products and services providers install backdoors in their products?"
SPANISH = "¿Qué es la Iniciativa Global sobre Seguridad de los Datos?"
AT = DECLINE_FEATURES.index("likeness")


def _foreign_rule(weight: float) -> DeclineRule:
    """A modest rule (no confidence near 0 or 1) that reads similarity and, with `weight`, likeness."""
    coefficients = [0.0] * len(DECLINE_FEATURES)
    coefficients[DECLINE_FEATURES.index("similarity")] = 1.0
    coefficients[AT] = weight
    return DeclineRule(tuple(coefficients), 0.0, 0.5)


@pytest.fixture
def engine(seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> QuoteEngine:
    """The seed corpus under the fake model, with a foreign part whose rule reads likeness."""
    build_index(seed_corpus, tmp_path / "index", fake_embedder)
    stored = open_engine(seed_corpus, tmp_path / "index", fake_embedder, rebuild=False).stored
    english = Ranking.from_dict(stored.manifest.ranking)
    ranking = dataclasses.replace(english, foreign=dataclasses.replace(english, rule=_foreign_rule(-2.0)))
    return QuoteEngine(stored, fake_embedder, seed_corpus, ranking=ranking)


def test_two_questions_alike_but_for_their_likeness_get_different_foreign_confidences(
    engine: QuoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert engine.routes_foreign(SPANISH)
    confidences = []
    for value in (0.0, 0.9):  # the same question and passages: only how much it reads like the probes differs
        monkeypatch.setattr(engine, "likeness", lambda vector, value=value: value)
        ranked = engine.rank(SPANISH)
        assert ranked[0].foreign and ranked[0].evidence.likeness == pytest.approx(value)
        confidences.append(engine.answer(SPANISH).confidence)
    assert confidences[0] > confidences[1]  # nearer the everyday probes, less sure


def test_the_foreign_path_measures_likeness_against_the_multilingual_probes(engine: QuoteEngine) -> None:
    probe = PROBES_BY_LANGUAGE["fr"][5]  # itself a probe question
    vectors = FakeEmbedder().embed_queries([probe, SPANISH, *PROBES_MULTILINGUAL])
    expected = likeness(vectors[:2], vectors[2:])
    assert engine.likeness(vectors[0]) == pytest.approx(expected[0])
    assert engine.likeness(vectors[1]) == pytest.approx(expected[1])
    assert engine.candidates(probe).likeness == pytest.approx(expected[0])  # its ranking's cosine floor is 0
    assert engine.revised(engine.stored)._probes[True] is engine._probes[True]  # carried over, not embedded again


def test_an_english_confidence_does_not_depend_on_likeness(
    engine: QuoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unmeasured(vector: object) -> float:
        raise AssertionError("likeness is measured on the other-language path only")

    monkeypatch.setattr(engine, "likeness", unmeasured)
    assert not engine.routes_foreign(ENGLISH)
    first = engine.rank(ENGLISH)[0]
    assert not first.foreign and first.evidence.likeness == 0.0
    assert engine.answer(ENGLISH).answered
    # The English rules have no likeness coefficient: evidence carrying one is judged alike.
    for rule in (engine.ranking.rule, default_ranking().rule, default_ranking(model="all-MiniLM-L6-v2").rule):
        assert rule.coefficients[AT] == 0.0
        assert rule.confidence(first.evidence) == rule.confidence(dataclasses.replace(first.evidence, likeness=0.9))


def test_the_shipped_foreign_rule_reads_likeness_and_the_english_file_part_does_not_name_it() -> None:
    shipped = json.loads((ROOT / "index" / "answer" / "ranking.json").read_text(encoding="utf-8"))
    assert "likeness" not in shipped["rule"]["coefficients"]  # fitted before it: unchanged, and so every manifest
    assert shipped["foreign"]["rule"]["coefficients"]["likeness"] < 0  # nearer the probes, less sure
    foreign = default_ranking().foreign
    assert foreign is not None and foreign.rule.coefficients[AT] < 0


def test_a_ranking_without_likeness_loads_it_as_zero_and_writes_it_only_when_fitted() -> None:
    old = json.loads((ROOT / "index" / "answer" / "ranking_minilm.json").read_text(encoding="utf-8"))
    assert "likeness" not in old["rule"]["coefficients"]
    ranking = Ranking.from_dict(old)
    assert ranking.rule.coefficients[AT] == 0.0
    assert ranking.to_dict()["rule"] == old["rule"]  # as it was written, not a 0 more
    fitted = dataclasses.replace(ranking, rule=_foreign_rule(-1.5))
    assert fitted.to_dict()["rule"]["coefficients"]["likeness"] == -1.5
    assert Ranking.from_dict(fitted.to_dict()) == fitted
