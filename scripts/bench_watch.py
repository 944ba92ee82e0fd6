"""The lag from saving a file to its new wording being quoted, with the corpus watched (`quotebot chat`'s watcher).

    python scripts/bench_watch.py [--articles 48] [--poll]
    python scripts/bench.py --only watch

A corpus of the seed plus SQuAD-dev articles (one file each, read in place from ../shared/eval/squad11_dev),
indexed with the default model; then one article's paragraph is rewritten five times and the time from the
write to an answer quoting the new sentence is measured, against the baseline of the same process: a forced
rebuild of the whole collection (what /reindex does) with the embedding cache, and a full build without it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from evalkit import ROOT, SQUAD, read_jsonl, write_articles  # (scripts/evalkit.py, beside this script)

from quotebot.bot.ops.engines import EngineLoader
from quotebot.bot.ops.settings import Settings
from quotebot.bot.ops.watch import WatchedEngine

WORK = ROOT / ".quotebot" / "bench" / "watch"
SENTENCE = "The lighthouse keeper's parrot number {i} speaks {i} languages fluently."


def _corpus(folder: Path, articles: int) -> Path:
    """Write the seed and `articles` SQuAD articles as documents; return the file to edit."""
    by_title: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for row in read_jsonl(SQUAD / "corpus.jsonl"):
        title = str(row["title"])
        if title in by_title or len(by_title) < articles:
            by_title.setdefault(title, (title.replace("_", " "), []))[1].append((str(row["id"]), str(row["text"])))
    write_articles(folder, by_title)
    shutil.copy(next((ROOT / "corpus").glob("*.txt")), folder)
    return folder / f"{next(iter(by_title))}.txt"


def _lag(current: Any, target: Path, i: int) -> float:
    """Append a new sentence to a file; return the seconds until it is quoted."""
    sentence = SENTENCE.format(i=i + 2)
    target.write_text(target.read_text(encoding="utf-8") + sentence + "\n", encoding="utf-8")
    started = time.perf_counter()
    while True:
        passages = current().answer(f"How many languages does parrot number {i + 2} speak?", 3).passages
        if any(sentence in p.text for p in passages):
            return time.perf_counter() - started
        if time.perf_counter() - started > 300:
            raise RuntimeError("the edit was never quoted")
        time.sleep(0.02)


def run(articles: int = 48, poll: bool = False) -> dict[str, Any]:
    """Measure; return the figures."""
    shutil.rmtree(WORK, ignore_errors=True)
    target = _corpus(WORK / "corpus", articles)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, corpus_dir=WORK / "corpus", config_file=WORK / "none.toml", index_dir=WORK / "index",
        data_dir=WORK / "data", watch_poll=poll,
    )  # fmt: skip
    loader = EngineLoader(settings)
    started = time.perf_counter()
    engine = loader.open()
    full_build = time.perf_counter() - started
    started = time.perf_counter()
    engine = loader.rebuild()  # what /reindex does: everything re-chunked, vectors from the cache
    forced = time.perf_counter() - started
    with WatchedEngine(loader, engine, settings) as current:
        time.sleep(0.5)  # the watcher is watching
        lags = [_lag(current, target, i) for i in range(5)]
    return {
        "documents": len(engine.sources()),
        "poll": poll,
        "debounce_s": settings.watch_debounce,
        "save_to_quoted_s_median": round(statistics.median(lags), 2),
        "save_to_quoted_s_max": round(max(lags), 2),
        "forced_rebuild_s": round(forced, 2),
        "full_build_s": round(full_build, 2),
        "lag_vs_forced_rebuild": round(statistics.median(lags) / forced, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=48)
    parser.add_argument("--poll", action="store_true", help="poll instead of file notifications")
    args = parser.parse_args()
    print(json.dumps(run(args.articles, args.poll), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
