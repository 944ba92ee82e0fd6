"""Warm answer time against the model's raw query encode + FAISS search, on the eval's SQuAD index (issue 26).

    .venv/bin/python scripts/eval.py --only squad      # builds .quotebot/eval/squad-index first
    .venv/bin/python scripts/bench_warm.py [--questions 300] [--model multilingual-e5-small]

Each SQuAD question is answered (`QuoteEngine.answer`: encode, hybrid candidates, features, ranking, the
verbatim check, highlights) and then run through the baseline, the embedder's `embed_queries` plus one search
of the titled chunk store for 10 hits, in turns, so both see the same load. Reported: p50 and p95 of each and
the ratio of the p50s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from eval import WORK, squad_index, squad_queries

from quotebot.index.embed.base import DEFAULT_MODEL
from quotebot.index.embed.factory import make_embedder


def main() -> int:
    """Time both in turns and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    engine, _ = squad_index(make_embedder(args.model))
    questions = [q.question for q in squad_queries(args.questions)]
    for question in questions[:20]:  # warm-up: the probes' floor, caches, onnxruntime's first runs
        engine.answer(question)
    answer_ms, raw_ms = [], []
    for question in questions:
        started = time.perf_counter()
        engine.answer(question)
        answer_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        vector = engine.embedder.embed_queries([question])[0]
        engine.stored.titled.search(vector, 10)
        raw_ms.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(answer_ms), statistics.median(raw_ms)
    print(f"{args.model}, {len(engine.stored.chunks)} passages ({WORK / 'squad-index'}), {len(questions)} questions")
    for name, series in (("answer", answer_ms), ("raw encode + search", raw_ms)):
        p95 = statistics.quantiles(series, n=20)[-1]
        print(f"{name:<22} p50 {statistics.median(series):6.2f} ms   p95 {p95:6.2f} ms")
    print(f"answer / raw, p50: {p50[0] / p50[1]:.2f}x (issue 26: within 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
