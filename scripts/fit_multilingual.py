"""Fit the ranking and no-answer rule of questions in other languages than the corpus's.

    python scripts/fit_multilingual.py [--dry-run] [--model NAME]

With the default model, which reads every language, the fit is the `foreign` part of its ranking file
(index/answer/ranking.json); with all-MiniLM-L6-v2 (English only) it is the second model's,
index/answer/ranking_multilingual.json. The questions that are not English are ranked with the same features
(on the second model's vectors, index.embed.multilingual, when there is one), so the same fitting serves:
the ranker on the XQuAD "tune" articles' questions in zh, es,
ru, ar and de over the English SQuAD corpus, and Chinese questions over the Chinese paragraphs, each language
weighing alike; the rule on their first passages, labelled by whether the corpus answers the question (across
languages the first passage is right less than half the time: "right" would teach the rule to doubt every
answerable question), against two mechanical near misses per question (its gold passage, then its gold
document, taken away) and every question asked of the seed corpus, which answers none.
Validated by leaving one language out of the fit in turn; the confidence is Platt-scaled on those left-out runs.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import eval as ev
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

from quotebot.index.answer.fitting import fit_ranker
from quotebot.index.answer.ranking import FEATURES, Ranking, default_ranking, ranking_file
from quotebot.index.embed.base import DEFAULT_MODEL, Embedder
from quotebot.index.embed.factory import make_embedder

TARGET = ev.ROOT / "index" / "answer" / "ranking_multilingual.json"


def prepare_all(embedder: Embedder) -> tuple[dict[str, ev.Prepared], dict[str, ev.Prepared]]:
    """Prepare each language's tune questions on its corpus, and the same questions asked of the seed."""
    squad, key = xq.squad_engine(embedder)
    seed = xq.seed_engine(embedder)
    own: dict[str, ev.Prepared] = {}
    cross: dict[str, ev.Prepared] = {}
    for lang in xq.CROSS:
        rows = [q for q in xq.queries(lang, xq.squad_gold()) if q.split == "tune"]
        own[lang] = ev.prepare(squad, rows, key, multilingual=True)
        cross[lang] = ev.prepare(seed, rows, lambda row: set(), multilingual=True)
    chinese, zh_key = xq.chinese_engine(embedder)
    rows = [q for q in xq.queries("zh", lambda p: p) if q.split == "tune"]
    own["zh-zh"] = ev.prepare(chinese, rows, zh_key, multilingual=True)
    return own, cross


def _by_answerable(examples: list[Example]) -> list[Example]:
    """Label each example by whether its corpus answers the question, not by whether its first passage is right.

    Across languages the first passage is right less than half the time while the question is still about the
    corpus: "right" would teach the rule to doubt every answerable question as much as an unrelated one.
    """
    return [replace(e, right=e.answerable) for e in examples]


def main() -> int:
    """Fit, report and write the multilingual ranking."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="do not write the ranking file")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the embedding model (default: %(default)s)")
    args = parser.parse_args()
    embedder = make_embedder(args.model)
    own, cross = prepare_all(embedder)
    size = max(len(labelled(data, 1.0)) for data in own.values())
    ranker = fit_ranker([e for data in own.values() for e in labelled(data, size / max(len(labelled(data, 1.0)), 1))])
    print("weights:", dict(zip(FEATURES, ranker.weights, strict=True)))
    examples: list[Example] = []
    for name, data in own.items():
        examples += own_examples(data, ranker, name, _documents(data))
        if name in cross:
            examples += cross_examples(cross[name], ranker, name)
    scored = leave_one_out(examples, _by_answerable)  # each language left out in turn
    slope, offset = platt(scored, ("own", "cross"))
    reliability([(e, _scaled(c, slope, offset)) for e, c in scored if e.kind in ("own", "cross")])
    rule = calibrated(fit_decline(_by_answerable(examples)), slope, offset)
    print("rule:", rule)
    fitted_on = (
        f"scripts/fit_multilingual.py --model {args.model}: XQuAD 'tune' articles, zh es ru ar de over SQuAD dev, "
        "zh over zh"
    )
    fitted = Ranking(ranker, rule, fitted_on)
    if args.dry_run:
        return 0
    target = TARGET
    if not xq.second_model(embedder):  # one model for every language: the foreign part of its own ranking
        target = TARGET.with_name(ranking_file(args.model))
        fitted = replace(default_ranking(model=args.model), foreign=fitted)
    target.write_text(json.dumps(fitted.to_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ev.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
