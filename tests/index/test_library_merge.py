"""Several collections merge on one scale, the calibrated confidence, with one collection's display rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index import Answer, Passage
from quotebot.index.collections import load_collections
from quotebot.index.library import _merge, open_library
from tests.fakes import SEED


def _passage(doc: str, score: float, confidence: float) -> Passage:
    return Passage(f"{doc} text", doc, Path(doc), doc, None, 1, 1, 0, 9, score, confidence=confidence)


def _answer(answered: bool, *passages: Passage) -> Answer:
    return Answer("q", answered, passages, confidence=passages[0].confidence if passages else None)


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        # A collection that barely answers, at a higher raw score on its own scale: left out (0.60 < 0.75 × 0.94).
        ([_answer(True, _passage("table", 0.70, 0.94)), _answer(True, _passage("un", 0.90, 0.60))], ["table"]),
        # Two collections that both answer well: both, the more confident first.
        ([_answer(True, _passage("a", 0.50, 0.80)), _answer(True, _passage("b", 0.90, 0.90))], ["b", "a"]),
        # A collection that declines lends nothing to one that answers.
        ([_answer(True, _passage("a", 0.40, 0.70)), _answer(False, _passage("b", 0.95, 0.69))], ["a"]),
        # None answers: the most confident miss alone, not a mix.
        ([_answer(False, _passage("a", 0.9, 0.30)), _answer(False, _passage("b", 0.4, 0.45))], ["b"]),
        # The leading answer's first passage stays first, whatever its later passages' confidence.
        ([_answer(True, _passage("a1", 0.9, 0.80), _passage("a2", 0.8, 0.85))], ["a1", "a2"]),
    ],
)
def test_merge_on_one_scale(answers: list[Answer], shown: list[str]) -> None:
    merged = _merge("q", answers, 3)
    assert [p.doc_id for p in merged.passages] == shown
    assert merged.answered is any(a.answered for a in answers)
    assert merged.confidence == merged.passages[0].confidence


HANDBOOK = """# Engineering handbook

## Deploying

Production deploys run from the release pipeline on weekdays between 09:00 and 16:00.

| Role | May deploy to staging | May deploy to production |
|---|---|---|
| Engineer | yes | no |
| Senior engineer | yes | yes, with a second reviewer |
| On-call lead | yes | yes |

## Laptops

Laptops are replaced every three years. Ask IT for a loaner while yours is repaired.
"""


@pytest.mark.slow
def test_two_collections_about_different_things_never_mix(tmp_path: Path, default_embedder) -> None:
    """The issue's case: the deploy table, then an unrelated UN paragraph at 0.40, before the merge read confidence."""
    (tmp_path / "handbook").mkdir()
    (tmp_path / "handbook" / "deploy.md").write_text(HANDBOOK, encoding="utf-8")
    (tmp_path / "un").mkdir()
    (tmp_path / "un" / SEED.name).write_bytes(SEED.read_bytes())
    config = tmp_path / "quotebot.toml"
    config.write_text('[collections.handbook]\npath = "handbook"\n\n[collections.un]\npath = "un"\n', encoding="utf-8")
    library = open_library(load_collections(config, tmp_path), tmp_path / "index", embedder=default_embedder)
    deploy = library.answer("Who may deploy to production?")
    assert deploy.answered and {p.collection for p in deploy.passages} == {"handbook"}
    backdoors = library.answer("Should ICT providers install backdoors in their products?")
    assert backdoors.answered and {p.collection for p in backdoors.passages} == {"un"}
