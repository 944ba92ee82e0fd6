"""Updates without rebuilds: the lexical index and vector stores against a fresh build, in one run.

    python scripts/bench_updates.py                       # 10,000 rows for questions, 100,000 for updates
    python scripts/bench_updates.py --rows 20000 --query-rows 5000

Passages are realistic: 2-4 sentences of one SQuAD dev article (../shared/eval/squad11_dev, read in
place; corpus/*.txt when it is missing), drawn at random with a fixed seed; questions are SQuAD's.
Figures printed, each the median of repeats, in one process so that ratios hold on a shared machine:

1. Question time of `LexicalIndex.scores_of` on --query-rows rows: before (bm25s's precomputed
   scores summed by `bincount`, as the previous release did) and now (postings, BM25 at query
   time), plus now after 1% of the rows were removed and as many added (postings not compacted).
2. On --rows rows: `build` (before and now), adding one 10-row document, removing one, and the
   compaction, save and load that follow; a legacy (bm25s) folder loaded by the new reader.
3. Vector stores of --rows random unit vectors (dimension 384): removing and adding one 10-row
   document and a search after it, per kind, against building the store afresh.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt

from quotebot.index.store.lexical import LexicalIndex, tokenize
from quotebot.index.store.vectors import INDEX_KINDS, VectorStore
from quotebot.index.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"
DOCUMENT = 10  # rows of the document added, edited or removed


def _articles() -> list[list[str]]:
    """Return the sentences of each SQuAD dev article (or of each corpus file)."""
    by_title: dict[str, list[str]] = {}
    if (SQUAD / "corpus.jsonl").is_file():
        with (SQUAD / "corpus.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                text = record["text"]
                by_title.setdefault(record["title"], []).extend(text[s:e] for s, e in split_sentences(text))
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        by_title[path.name] = [text[s:e] for s, e in split_sentences(text)]
    return [sentences for sentences in by_title.values() if len(sentences) >= 4]


def passages(n: int, seed: int = 0) -> list[str]:
    """Return n passages of 2-4 sentences, each from one article."""
    rng = random.Random(seed)
    articles = _articles()
    return [" ".join(rng.sample(article, rng.randint(2, 4))) for article in rng.choices(articles, k=n)]


def questions(limit: int) -> list[list[str]]:
    """Return SQuAD's questions (or passages' first words), tokenized."""
    path = SQUAD / "queries.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            texts = [json.loads(line)["question"] for line in handle][:limit]
    else:
        texts = [" ".join(p.split()[:8]) for p in passages(limit, seed=1)]
    return [tokenize(t) for t in texts]


def timed(work: Callable[[], object], repeats: int = 5) -> float:
    """Return the median seconds of a call."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Before:
    """The previous release's lexical index: bm25s's precomputed scores, summed by one `bincount`."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.retriever = bm25s.BM25()
        self.retriever.index([tokenize(t) for t in texts], show_progress=False)
        self.count = len(texts)

    def scores_of(self, stems: Sequence[str]) -> npt.NDArray[np.float32]:
        vocab, scores = self.retriever.vocab_dict, self.retriever.scores
        indptr = scores["indptr"]
        spans = [(int(indptr[vocab[s]]), int(indptr[vocab[s] + 1])) for s in stems if s in vocab]
        if not spans:
            return np.zeros(self.count, dtype=np.float32)
        rows = np.concatenate([scores["indices"][a:b] for a, b in spans])
        weights = np.concatenate([scores["data"][a:b] for a, b in spans])
        return np.bincount(rows, weights=weights, minlength=self.count).astype(np.float32)


def per_question(variants: dict[str, Callable[[], object]], asked: int, rounds: int = 7) -> dict[str, float]:
    """Return each variant's median microseconds per question, the variants timed in turn in each round."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, work in variants.items():
            times[name].append(timed(work, repeats=1) / asked * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def bench_questions(rows: int, asked: list[list[str]]) -> None:
    """Print question times on `rows` rows: before, now, now with pending updates, and right after an edit."""
    texts = passages(rows)
    before, now, churned = Before(texts), LexicalIndex.build(texts), LexicalIndex.build(texts)
    churned.remove(np.random.default_rng(0).choice(rows, size=rows // 100, replace=False))
    churned.add(passages(rows // 100, seed=2))
    edited = LexicalIndex.build(texts)
    document = passages(DOCUMENT, seed=3)

    def after_edit() -> None:
        edited.remove(edited.add(document))  # every stem's weights are computed again after a change
        for q in asked:
            edited.scores_of(q)

    times = per_question(
        {
            "before": lambda: [before.scores_of(q) for q in asked],
            "now": lambda: [now.scores_of(q) for q in asked],
            "churned": lambda: [churned.scores_of(q) for q in asked],
            "after an edit": after_edit,
        },
        len(asked),
    )
    same = all(np.array_equal(before.scores_of(q), now.scores_of(q)) for q in asked)
    print(f"questions on {rows:,} rows ({len(asked)} asked), scores identical to before: {same}")
    print(f"  scores_of before (bm25s matrix)        {times['before']:8.1f} us")
    for name, label in (
        ("now", "now (postings)"),
        ("churned", "now, 1% removed + 1% added"),
        ("after an edit", "now, first pass after an edit"),
    ):
        print(f"  scores_of {label:<29}{times[name]:8.1f} us   {times[name] / times['before']:5.2f}x before")


def bench_lexical_updates(rows: int, asked: list[list[str]]) -> None:
    """Print build, add, remove, compaction, save and load times of the lexical index on `rows` rows."""
    texts = passages(rows)
    document = passages(DOCUMENT, seed=3)
    start = time.perf_counter()
    before = Before(texts)
    t_before = time.perf_counter() - start
    t_build = timed(lambda: LexicalIndex.build(texts), repeats=1)
    index = LexicalIndex.build(texts)
    t_add = timed(lambda: index.add(document))
    t_remove = timed(lambda: index.remove(index.live_rows()[-DOCUMENT:]))
    t_edit = timed(lambda: index.remove(index.add(document)))
    questions = per_question(
        {"before": lambda: [before.scores_of(q) for q in asked], "now": lambda: [index.scores_of(q) for q in asked]},
        len(asked),
        rounds=3,
    )
    t_compact = timed(index.compacted, repeats=1)
    with tempfile.TemporaryDirectory() as folder:
        t_save = timed(lambda: index.save(Path(folder) / "new"), repeats=1)
        t_load = timed(lambda: LexicalIndex.load(Path(folder) / "new", index.count), repeats=1)
        before.retriever.save(str(Path(folder) / "old"), show_progress=False)
        t_legacy = timed(lambda: LexicalIndex.load(Path(folder) / "old", rows), repeats=1)
    print(f"lexical index of {rows:,} rows; one document = {DOCUMENT} rows")
    print(f"  build before (bm25s)              {t_before:8.3f} s")
    print(f"  build now                         {t_build:8.3f} s   {t_build / t_before:5.2f}x before")
    for name, seconds in (
        ("add one document", t_add),
        ("remove one document", t_remove),
        ("edit (add + remove)", t_edit),
    ):
        print(f"  {name:<33} {seconds * 1e3:8.2f} ms  {seconds / t_build:.5f}x build")
    print(f"  a question: before / now (after the updates) {questions['before']:.1f} us / {questions['now']:.1f} us")
    print(f"  compacted() ({index.pending:,} postings pending) {t_compact:6.3f} s   {t_compact / t_build:5.2f}x build")
    print(f"  save / load                       {t_save:8.3f} s / {t_load:.3f} s")
    print(f"  load of a bm25s (legacy) folder   {t_legacy:8.3f} s")


def bench_kind(kind: str, vectors: npt.NDArray[np.float32]) -> dict[str, float]:
    """Return the seconds of building a store of one kind, one document's removal and addition, searches."""
    rows, query = len(vectors), vectors[1]
    start = time.perf_counter()
    store = VectorStore.build(vectors, kind=kind)
    times = {"build": time.perf_counter() - start}
    times["search"] = timed(lambda: store.search(query, 5), repeats=50)
    documents = iter(range(0, rows, DOCUMENT))
    times["remove"] = timed(lambda: store.remove(np.arange(next(documents), rows)[:DOCUMENT]))
    fresh = iter(range(rows, 2 * rows, DOCUMENT))
    times["add"] = timed(lambda: store.add(np.arange(next(fresh), 2 * rows)[:DOCUMENT], vectors[:DOCUMENT]))
    times["search after"] = timed(lambda: store.search(query, 5), repeats=50)
    times["compacted"] = timed(store.compacted, repeats=1)
    return times


def bench_vectors(rows: int, dimension: int = 384) -> None:
    """Print, per kind, remove/add of one document and a search after, against building the store."""
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((rows, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    print(f"vector stores of {rows:,} random vectors of dimension {dimension} (one FAISS thread)")
    for kind in INDEX_KINDS:
        t = bench_kind(kind, vectors)
        print(
            f"  {kind:<5} build {t['build']:7.2f} s | remove one document {t['remove'] * 1e3:6.2f} ms"
            f" ({t['remove'] / t['build']:.5f}x) | add {t['add'] * 1e3:6.2f} ms ({t['add'] / t['build']:.5f}x)"
        )
        print(
            f"        search {t['search'] * 1e3:.2f} ms, after 5 removed documents {t['search after'] * 1e3:.2f} ms"
            f" | compacted() {t['compacted']:.2f} s ({t['compacted'] / t['build']:.2f}x build)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the index updated")
    parser.add_argument("--query-rows", type=int, default=10_000, help="rows of the index questioned")
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--skip-vectors", action="store_true")
    args = parser.parse_args(argv)
    asked = questions(args.questions)
    bench_questions(args.query_rows, asked)
    bench_lexical_updates(args.rows, asked)
    if not args.skip_vectors:
        bench_vectors(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
