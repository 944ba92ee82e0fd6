"""A claim is searched as written and with its values masked: its wrong value cannot pick the passage."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index.answer.unsteered import claim_candidates
from quotebot.index.build import build_index, open_engine
from quotebot.index.embed.base import Embedder
from tests.fakes import FakeEmbedder

STADIUM = """# The city stadium

## Renovation

In 1998 the stadium was renovated. The 1998 works gave the stadium a roof, and the 1998 season opened there in \
August 1998 with a concert.

## Tournaments

The final of the national cup was held at the stadium in 2002, in front of 60,000 spectators.

## Transport

Trams stop at the stadium's north gate every ten minutes on match days.
"""
CLAIM = "The stadium hosted the final in 1998."


def _engine(tmp_path: Path, embedder: Embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "stadium.md").write_text(STADIUM, encoding="utf-8")
    build_index(corpus, tmp_path / "index", embedder)
    return open_engine(corpus, tmp_path / "index", embedder, rebuild=False)


def test_the_masked_claim_is_scored_on_the_same_rows(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    engine = _engine(tmp_path, fake_embedder)
    vector = fake_embedder.embed_queries([CLAIM])[0]
    found, hidden = claim_candidates(engine, CLAIM, vector, foreign=False)
    assert hidden is not None and hidden.rows == found.rows and hidden.values.shape == found.values.shape
    assert found.rows  # the claim's own candidates are all kept
    plain = "The stadium hosted the final."  # nothing to mask: searched once
    assert claim_candidates(engine, plain, fake_embedder.embed_queries([plain])[0], foreign=False)[1] is None


@pytest.mark.slow
def test_a_wrong_year_does_not_pull_the_paragraphs_about_that_year(tmp_path: Path, default_embedder: Embedder) -> None:
    engine = _engine(tmp_path, default_embedder)
    engine.mask_weight = 0.0  # as written only: the paragraph about 1998 comes along
    steered = engine.answer(CLAIM, top_k=3, claim=True)
    assert [p.section for p in steered.passages] == ["Tournaments", "Renovation"]
    engine.mask_weight = 0.5  # as shipped
    answer = engine.answer(CLAIM, top_k=3, claim=True)
    assert answer.answered and [p.section for p in answer.passages] == ["Tournaments"]
    [difference] = answer.passages[0].differences
    assert (difference.kind, difference.claim) == ("date", "1998")
    assert answer.passages[0].text[difference.start : difference.end] == "2002"
