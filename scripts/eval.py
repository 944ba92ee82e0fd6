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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.ranking import Candidates, DeclineRule, Ranker, default_ranking
from quotebot.index.build import open_engine
from quotebot.index.embed.base import DEFAULT_MODEL, Embedder
from quotebot.index.embed.factory import make_embedder

ROOT = Path(__file__).resolve().parents[1]

SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
SEED_CLAIMS = ROOT / "tests" / "data" / "seed_claims.jsonl"
UNRELATED_CLAIMS = ROOT / "tests" / "data" / "unrelated_claims.jsonl"  # never fitted on: claims no corpus here is about
SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"
WORK = ROOT / ".quotebot" / "eval"
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


@dataclass(frozen=True)
class Query:
    """A labelled question: the gold keys it should retrieve (empty = out of domain)."""

    question: str
    gold: frozenset[str]
    split: str


@dataclass(frozen=True)
class Prepared:
    """Queries with their candidates scored once, and which candidates are right."""

    engine: QuoteEngine
    queries: list[Query]
    candidates: list[Candidates]
    gold: list[npt.NDArray[np.bool_]]

    def subset(self, keep: Callable[[Query], bool]) -> Prepared:
        """Return the queries that pass a filter."""
        idx = [i for i, q in enumerate(self.queries) if keep(q)]
        return Prepared(
            self.engine, [self.queries[i] for i in idx], [self.candidates[i] for i in idx], [self.gold[i] for i in idx]
        )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines file (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def seed_queries() -> list[Query]:
    """Load the seed questions; gold keys are paragraph numbers."""
    return [
        Query(
            str(r["question"]),
            frozenset() if r["paragraph"] is None else frozenset({str(r["paragraph"])}),
            str(r.get("split", "tune")),
        )
        for r in read_jsonl(SEED_QUESTIONS)
    ]


Spans = dict[str, list[tuple[int, int, str]]]  # file name -> (start, end, paragraph id) of each paragraph


def write_articles(folder: Path, articles: dict[str, tuple[str, list[tuple[str, str]]]]) -> Spans:
    """Write one document per article (file name -> title, [(paragraph id, text)]); return the paragraph spans.

    A file whose text is unchanged is not rewritten, so its index stays current.
    """
    folder.mkdir(parents=True, exist_ok=True)
    spans: Spans = {}
    for name, (title, paragraphs) in articles.items():
        text = f"title: {title}\n\n"
        doc_spans = []
        for pid, para in paragraphs:
            doc_spans.append((len(text), len(text) + len(para), pid))
            text += para + "\n\n"
        path = folder / f"{name}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        spans[path.name] = doc_spans
    return spans


def paragraph_key(engine: QuoteEngine, spans: Spans) -> Callable[[int], set[str]]:
    """Map a chunk row to the ids of the paragraphs it overlaps (`write_articles`' spans)."""
    chunks = engine.stored.chunks

    def key(row: int) -> set[str]:
        chunk = chunks[row]
        return {pid for s, e, pid in spans[chunk.doc_id] if s <= chunk.start < e or s < chunk.end <= e}

    return key


def write_squad_corpus(folder: Path) -> Spans:
    """Write one document per SQuAD article; return each file's paragraph spans with their ids."""
    articles: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for row in read_jsonl(SQUAD / "corpus.jsonl"):
        title = str(row["title"])
        articles.setdefault(title, (title.replace("_", " "), []))[1].append((str(row["id"]), str(row["text"])))
    return write_articles(folder, articles)


def squad_queries(limit: int | None = None, *, unseen: bool = False) -> list[Query]:
    """Load the sampled SQuAD questions (scripts/fit.py fits on them); the split is the article.

    `unseen`: the dev questions outside that sample instead (8,570), which nothing was fitted on.
    """
    rows = read_jsonl(SQUAD / "queries.jsonl")
    if unseen:
        fitted = {str(r["id"]) for r in rows}
        rows = [r for r in read_jsonl(SQUAD / "queries_all.jsonl") if str(r["id"]) not in fitted]
    rows = rows[:limit]
    return [
        Query(str(r["question"]), frozenset(str(g) for g in r["gold"]), str(r["gold"][0]).rsplit("_", 1)[0])  # type: ignore[index, attr-defined]
        for r in rows
    ]


def prepare(
    engine: QuoteEngine, queries: list[Query], key: Callable[[int], set[str]], *, foreign: bool = False
) -> Prepared:
    """Score every query's candidates once (one embedding batch for all questions), on the English or the
    other-language path (`foreign`)."""
    vectors = engine.embedder.embed_queries([q.question for q in queries])
    pairs = zip(queries, vectors, strict=True)
    candidates = [engine.candidates(q.question, v, foreign=foreign) for q, v in pairs]
    gold = [
        np.array([bool(key(r) & q.gold) for r in c.rows], dtype=bool) for q, c in zip(queries, candidates, strict=True)
    ]
    return Prepared(engine, queries, candidates, gold)


def seed_index(embedder: Embedder, corpus: Path = ROOT / "corpus") -> QuoteEngine:
    """Open (building if needed) the index of the seed corpus."""
    return open_engine(corpus, WORK / "seed-index", embedder)


def prepare_seed(embedder: Embedder) -> Prepared:
    """Prepare the seed questions on the seed corpus; gold keys are paragraph numbers."""
    engine = seed_index(embedder)
    chunks = engine.stored.chunks

    def key(row: int) -> set[str]:
        return {str(p) for p in range(chunks[row].paragraph, chunks[row].last_paragraph + 1)}

    return prepare(engine, seed_queries(), key)


def squad_index(embedder: Embedder) -> tuple[QuoteEngine, Callable[[int], set[str]]]:
    """Open (building if needed) the SQuAD index; return it and the map from chunk rows to paragraph ids."""
    spans = write_squad_corpus(WORK / "squad-corpus")
    started = time.perf_counter()
    engine = open_engine(WORK / "squad-corpus", WORK / "squad-index", embedder)
    print(f"SQuAD index ready in {time.perf_counter() - started:.1f}s ({len(engine.stored.chunks)} chunks)")
    return engine, paragraph_key(engine, spans)


def prepare_squad(embedder: Embedder, limit: int | None = None, *, unseen: bool = False) -> Prepared:
    """Prepare the SQuAD questions (`unseen`: those nothing was fitted on) on the SQuAD corpus."""
    engine, key = squad_index(embedder)
    return prepare(engine, squad_queries(limit, unseen=unseen), key)


def evaluate(data: Prepared, ranker: Ranker | None, rule: DeclineRule) -> dict[str, float]:
    """Return hit@1, hit@3, MRR@10 and the decline rates of one ranker on prepared queries."""
    hits1 = hits3 = rr = declined_ood = declined_ans = 0.0
    n_ans = n_ood = 0
    for query, candidates, gold in zip(data.queries, data.candidates, data.gold, strict=True):
        ranked = data.engine.order(candidates, 10, ranker)
        answered = bool(ranked) and rule.answers(ranked[0].evidence)
        if not query.gold:
            n_ood += 1
            declined_ood += not answered
            continue
        n_ans += 1
        declined_ans += not answered
        position = {row: i for i, row in enumerate(candidates.rows)}
        first = next((i for i, r in enumerate(ranked) if gold[position[r.row]]), None)
        hits1 += first == 0
        hits3 += first is not None and first < 3
        rr += 1 / (first + 1) if first is not None else 0
    return {
        "hit@1": hits1 / max(n_ans, 1),
        "hit@3": hits3 / max(n_ans, 1),
        "mrr@10": rr / max(n_ans, 1),
        "ood_declined": declined_ood / n_ood if n_ood else float("nan"),
        "answerable_declined": declined_ans / max(n_ans, 1),
        "n": float(n_ans),
        "n_ood": float(n_ood),
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


def claim_queries() -> list[Query]:
    """Load the seed claims as queries: the gold key is the paragraph that bears on each (none: unrelated)."""
    return [
        Query(str(r["claim"]), frozenset() if r["paragraph"] is None else frozenset({str(r["paragraph"])}), "claim")
        for r in read_jsonl(SEED_CLAIMS)
    ]


def unrelated_claims(engine: QuoteEngine, name: str) -> dict[str, float]:
    """Ask the unrelated claims of a corpus in fact-check mode; print and return how many were declined."""
    answers = [engine.answer(str(r["claim"]), top_k=3, claim=True) for r in read_jsonl(UNRELATED_CLAIMS)]
    answered = [a.confidence or 0.0 for a in answers if a.answered]
    span = f" (confidence {min(answered):.2f}–{max(answered):.2f})" if answered else ""
    print(f"unrelated claims on {name}: {len(answers) - len(answered)}/{len(answers)} declined{span}")
    return {"declined": float(len(answers) - len(answered)), "claims": float(len(answers))}


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
        from teamdocs import run_teamdocs  # beside this script; it imports this module

        results["teamdocs"] = run_teamdocs(embedder, misses=args.misses)
    if args.only in (None, "teamdocs2"):
        from teamdocs import SETS, run_teamdocs

        results["teamdocs2"] = run_teamdocs(embedder, misses=args.misses, folder=SETS["teamdocs2"])
    if args.only in (None, "xquad"):
        from xquad import run_xquad  # beside this script; it imports this module

        results["xquad"] = run_xquad(embedder)
    print(f"\n(total {time.perf_counter() - started:.0f}s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
