"""Quote units and the changelog penalty, one setting at a time, on both teamdocs sets and on SQuAD.

    .venv/bin/python scripts/units.py                # the settings of docs/evaluation.md (issue 27)
    .venv/bin/python scripts/units.py --squad 1000   # and how often SQuAD's first passage grows

For each setting: hit@1 and hit@3 of the answerable questions (a gold substring in the first passages shown,
as the sets' score.py counts), answerable questions declined, and the first passage's length. On SQuAD (its
unseen questions), how often the first passage grew into a unit, and whether the gold paragraph was only in
the blocks added, already in the best block, or in neither. The indexes are scripts/eval.py's.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

from evalkit import WORK, Query, squad_index, squad_queries, write_squad_corpus
from teamdocs import SETS, Row, open_index, rows

from quotebot.index import make_embedder
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.history import HISTORY_PENALTY
from quotebot.index.answer.units import UnitRule

SETTINGS: dict[str, tuple[UnitRule, float]] = {
    "no units, no penalty": (UnitRule(blocks=1), 0.0),
    "units margin 0.04": (UnitRule(margin=0.04), 0.0),
    "units margin 0.08": (UnitRule(margin=0.08), 0.0),
    "units margin 0.12": (UnitRule(margin=0.12), 0.0),
    "units margin 0.16": (UnitRule(margin=0.16), 0.0),
    "units 0.08, 3 back": (UnitRule(margin=0.08, back=3), 0.0),
    "units 0.08, 1,000 chars": (UnitRule(margin=0.08, chars=1000), 0.0),
    "units 0.08, 1,500 chars": (UnitRule(margin=0.08, chars=1500), 0.0),
    "units 0.08, penalty 0.1 (shipped)": (UnitRule(), HISTORY_PENALTY),
    "units 0.08, penalty 0.2": (UnitRule(), 0.2),
    "units 0.08, penalty 0.3": (UnitRule(), 0.3),
}


def score(engine: QuoteEngine, answerable: list[Row]) -> str:
    """Return one setting's figures on a set's answerable questions."""
    firsts, declined, lengths = [], 0, []
    for row in answerable:
        answer = engine.answer(row.question, 3)
        firsts.append(next((i for i, p in enumerate(answer.passages) if any(g in p.text for g in row.gold)), None))
        declined += not answer.answered
        lengths.extend(len(p.text) for p in answer.passages[:1])
    n = len(answerable)
    hit1, hit3 = sum(f == 0 for f in firsts) / n, sum(f is not None for f in firsts) / n
    median = statistics.median(lengths)
    return f"hit@1 {hit1:.3f} hit@3 {hit3:.3f} declined {declined}/{n} first passage median {median:.0f}"


def growth(engine: QuoteEngine, queries: list[Query], paragraphs: Callable[[str, int, int], set[str]]) -> str:
    """Return how often the first passage grows into a unit, and where the gold paragraph then is."""
    grown = only_added = already = neither = 0
    for query in queries:
        engine.unit_rule = UnitRule(blocks=1)
        alone = engine.answer(query.question, 3).passages
        engine.unit_rule = UnitRule()
        unit = engine.answer(query.question, 3).passages
        if not alone or not unit or (alone[0].start, alone[0].end) == (unit[0].start, unit[0].end):
            continue
        grown += 1
        if paragraphs(alone[0].doc_id, alone[0].start, alone[0].end) & query.gold:
            already += 1
        elif paragraphs(unit[0].doc_id, unit[0].start, unit[0].end) & query.gold:
            only_added += 1
        else:
            neither += 1
    return (f"{grown} of {len(queries)} first passages grew: gold only in the added blocks {only_added}, "
            f"already in the best block {already}, in neither {neither}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=int, default=0, help="also measure growth on this many unseen SQuAD questions")
    args = parser.parse_args()
    embedder = make_embedder()
    for folder in SETS.values():
        engine = open_index(embedder, folder)
        answerable = [r for r in rows(folder) if r.kind == "answerable"]
        print(f"\n{folder.name}: {len(answerable)} answerable questions")
        for label, (rule, penalty) in SETTINGS.items():
            engine.unit_rule, engine.history_penalty = rule, penalty
            print(f"  {label:<36}{score(engine, answerable)}", flush=True)
    if args.squad:
        spans = write_squad_corpus(WORK / "squad-corpus")
        engine, _ = squad_index(embedder)

        def paragraphs(doc: str, start: int, end: int) -> set[str]:
            return {pid for a, b, pid in spans[doc] if a < end and start < b}

        print(f"\nSQuAD: {growth(engine, squad_queries(unseen=True)[: args.squad], paragraphs)}")


if __name__ == "__main__":
    main()
