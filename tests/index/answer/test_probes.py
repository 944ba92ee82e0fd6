"""The probe questions behind a corpus's noise floor, and how much a question reads like them."""

from __future__ import annotations

import numpy as np
import pytest

from quotebot.index.answer.probes import (
    PROBE_LANGUAGES,
    PROBES_BY_LANGUAGE,
    PROBES_MULTILINGUAL,
    floor,
    likeness,
)


def test_the_multilingual_probes_are_six_languages_in_blocks_each_labelled() -> None:
    assert list(PROBES_BY_LANGUAGE) == ["zh", "es", "ru", "ar", "de", "fr"]
    assert len(PROBES_MULTILINGUAL) == len(PROBE_LANGUAGES) == 36 == len(set(PROBES_MULTILINGUAL))
    assert PROBES_MULTILINGUAL[0] == "鸡胸肉在200度下要烤多久？"  # the floor's order, unchanged
    assert PROBES_MULTILINGUAL[-1] == "Combien de calories contient une banane ?"
    for question, lang in zip(PROBES_MULTILINGUAL, PROBE_LANGUAGES, strict=True):
        assert question in PROBES_BY_LANGUAGE[lang]


def test_floor_is_the_mean_evidence_of_the_probes_that_found_a_passage() -> None:
    assert floor([[0.2, 0.4, 0.0], None, [0.4, 0.6, 0.1]]) == pytest.approx((0.3, 0.5, 0.05))
    assert floor([None]) == ()


def test_likeness_averages_each_languages_best_cosine() -> None:
    probes = np.eye(4)  # two languages of two probes each
    languages = ("zh", "zh", "fr", "fr")
    near_zh = np.array([0.8, 0.6, 0.0, 0.0])  # close to a Chinese probe, to no French one
    everyday = np.array([0.6, 0.0, 0.8, 0.0])  # close to one of each
    unrelated = np.array([0.0, 0.0, 0.0, 0.0])
    got = likeness(np.stack([near_zh, everyday, unrelated]), probes, languages)
    assert got == pytest.approx([0.4, 0.7, 0.0])  # (0.8 + 0) / 2: its language alone does not make it everyday
    assert likeness(everyday, probes, languages) == pytest.approx([0.7])  # one vector is one question


def test_likeness_needs_a_language_per_probe() -> None:
    with pytest.raises(ValueError, match="4 probe vectors for 3 probe languages"):
        likeness(np.ones((1, 4)), np.eye(4), ("zh", "zh", "fr"))
