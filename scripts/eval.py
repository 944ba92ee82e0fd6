"""Measure retrieval quality: hit@1, hit@3, MRR@10 and the no-answer rule, per method.

    python scripts/eval.py                 # seed questions and SQuAD v1.1 dev
    python scripts/eval.py --only seed     # just the seed questions
    python scripts/eval.py --squad-limit 200

Seed questions: tests/data/seed_questions.jsonl (paragraph numbers; null = out of domain).
SQuAD: ../shared/eval/squad11_dev, read in place; each article becomes one document.
Indexes are built under .quotebot/eval/ and reused while the corpus and model are unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Fusion, QuoteEngine, SentenceTransformerEmbedder, open_engine  # noqa: E402

SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"
WORK = ROOT / ".quotebot" / "eval"
METHODS = {
    "dense": Fusion(1.0, 0.0, 0.0),
    "lexical": Fusion(0.0, 0.0, 1.0),
    "dense+lexical": Fusion(0.5, 0.0, 0.5),
    "hybrid": Fusion(),  # + best sentence: the shipped default
}


@dataclass(frozen=True)
class Query:
    """A labelled question: the gold keys it should retrieve (empty = out of domain)."""

    question: str
    gold: frozenset[str]
    split: str


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def seed_queries() -> list[Query]:
    """Load the seed questions; gold keys are 'doc:paragraph'."""
    rows = _read_jsonl(SEED_QUESTIONS)
    return [
        Query(
            str(r["question"]),
            frozenset() if r["paragraph"] is None else frozenset({str(r["paragraph"])}),
            str(r.get("split", "tune")),
        )
        for r in rows
    ]


def write_squad_corpus(folder: Path) -> dict[str, list[tuple[int, int, str]]]:
    """Write one document per SQuAD article; return each file's paragraph spans with their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    articles: dict[str, list[tuple[str, str]]] = {}
    for row in _read_jsonl(SQUAD / "corpus.jsonl"):
        articles.setdefault(str(row["title"]), []).append((str(row["id"]), str(row["text"])))
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for title, paragraphs in articles.items():
        text = f"title: {title.replace('_', ' ')}\n\n"
        doc_spans = []
        for pid, para in paragraphs:
            doc_spans.append((len(text), len(text) + len(para), pid))
            text += para + "\n\n"
        path = folder / f"{title}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        spans[path.name] = doc_spans
    return spans


def squad_queries(limit: int | None) -> list[Query]:
    """Load the 2,000 sampled SQuAD questions."""
    rows = _read_jsonl(SQUAD / "queries.jsonl")[:limit]
    return [Query(str(r["question"]), frozenset(str(g) for g in r["gold"]), "all") for r in rows]  # type: ignore[attr-defined]


def evaluate(
    engine: QuoteEngine, queries: list[Query], key: Callable[[int], set[str]], vectors: np.ndarray
) -> dict[str, dict[str, float]]:
    """Score every method on the queries; `key` maps a chunk row to the gold keys it covers."""
    table: dict[str, dict[str, float]] = {}
    for method, fusion in METHODS.items():
        engine.fusion = fusion
        hits1 = hits3 = rr = declined_ood = declined_ans = 0.0
        n_ans = n_ood = 0
        for query, vector in zip(queries, vectors, strict=True):
            ranked = engine.rank(query.question, 10, vector)
            answered = bool(ranked) and engine.is_answer(query.question, ranked[0])
            if not query.gold:
                n_ood += 1
                declined_ood += not answered
                continue
            n_ans += 1
            declined_ans += not answered
            ranks = [i for i, r in enumerate(ranked) if key(r.row) & query.gold]
            first = ranks[0] if ranks else None
            hits1 += first == 0
            hits3 += first is not None and first < 3
            rr += 1 / (first + 1) if first is not None else 0
        table[method] = {
            "hit@1": hits1 / max(n_ans, 1),
            "hit@3": hits3 / max(n_ans, 1),
            "mrr@10": rr / max(n_ans, 1),
            "ood_declined": declined_ood / n_ood if n_ood else float("nan"),
            "answerable_declined": declined_ans / max(n_ans, 1),
            "n": float(n_ans),
            "n_ood": float(n_ood),
        }
    engine.fusion = METHODS["hybrid"]
    return table


def print_table(name: str, table: dict[str, dict[str, float]]) -> None:
    """Print one results table."""
    print(f"\n{name}")
    print(f"{'method':<10}{'hit@1':>8}{'hit@3':>8}{'MRR@10':>8}{'OOD declined':>14}{'ans. declined':>15}{'n':>6}")
    for method, m in table.items():
        ood = "-" if m["n_ood"] == 0 else f"{m['ood_declined']:.3f}"
        print(
            f"{method:<10}{m['hit@1']:>8.3f}{m['hit@3']:>8.3f}{m['mrr@10']:>8.3f}{ood:>14}"
            f"{m['answerable_declined']:>15.3f}{int(m['n'] + m['n_ood']):>6}"
        )


def _embed(embedder: SentenceTransformerEmbedder, questions: Iterable[str]) -> np.ndarray:
    return embedder.embed_batch(list(questions))


def run_seed(embedder: SentenceTransformerEmbedder) -> dict[str, dict[str, dict[str, float]]]:
    """Evaluate the seed questions, per split."""
    engine = open_engine(ROOT / "corpus", WORK / "seed-index", embedder)
    chunks = engine.stored.chunks

    def key(row: int) -> set[str]:
        return {str(p) for p in range(chunks[row].paragraph, chunks[row].last_paragraph + 1)}

    results = {}
    queries = seed_queries()
    for split in ("tune", "heldout", "all"):
        part = [q for q in queries if split == "all" or q.split == split]
        results[split] = evaluate(engine, part, key, _embed(embedder, (q.question for q in part)))
        print_table(f"seed questions — {split} ({len(part)} questions)", results[split])
    return results


def run_squad(embedder: SentenceTransformerEmbedder, limit: int | None) -> dict[str, dict[str, float]]:
    """Evaluate SQuAD v1.1 dev: 48 article documents, the sampled questions."""
    if not SQUAD.is_dir():
        print(f"\nSQuAD skipped: {SQUAD} not found")
        return {}
    spans = write_squad_corpus(WORK / "squad-corpus")
    started = time.perf_counter()
    engine = open_engine(WORK / "squad-corpus", WORK / "squad-index", embedder)
    print(f"\nSQuAD index ready in {time.perf_counter() - started:.1f}s ({len(engine.stored.chunks)} chunks)")
    chunks = engine.stored.chunks

    def key(row: int) -> set[str]:
        chunk = chunks[row]
        return {pid for s, e, pid in spans[chunk.doc_id] if s <= chunk.start < e or s < chunk.end <= e}

    queries = squad_queries(limit)
    table = evaluate(engine, queries, key, _embed(embedder, (q.question for q in queries)))
    print_table(f"SQuAD v1.1 dev — {len(queries)} questions, 48 article documents", table)
    return table


def main() -> int:
    """Run the evaluation and print the tables (and JSON with --json FILE)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["seed", "squad"])
    parser.add_argument("--squad-limit", type=int, help="first N SQuAD questions only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    results: dict[str, object] = {}
    if args.only in (None, "seed"):
        results["seed"] = run_seed(embedder)
    if args.only in (None, "squad"):
        results["squad"] = run_squad(embedder, args.squad_limit)
    print(f"\n(total {time.perf_counter() - started:.0f}s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
