"""XQuAD for scripts/eval.py and scripts/fit.py: questions in other languages, over English and Chinese documents.

    python scripts/eval.py --only xquad

../shared/eval/xquad_multi (read in place): 240 SQuAD paragraphs and the public half of their questions
(587) in 12 languages. Measured here:

- cross-lingual: questions in zh, es, ru, ar, de over the whole English SQuAD dev corpus (2,067 paragraphs
  as 48 articles, the eval's own SQuAD corpus), gold paragraph via squad_ids.jsonl;
- Chinese documents: the 240 Chinese paragraphs (one file per article), Chinese questions;
- no answer: tests/data/offtopic_multilingual.jsonl (50 everyday questions in zh, ar, fr, ru, es, written for
  this check and never fitted on) asked of the seed and of SQuAD; then, marked as such, the fit set
  tests/data/offtopic_multilingual_fit.jsonl (120, 20 each in zh, ar, fr, ru, es, de: what
  `scripts/fit_multilingual.py --off-topic` fits on), so a rule tuned on one set is also seen on the other.

The questions are split by article ("tune": fitted and chosen on; "heldout": reported), so no article's
paragraphs are both fitted and measured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evalkit import (
    ROOT,
    SQUAD,
    WORK,
    Prepared,
    Query,
    Spans,
    evaluate,
    paragraph_key,
    prepare,
    read_jsonl,
    seed_index,
    squad_index,
    write_articles,
)

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import open_engine
from quotebot.index.embed.base import Embedder

XQUAD = ROOT.parent / "shared" / "eval" / "xquad_multi"
OFF_TOPIC = ROOT / "tests" / "data" / "offtopic_multilingual.jsonl"  # the report set: never fitted on
OFF_TOPIC_FIT = ROOT / "tests" / "data" / "offtopic_multilingual_fit.jsonl"  # the fit set
CROSS = ("zh", "es", "ru", "ar", "de")


def split_of(article: str) -> str:
    """Put an article in "tune" or "heldout", by a hash of its title (stable, about half each)."""
    return "tune" if hashlib.sha256(article.encode()).digest()[0] % 2 == 0 else "heldout"


def queries(lang: str, gold_of: Callable[[str], str]) -> list[Query]:
    """Load one language's public questions, gold keys mapped by `gold_of`, split by article."""
    out = []
    for r in read_jsonl(XQUAD / f"questions.{lang}.jsonl"):
        paragraph = str(r["gold"][0])
        out.append(Query(str(r["question"]), frozenset({gold_of(paragraph)}), split_of(paragraph.rsplit("_x", 1)[0])))
    return out


def squad_gold() -> Callable[[str], str]:
    """Map an XQuAD paragraph id to its SQuAD dev paragraph id."""
    ids = {str(r["id"]): str(r["squad_id"]) for r in read_jsonl(XQUAD / "squad_ids.jsonl")}
    return lambda pid: ids[pid]


def write_chinese_corpus(folder: Path) -> Spans:
    """Write the 240 Chinese paragraphs, one file per article; return each file's paragraph spans."""
    articles: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for row in read_jsonl(XQUAD / "paragraphs.zh.jsonl"):
        pid = str(row["id"])
        articles.setdefault(pid.rsplit("_x", 1)[0], (str(row["title"]), []))[1].append((pid, str(row["text"])))
    return write_articles(folder, articles)


def chinese_engine(embedder: Embedder) -> tuple[QuoteEngine, Callable[[int], set[str]]]:
    """Open the index of the Chinese paragraphs; return it and each row's paragraph ids."""
    spans = write_chinese_corpus(WORK / "xquad-zh-corpus")
    engine = open_engine(WORK / "xquad-zh-corpus", WORK / "xquad-zh-index", embedder)
    return engine, paragraph_key(engine, spans)


def off_topic(engine: QuoteEngine, path: Path = OFF_TOPIC) -> dict[str, tuple[int, int]]:
    """Return, per language, how many of the off-topic questions the engine declines, of how many."""
    out: dict[str, tuple[int, int]] = {}
    for row in read_jsonl(path):
        declined, total = out.get(str(row["lang"]), (0, 0))
        out[str(row["lang"])] = (declined + (not engine.answer(str(row["question"])).answered), total + 1)
    return out


def run_xquad(embedder: Embedder) -> dict[str, Any]:
    """Print the cross-lingual, Chinese and no-answer figures."""
    if not XQUAD.is_dir() or not SQUAD.is_dir():
        print(f"\nxquad skipped: {XQUAD} or {SQUAD} not found")
        return {}
    # The model reads every language: the eval's own indexes serve, each question taking the other-language path
    # (its ranking's foreign part) when the ranking has one.
    engine, key = squad_index(embedder)
    foreign = engine.ranking.foreign is not None
    rule = engine.ranking_for(foreign)
    figures: dict[str, Any] = {}
    print("\nXQuAD, questions in other languages over the English SQuAD dev corpus (2,067 paragraphs)")
    print(f"{'lang':<6}{'split':<9}{'hit@1':>7}{'hit@3':>7}{'ans. declined':>15}{'n':>6}")
    for lang in CROSS:
        data = prepare(engine, queries(lang, squad_gold()), key, foreign=foreign)
        figures[lang] = _print_splits(lang, data, rule)
    zh_engine, zh_key = chinese_engine(embedder)
    print("\nXQuAD, Chinese questions over the 240 Chinese paragraphs")
    chinese = prepare(zh_engine, queries("zh", lambda p: p), zh_key, foreign=foreign)
    figures["zh-zh"] = _print_splits("zh", chinese, rule)
    seed = seed_index(embedder)
    for path, suffix in ((OFF_TOPIC, ""), (OFF_TOPIC_FIT, " fit")):
        print(f"\noff-topic questions declined (tests/data/{path.name}{', the fit set' if suffix else ''})")
        for name, target in (("seed", seed), ("squad", engine)):
            counts = off_topic(target, path)
            figures[f"off-topic{suffix} {name}"] = counts
            print(f"  {name:<6}" + "  ".join(f"{lang} {d}/{n}" for lang, (d, n) in counts.items()))
    return figures


def _print_splits(lang: str, data: Prepared, ranking: Any) -> dict[str, dict[str, float]]:
    """Print and return one language's figures per split."""
    out = {}
    for split in ("tune", "heldout", "all"):
        part = data.subset(lambda q, split=split: split in ("all", q.split))  # type: ignore[misc]
        m = evaluate(part, ranking.ranker, ranking.rule)
        out[split] = m
        print(f"{lang:<6}{split:<9}{m['hit@1']:>7.3f}{m['hit@3']:>7.3f}{m['answerable_declined']:>15.3f}{m['n']:>6.0f}")
    return out
