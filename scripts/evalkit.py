"""Shared pieces of the evaluation scripts: paths, question sets, the corpora eval.py builds, and scoring.

The scripts beside it (eval.py, teamdocs.py, xquad.py, fit.py, views.py, units.py, load.py, bench*.py) import
these from here, and this module imports none of them, so that no two scripts import each other in a circle.
Seed questions and claims: tests/data/; SQuAD v1.1 dev: ../shared/eval/squad11_dev, read in place; indexes are
built under .quotebot/eval/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.ranking import Candidates, DeclineRule, Ranker
from quotebot.index.build import open_engine
from quotebot.index.embed.base import Embedder

ROOT = Path(__file__).resolve().parents[1]

SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
SEED_CLAIMS = ROOT / "tests" / "data" / "seed_claims.jsonl"
UNRELATED_CLAIMS = ROOT / "tests" / "data" / "unrelated_claims.jsonl"  # never fitted on: claims no corpus here is about
SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"
WORK = ROOT / ".quotebot" / "eval"


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
