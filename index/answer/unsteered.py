"""Search a claim as written and with its numbers and dates masked: a wrong value cannot pick the passage.

"The stadium hosted the final in 1998" finds the paragraphs about 1998; masked, "The stadium hosted the final
in" finds the one about the final, which says 2002. Both are scored on the union of their candidates: a chunk's
score is the mean of its two, and the decline rule reads the more confident of its two evidences
(`QuoteEngine.order`): a claim with a wrong value is about its passage all the same.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..text import has_words
from .claims import masked
from .ranking import Candidates, DeclineRule, Evidence, features

if TYPE_CHECKING:
    from .engine import QuoteEngine

__all__ = ["MASK_WEIGHT", "Matrix", "claim_candidates", "surer_evidence"]

Matrix = npt.NDArray[np.float64]
MASK_WEIGHT = 0.5  # the masked claim's share of a chunk's score


def claim_candidates(
    engine: QuoteEngine, claim: str, vector: npt.NDArray[np.float32], *, foreign: bool
) -> tuple[Candidates, Candidates | None]:
    """Return a claim's candidates and, on the same rows, those of the claim with its values masked.

    None in place of the second: the claim has no number or date to mask (or nothing but them).
    """
    found = engine.candidates(claim, vector, foreign=foreign)
    hidden = masked(claim, engine.stored.lexical.unknown_names(claim))
    if hidden == claim or not has_words(hidden):
        return found, None
    hidden_vector = engine.embedder.embed_queries([hidden])[0]
    other = engine.candidates(hidden, hidden_vector, foreign=foreign)
    known = set(found.rows)
    extra = [r for r in other.rows if r not in known]
    rows = np.asarray([*found.rows, *extra], dtype=np.int64)
    if extra:
        found = _on_rows(engine, claim, vector, rows, foreign)
    return found, _on_rows(engine, hidden, hidden_vector, rows, foreign)


def _on_rows(
    engine: QuoteEngine, query: str, vector: npt.NDArray[np.float32], rows: npt.NDArray[np.int64], foreign: bool
) -> Candidates:
    """Score given chunk rows for a query on every feature, as `QuoteEngine.candidates` scores its own."""
    like = engine.likeness(vector) if foreign else None
    with engine.stored.guard.reading():
        return features(
            engine.stored, query, vector, rows, engine.terms, engine.floor(foreign=foreign),
            cosine_floor=engine.ranking.cosine_floor, likeness=like,
        )  # fmt: skip


def surer_evidence(rule: DeclineRule, candidates: Candidates, masked: Candidates | None, j: int) -> Evidence:
    """Return a candidate's evidence: of the claim as written, or of its masked form when the rule is surer of it."""
    evidence = Evidence.of(candidates, j)
    if masked is None:
        return evidence
    # What the corpus never mentions stays counted: masking "Geshe" must not make a claim about it look answered.
    other = replace(Evidence.of(masked, j), unknown_words=evidence.unknown_words, unknown_names=evidence.unknown_names)
    return other if rule.confidence(other) > rule.confidence(evidence) else evidence
