"""Fit the ranking and no-answer rule of questions in other languages than the corpus's.

    python scripts/fit_multilingual.py [--dry-run] [--model NAME]

The default model reads every language: the fit is the `foreign` part of its ranking file
(index/answer/ranking.json; another model's, `ranking_file`), which ranks the questions that are not English
(or are asked of a corpus mostly not in English) with the same vectors and features (index.answer.engine):
the ranker on the XQuAD "tune" articles' questions in zh, es, ru, ar and de over the English SQuAD corpus, and
Chinese questions over the Chinese paragraphs, each language weighing alike; the rule on their first passages,
labelled by whether the corpus answers the question (across languages the first passage is right less than half
the time: "right" would teach the rule to doubt every answerable question), against two mechanical near misses per
question (its gold passage, then its gold document, taken away) and every question asked of the seed corpus, which
answers none.
Validated by leaving one language out of the fit in turn; the confidence is Platt-scaled on those left-out runs.

With --off-topic, the rule is also fitted against the everyday questions of tests/data/offtopic_multilingual_fit.jsonl
(20 each in zh, ar, fr, ru, es, de) asked of the seed, SQuAD and the Chinese paragraphs, each grouped with its
language (French, which XQuAD lacks here, is a group of its own); tests/data/offtopic_multilingual.jsonl is never
fitted on (scripts/xquad.py reports it). The shipped foreign part is fitted with it: its rule also reads how much
the question reads like the everyday probes (the `likeness` decline feature), which the twelve others could not
tell apart from an answerable question in another language (docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import evalkit as ev
import xquad as xq
from fit import (
    Example,
    _documents,
    _scaled,
    calibrated,
    cross_examples,
    fit_decline,
    labelled,
    leave_one_out,
    own_examples,
    platt,
    reliability,
)

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.answer.fitting import fit_ranker
from quotebot.index.answer.ranking import FEATURES, Ranker, Ranking, default_ranking, ranking_file
from quotebot.index.embed.base import DEFAULT_MODEL, Embedder
from quotebot.index.embed.factory import make_embedder

OFF_TOPIC_FIT = ev.ROOT / "tests" / "data" / "offtopic_multilingual_fit.jsonl"  # never the report set (xquad.py)


def prepare_all(
    embedder: Embedder, *, off_topic: bool = False
) -> tuple[dict[str, ev.Prepared], dict[str, ev.Prepared], dict[tuple[str, str], ev.Prepared]]:
    """Prepare each language's tune questions on its corpus, the same questions asked of the seed, and (with
    `off_topic`) the off-topic fit set asked of each corpus, by (corpus, language)."""
    squad, key = ev.squad_index(embedder)
    seed = ev.seed_index(embedder)
    own: dict[str, ev.Prepared] = {}
    cross: dict[str, ev.Prepared] = {}
    for lang in xq.CROSS:
        rows = [q for q in xq.queries(lang, xq.squad_gold()) if q.split == "tune"]
        own[lang] = ev.prepare(squad, rows, key, foreign=True)
        cross[lang] = ev.prepare(seed, rows, lambda row: set(), foreign=True)
    chinese, zh_key = xq.chinese_engine(embedder)
    rows = [q for q in xq.queries("zh", lambda p: p) if q.split == "tune"]
    own["zh-zh"] = ev.prepare(chinese, rows, zh_key, foreign=True)
    engines = {"seed": seed, "squad": squad, "zh": chinese}
    return own, cross, prepare_off_topic(engines) if off_topic else {}


def off_topic_questions(path: Path = OFF_TOPIC_FIT) -> dict[str, list[ev.Query]]:
    """Read a file of off-topic questions ({"lang", "question"} per line) as unanswerable queries, by language."""
    out: dict[str, list[ev.Query]] = {}
    for row in ev.read_jsonl(path):
        out.setdefault(str(row["lang"]), []).append(ev.Query(str(row["question"]), frozenset(), "off-topic"))
    return out


def prepare_off_topic(
    engines: dict[str, QuoteEngine], path: Path = OFF_TOPIC_FIT
) -> dict[tuple[str, str], ev.Prepared]:
    """Ask every corpus the off-topic questions of each language, on the other-language path."""
    none: Callable[[int], set[str]] = lambda row: set()  # noqa: E731
    return {
        (corpus, lang): ev.prepare(engine, rows, none, foreign=True)
        for corpus, engine in engines.items()
        for lang, rows in off_topic_questions(path).items()
    }


def off_topic_examples(data: ev.Prepared, ranker: Ranker, lang: str, corpus: str) -> list[Example]:
    """Off-topic questions of one language asked of one corpus: negatives grouped with their language.

    Their kind names the corpus asked ("off-topic seed"...), so each corpus weighs alike among the negatives.
    """
    return [replace(e, kind=f"off-topic {corpus}") for e in cross_examples(data, ranker, lang)]


def off_topic_left_out(examples: list[Example]) -> list[tuple[Example, bool]]:
    """Refit the rule without each language that has off-topic examples; return them with whether it declines."""
    out: list[tuple[Example, bool]] = []
    for lang in sorted({e.corpus for e in examples if e.kind.startswith("off-topic ")}):
        rule = fit_decline(_by_answerable([e for e in examples if e.corpus != lang]))
        out += [
            (e, rule.probability(e.evidence) < rule.threshold)
            for e in examples
            if e.corpus == lang and e.kind.startswith("off-topic ")
        ]
    return out


def print_off_topic(scored: list[tuple[Example, bool]], title: str) -> None:
    """Print, per language and corpus asked, how many off-topic examples are declined."""
    counts: dict[tuple[str, str], list[int]] = {}
    for example, declined in scored:
        if example.kind.startswith("off-topic "):
            tally = counts.setdefault((example.corpus, example.kind.removeprefix("off-topic ")), [0, 0])
            tally[0] += declined
            tally[1] += 1
    if counts:
        print(f"\noff-topic fit questions declined ({title}):")
        for corpus in sorted({c for _, c in counts}):
            cells = [f"{lang} {d}/{n}" for (lang, c), (d, n) in sorted(counts.items()) if c == corpus]
            print(f"  {corpus:<6}" + "  ".join(cells))


def _by_answerable(examples: list[Example]) -> list[Example]:
    """Label each example by whether its corpus answers the question, not by whether its first passage is right.

    Across languages the first passage is right less than half the time while the question is still about the
    corpus: "right" would teach the rule to doubt every answerable question as much as an unrelated one.
    """
    return [replace(e, right=e.answerable) for e in examples]


def main() -> int:
    """Fit, report and write the foreign part of the model's ranking."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="do not write the ranking file")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the embedding model (default: %(default)s)")
    parser.add_argument(
        "--off-topic", action="store_true", help=f"also fit the rule against {OFF_TOPIC_FIT.relative_to(ev.ROOT)}"
    )
    args = parser.parse_args()
    embedder = make_embedder(args.model)
    own, cross, off_topic = prepare_all(embedder, off_topic=args.off_topic)
    size = max(len(labelled(data, 1.0)) for data in own.values())
    ranker = fit_ranker([e for data in own.values() for e in labelled(data, size / max(len(labelled(data, 1.0)), 1))])
    print("weights:", dict(zip(FEATURES, ranker.weights, strict=True)))
    examples: list[Example] = []
    for name, data in own.items():
        examples += own_examples(data, ranker, name, _documents(data))
        if name in cross:
            examples += cross_examples(cross[name], ranker, name)
    for (corpus, lang), data in off_topic.items():
        examples += off_topic_examples(data, ranker, lang, corpus)
    scored = leave_one_out(examples, _by_answerable)  # each language left out in turn
    slope, offset = platt(scored, ("own", "cross"))
    reliability([(e, _scaled(c, slope, offset)) for e, c in scored if e.kind in ("own", "cross")])
    rule = calibrated(fit_decline(_by_answerable(examples)), slope, offset)
    print("rule:", rule)
    print_off_topic(off_topic_left_out(examples), "its language left out of the fit")
    print_off_topic([(e, rule.probability(e.evidence) < rule.threshold) for e in examples], "fitted on, in sample")
    fitted_on = (
        f"scripts/fit_multilingual.py --model {args.model}: XQuAD 'tune' articles, zh es ru ar de over SQuAD dev, "
        "zh over zh" + (", off-topic fit set" if args.off_topic else "")
    )
    if args.dry_run:
        return 0
    target = ev.ROOT / "index" / "answer" / ranking_file(args.model)
    fitted = replace(default_ranking(model=args.model), foreign=Ranking(ranker, rule, fitted_on))
    target.write_text(json.dumps(fitted.to_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ev.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
