"""Embedding cost of the configured model against the default one, in the same process (issue 26's planning figure).

    .venv/bin/python scripts/bench_models.py [--paragraphs 200] [--model multilingual-e5-small]

Reads SQuAD v1.1 dev paragraphs in place (../shared/eval/squad11_dev). Both models run on the ONNX backend, as
quotebot builds with them, on one thread count, in one process: the baseline (all-MiniLM-L6-v2) first, then the
model asked for. Reported: paragraphs and sentences embedded per second, a question's encode p50, the ratio of
each to the baseline, and how many texts a build with separate views embeds per passage (the passage, the titled
passage, each sentence, each titled sentence).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from quotebot.index import DEFAULT_MODEL, Embedder, make_embedder
from quotebot.index.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"
CACHE = ROOT / ".quotebot" / "bench"


def squad(paragraphs: int) -> tuple[list[str], list[str], list[str]]:
    """Return the first paragraphs of SQuAD dev, their sentences, and questions on them."""
    rows = [json.loads(line) for line in (SQUAD / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in rows[:paragraphs]]
    sentences = [t[s:e] for t in texts for s, e in split_sentences(t)]
    lines = (SQUAD / "queries.jsonl").read_text(encoding="utf-8").splitlines()[:200]
    return texts, sentences, [json.loads(line)["question"] for line in lines]


def rate(embed: Callable[[Sequence[str]], object], texts: list[str]) -> float:
    """Return texts embedded per second (one warm-up batch first)."""
    embed(texts[:8])
    started = time.perf_counter()
    embed(texts)
    return len(texts) / (time.perf_counter() - started)


def p50_ms(embedder: Embedder, questions: list[str]) -> float:
    """Return the median time to encode one question, in ms."""
    times = []
    for question in questions:
        started = time.perf_counter()
        embedder.embed_queries([question])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(model: str, texts: list[str], sentences: list[str], questions: list[str]) -> dict[str, float]:
    """Open a model on the ONNX backend and time it."""
    started = time.perf_counter()
    embedder = make_embedder(model, backend="onnx", cache_dir=CACHE)
    opened = time.perf_counter() - started
    return {
        "open_s": opened,
        "paragraphs_per_s": rate(embedder.embed_batch, texts),
        "sentences_per_s": rate(embedder.embed_batch, sentences),
        "query_p50_ms": p50_ms(embedder, questions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--model", default="multilingual-e5-small")
    args = parser.parse_args()
    texts, sentences, questions = squad(args.paragraphs)
    views = 2 + 2 * len(sentences) / len(texts)
    print(f"{len(texts)} paragraphs, {len(sentences)} sentences; a build with separate views embeds {views:.1f} texts")
    print("a passage")
    base = measure(DEFAULT_MODEL, texts, sentences, questions)
    other = measure(args.model, texts, sentences, questions)
    for key in base:
        ratio = other[key] / base[key]
        print(f"{key:18} {DEFAULT_MODEL}: {base[key]:8.1f}   {args.model}: {other[key]:8.1f}   ratio {ratio:5.2f}")


if __name__ == "__main__":
    main()
