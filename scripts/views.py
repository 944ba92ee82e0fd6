"""What each embedded view adds: the chunk and its sentences, alone or under their title, or read in one pass.

    .venv/bin/python scripts/views.py [--articles 16] [--model multilingual-e5-small]

Issue 26: "measure each embedded view (sentence, titled sentence, passage, heading path) for what it adds on
the held-out sets, and drop or derive the rest". SQuAD v1.1 dev (read in place): the first N articles as one
corpus, built twice with the same model, then every dev question on those articles (not only the sample
scripts/fit.py fits on), split in two by article:

- "separate": four stores, the chunk and each sentence embedded alone and under their title/headings;
  from the same build, "titled only" (the plain stores left out: their columns take the titled ones') and
  "plain only" (the other way round);
- "late": each chunk embedded once under its headings, its sentences pooled from that pass (one text a chunk).

For each, the ranking is fitted on one half's questions and measured on the other's, both ways (the figures
are the mean of the two held-out halves), with the same features and fitting as scripts/fit.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from evalkit import SQUAD, WORK, Prepared, Query, evaluate, paragraph_key, prepare, read_jsonl, write_articles
from fit import labelled

import quotebot.index.build as build_module
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.fitting import fit_ranker
from quotebot.index.answer.ranking import FEATURES, DeclineRule, Ranker, Ranking, default_ranking
from quotebot.index.embed.base import DEFAULT_MODEL, Embedder
from quotebot.index.embed.factory import make_embedder
from quotebot.index.store.layout import load_index

AT = {name: i for i, name in enumerate(FEATURES)}
NEVER_DECLINE = DeclineRule((0.0,) * 12, 10.0, 0.0)


def corpus(folder: Path, articles: int) -> tuple[dict[str, list[tuple[int, int, str]]], set[str]]:
    """Write the first SQuAD articles, one file each; return their paragraph spans and titles."""
    chosen: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for row in read_jsonl(SQUAD / "corpus.jsonl"):
        title = str(row["title"])
        if title in chosen or len(chosen) < articles:
            chosen.setdefault(title, (title.replace("_", " "), []))[1].append((str(row["id"]), str(row["text"])))
    return write_articles(folder, chosen), set(chosen)


def questions(titles: set[str]) -> list[Query]:
    """Every dev question on the chosen articles, split in two halves by a hash of the article."""
    out = []
    for r in read_jsonl(SQUAD / "queries_all.jsonl"):
        article = str(r["gold"][0]).rsplit("_", 1)[0]
        if article in titles:
            half = "a" if hashlib.sha256(article.encode()).digest()[0] % 2 == 0 else "b"
            out.append(Query(str(r["question"]), frozenset(str(g) for g in r["gold"]), half))
    return out


def build(embedder: Embedder, folder: Path, ranking: Ranking, index: Path) -> tuple[float, int]:
    """Build the corpus with a ranking's views, no cache; return seconds and texts (a finished run is reused)."""
    record = index / "views-build.json"
    if record.exists():
        seconds, texts = json.loads(record.read_text(encoding="utf-8"))
        return float(seconds), int(texts)
    original = build_module.default_ranking
    build_module.default_ranking = lambda **_: ranking  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        build_module.build_index(folder, index, embedder, cache=False)
        seconds = time.perf_counter() - started
        stored = load_index(index)
        chunks, sentences = len(stored.chunks), int(stored.sentences.owners.size)
        texts = {"separate": 2 * (chunks + sentences), "titled": chunks + sentences}.get(ranking.views, chunks)
    finally:
        build_module.default_ranking = original
    record.write_text(json.dumps([seconds, texts]), encoding="utf-8")
    return seconds, texts


def variant(data: Prepared, copy: dict[str, str]) -> Prepared:
    """Return the prepared questions with some feature columns replaced by others (a view left out)."""
    candidates = []
    for c in data.candidates:
        values = c.values.copy()
        for target, source in copy.items():
            values[:, AT[target]] = values[:, AT[source]]
        candidates.append(replace(c, values=values))
    return replace(data, candidates=candidates)


def cross_fit(data: Prepared) -> dict[str, float]:
    """Fit on one half, measure on the other, both ways; return the mean held-out figures and cosine alone."""
    figures: list[dict[str, float]] = []
    for fit_on, measure_on in (("a", "b"), ("b", "a")):
        ranker = fit_ranker(labelled(data.subset(lambda q, h=fit_on: q.split == h), 1.0))
        figures.append(evaluate(data.subset(lambda q, h=measure_on: q.split == h), ranker, NEVER_DECLINE))
    cosine = evaluate(data, Ranker.of(titled=1.0), NEVER_DECLINE)
    return {
        "hit@1": float(np.mean([f["hit@1"] for f in figures])),
        "hit@3": float(np.mean([f["hit@3"] for f in figures])),
        "cosine hit@1": cosine["hit@1"],
    }


def main() -> int:
    """Build both ways, fit and measure each variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=16)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cosine-floor", type=float, default=0.8, help="cosines read as (c - floor) / (1 - floor)")
    args = parser.parse_args()
    embedder = make_embedder(args.model)
    folder = WORK / f"views-corpus-{args.articles}"
    spans, titles = corpus(folder, args.articles)
    asked = questions(titles)
    rows: list[tuple[str, dict[str, float], float, int]] = []
    variants: dict[str, list[tuple[str, dict[str, str]]]] = {
        "separate": [
            ("separate: all four", {}),
            ("separate: titled only", {"dense": "titled", "sentence": "titled_sentence"}),
            ("separate: plain only", {"titled": "dense", "titled_sentence": "sentence"}),
        ],
        "late": [("late: one pass a chunk", {})],
    }
    shipped = default_ranking(model=args.model)
    for views, kinds in variants.items():
        index = WORK / f"views-index-{args.articles}-{views}"
        ranking = replace(shipped, views=views, cosine_floor=args.cosine_floor)
        seconds, texts = build(embedder, folder, ranking, index)
        engine = QuoteEngine(load_index(index), embedder, folder, ranking=ranking)  # its own views, never "stale"
        data = prepare(engine, asked, paragraph_key(engine, spans))
        per_passage = texts / max(len(engine.stored.chunks), 1)
        for name, copy in kinds:
            rows.append((name, cross_fit(variant(data, copy)), seconds, round(per_passage, 1)))  # type: ignore[arg-type]
    print(f"\n{args.model}: {args.articles} SQuAD articles, {len(asked)} questions, fitted and measured across halves")
    print(f"(cosines read as (c - {args.cosine_floor}) / (1 - {args.cosine_floor}))")
    print(f"{'variant':<26}{'hit@1':>8}{'hit@3':>8}{'cosine hit@1':>14}{'build s':>9}{'texts/chunk':>13}")
    for name, m, seconds, per in rows:
        print(f"{name:<26}{m['hit@1']:>8.3f}{m['hit@3']:>8.3f}{m['cosine hit@1']:>14.3f}{seconds:>9.1f}{per:>13}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
