"""Measure retrieval quality: hit@1, hit@3, MRR@10 and the no-answer rule, per method.

    python scripts/eval.py                 # seed questions and SQuAD v1.1 dev
    python scripts/eval.py --only seed     # just the seed questions
    python scripts/eval.py --squad-limit 200
    python scripts/eval.py --only teamdocs --misses

Seed questions: tests/data/seed_questions.jsonl (paragraph numbers; null = out of domain),
reported for the part the ranking was fitted on ("tune"), the part it never saw ("heldout"), and all.
SQuAD: ../shared/eval/squad11_dev, read in place; each article becomes one document.
Team documents: ../shared/eval/teamdocs_dev, read in place (scripts/teamdocs.py), scored as `quotebot ask` answers.
Indexes are built under .quotebot/eval/; their embedding caches make reruns fast.
Every method is scored on the same candidates; declines use the shipped rule on its top passage.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from evalkit import (
    SEED_CLAIMS,
    SQUAD,
    Prepared,
    evaluate,
    prepare,
    prepare_seed,
    read_jsonl,
    seed_index,
    squad_index,
    squad_queries,
    unrelated_claims,
)
from teamdocs import SETS, run_teamdocs
from xquad import run_xquad

from quotebot.index.answer.ranking import Ranker, default_ranking
from quotebot.index.embed.base import DEFAULT_MODEL, Embedder
from quotebot.index.embed.factory import make_embedder

# Each step of the ranking, so the gain of each is visible; the last is what quotebot ships.
METHODS: dict[str, Ranker | None] = {
    "dense": Ranker.of(dense=1),
    "lexical": Ranker.of(lexical=1),
    "dense+lexical": Ranker.of(dense=0.5, lexical=0.5),
    "+best sentence": Ranker.of(dense=0.2, sentence=0.4, lexical=0.4),
    "+title": Ranker.of(titled=0.2, titled_sentence=0.4, lexical=0.4),
    "+sentence BM25": Ranker.of(titled=0.2, titled_sentence=0.4, lexical=0.3, sentence_lexical=0.1),
    "fitted (shipped)": None,
}


def table(data: Prepared) -> dict[str, dict[str, float]]:
    """Score every method on the same prepared queries (the ranking shipped for the index's model)."""
    shipped = default_ranking(model=data.engine.embedder.name)
    return {name: evaluate(data, ranker or shipped.ranker, shipped.rule) for name, ranker in METHODS.items()}


def print_table(name: str, results: dict[str, dict[str, float]]) -> None:
    """Print one results table."""
    print(f"\n{name}")
    print(f"{'method':<18}{'hit@1':>8}{'hit@3':>8}{'MRR@10':>8}{'OOD declined':>14}{'ans. declined':>15}{'n':>6}")
    for method, m in results.items():
        ood = "-" if m["n_ood"] == 0 else f"{m['ood_declined']:.3f}"
        print(
            f"{method:<18}{m['hit@1']:>8.3f}{m['hit@3']:>8.3f}{m['mrr@10']:>8.3f}{ood:>14}"
            f"{m['answerable_declined']:>15.3f}{int(m['n'] + m['n_ood']):>6}"
        )


def run_seed(embedder: Embedder) -> dict[str, dict[str, dict[str, float]]]:
    """Evaluate the seed questions, per split."""
    data = prepare_seed(embedder)
    results = {}
    for split in ("tune", "heldout", "all"):
        part = data.subset(lambda q, s=split: s == "all" or q.split == s)  # type: ignore[misc]
        results[split] = table(part)
        print_table(f"seed questions — {split} ({len(part.queries)} questions)", results[split])
    return results


def run_claims(embedder: Embedder) -> list[dict[str, object]]:
    """Check each seed claim in fact-check mode: which paragraph comes first, and with what confidence."""
    engine = seed_index(embedder)
    rows = []
    print("\nseed claims (fact-check mode: `quotebot ask --claim`)")
    print(f"{'true?':<7}{'expect':>7}{'got':>6}{'conf.':>7}  claim → highlighted sentence")
    for row in read_jsonl(SEED_CLAIMS):
        answer = engine.answer(str(row["claim"]), top_k=3, claim=True)
        best = answer.passages[0] if answer.answered and answer.passages else None
        got = best.paragraph_label.removeprefix("¶ ") if best else "-"
        sentence = best.text[best.highlight[0] : best.highlight[1]] if best and best.highlight else ""
        expect = "-" if row["paragraph"] is None else str(row["paragraph"])
        figures = f"{row['true']!s:<7}{expect:>7}{got:>6}{answer.confidence or 0:>7.2f}"
        print(f"{figures}  {row['claim']} → {sentence[:70]}")
        rows.append({"claim": row["claim"], "true": row["true"], "expected": row["paragraph"], "got": got})
    return rows


def run_squad(embedder: Embedder, limit: int | None) -> dict[str, dict[str, float]]:
    """Evaluate SQuAD v1.1 dev: 48 article documents, the sampled questions."""
    if not SQUAD.is_dir():
        print(f"\nSQuAD skipped: {SQUAD} not found")
        return {}
    engine, key = squad_index(embedder)
    data = prepare(engine, squad_queries(limit), key)
    results = table(data)
    print_table(f"SQuAD v1.1 dev — {len(data.queries)} questions (fitted on), 48 article documents", results)
    unseen = prepare(engine, squad_queries(limit, unseen=True), key)
    results["unseen"] = table(unseen)  # type: ignore[assignment]
    print_table(f"SQuAD v1.1 dev — {len(unseen.queries)} questions nothing was fitted on", results["unseen"])  # type: ignore[arg-type]
    results["unrelated claims"] = unrelated_claims(data.engine, "SQuAD")
    return results


def main() -> int:
    """Run the evaluation and print the tables (and JSON with --json FILE)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["seed", "squad", "teamdocs", "teamdocs2", "xquad"])
    parser.add_argument("--misses", action="store_true", help="teamdocs: list the questions missed at 3")
    parser.add_argument("--squad-limit", type=int, help="first N SQuAD questions only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the embedding model (default: %(default)s)")
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = make_embedder(args.model)
    print(f"model: {args.model}")
    print(f"ranking: {default_ranking(model=args.model).fitted_on}")
    results: dict[str, object] = {}
    if args.only in (None, "seed"):
        results["seed"] = run_seed(embedder)
        results["claims"] = run_claims(embedder)
    if args.only in (None, "squad"):
        results["squad"] = run_squad(embedder, args.squad_limit)
    if args.only in (None, "teamdocs"):
        results["teamdocs"] = run_teamdocs(embedder, misses=args.misses)
    if args.only in (None, "teamdocs2"):
        results["teamdocs2"] = run_teamdocs(embedder, misses=args.misses, folder=SETS["teamdocs2"])
    if args.only in (None, "xquad"):
        results["xquad"] = run_xquad(embedder)
    print(f"\n(total {time.perf_counter() - started:.0f}s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
