"""Fit the shipped ranking (index/answer/ranking.json): fusion weights and the no-answer rule, on several corpora.

    python scripts/fit.py            # fit, report leave-one-corpus-out figures, write index/answer/ranking.json
    python scripts/fit.py --dry-run  # fit and report only

Corpora: the seed statement (questions split "tune"), SQuAD v1.1 dev (2,000 questions, 48 articles) and
teamdocs_dev (the documents split "tune"): the "heldout" parts are never fitted on (scripts/eval.py
reports them).

Fusion weights: listwise fit on the answerable questions, each corpus weighing as much as SQuAD.

No-answer rule: a logistic regression on the best passage's evidence, whose output is the confidence
that this first passage is right (a gold passage). Its examples, per corpus:
- every question on its own corpus: right when the first passage is a gold one, else wrong;
- the unanswerable questions (seed out-of-domain, teamdocs off-topic and near-domain);
- questions asked of another corpus (SQuAD on the seed, the seed on SQuAD, teamdocs on SQuAD...);
- mechanical near misses: an answerable question with its gold passages taken out (the best other one
  answers: "the corpus says something close, not this"), and with its whole gold document taken out.
Each corpus weighs the same; the threshold declines at most MAX_DECLINED of each corpus's answerable
questions. Leaving each corpus out of the fit in turn and scoring it gives the figures reported, and the
reliability table (confidence against how often the first passage is right) is read from those.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import evalkit as ev
import numpy as np
import teamdocs as td

from quotebot.index.answer.fitting import Labelled, choose_threshold, fit_ranker, fit_rule
from quotebot.index.answer.ranking import (
    DECLINE_FEATURES,
    FEATURES,
    Candidates,
    DeclineRule,
    Evidence,
    Ranker,
    default_ranking,
    ranking_file,
)
from quotebot.index.embed.base import DEFAULT_MODEL, Embedder
from quotebot.index.embed.factory import make_embedder

TARGET = ev.ROOT / "index" / "answer" / "ranking.json"
MAX_DECLINED = 0.04  # of the answerable (training) questions, each corpus weighing alike
CROSS = 400  # questions of one corpus asked of another, at most


@dataclass(frozen=True)
class Example:
    """One question's first-passage evidence, whether that passage is right, and where the example comes from."""

    evidence: list[float]
    right: bool  # the first passage is a gold one
    answerable: bool  # the corpus answers the question
    corpus: str  # the corpus whose questions or documents it touches, for leave-one-out
    kind: str  # "own", "unanswerable", "cross", "no gold passage", "no gold document"


def labelled(data: ev.Prepared, weight: float) -> list[Labelled]:
    """Turn prepared answerable queries into ranking examples."""
    rows = zip(data.queries, data.candidates, data.gold, strict=True)
    return [Labelled(c.values, g, weight) for q, c, g in rows if q.gold]


def _first(candidates: Candidates, ranker: Ranker, keep: Callable[[int], bool]) -> Evidence | None:
    """Return the evidence of the best candidate that `keep` allows under a ranker."""
    order = np.argsort(-ranker.scores(candidates.values), kind="stable")
    for j in order:
        if keep(int(j)):
            return Evidence.of(candidates, int(j))
    return None


def own_examples(data: ev.Prepared, ranker: Ranker, corpus: str, documents: Callable[[int], str]) -> list[Example]:
    """Each question on its own corpus, plus its mechanical near misses when it is answerable."""
    out = []
    for query, candidates, gold in zip(data.queries, data.candidates, data.gold, strict=True):
        if not candidates.rows:
            continue
        top = int(np.argmax(ranker.scores(candidates.values)))
        right = bool(query.gold) and bool(gold[top])
        kind = "own" if query.gold else "unanswerable"
        out.append(Example(Evidence.of(candidates, top).vector(), right, bool(query.gold), corpus, kind))
        if not query.gold or not gold.any():
            continue
        out.extend(_near_misses(candidates, gold, ranker, corpus, documents))
    return out


def _near_misses(
    candidates: Candidates, gold: np.ndarray, ranker: Ranker, corpus: str, documents: Callable[[int], str]
) -> list[Example]:
    """The question's first passage once its gold passages, then its gold documents, are taken away."""
    gold_documents = {documents(candidates.rows[j]) for j in np.flatnonzero(gold)}
    out = []
    for name, keep in (
        ("no gold passage", lambda j: not gold[j]),
        ("no gold document", lambda j: documents(candidates.rows[j]) not in gold_documents),
    ):
        evidence = _first(candidates, ranker, keep)
        if evidence is not None:
            out.append(Example(evidence.vector(), False, False, corpus, name))
    return out


def cross_examples(data: ev.Prepared, ranker: Ranker, corpus: str) -> list[Example]:
    """Questions asked of a corpus that does not answer them."""
    out = []
    for candidates in data.candidates:
        if candidates.rows:
            top = int(np.argmax(ranker.scores(candidates.values)))
            out.append(Example(Evidence.of(candidates, top).vector(), False, False, corpus, "cross"))
    return out


POSITIVE = ("own", "claim")  # the kinds of example that hold answerable questions (or bearing claims)


def _weights(examples: list[Example]) -> np.ndarray:
    """Weigh each corpus alike; within it, the answerable side as much as all its negatives, kinds alike on each."""
    kinds: dict[tuple[str, bool], set[str]] = defaultdict(set)
    groups: dict[tuple[str, str], int] = defaultdict(int)
    for e in examples:
        groups[e.corpus, e.kind] += 1
        kinds[e.corpus, e.kind in POSITIVE].add(e.kind)
    return np.array([1.0 / groups[e.corpus, e.kind] / len(kinds[e.corpus, e.kind in POSITIVE]) for e in examples])


def claim_examples(claims: dict[str, list[ev.Prepared]], ranker: Ranker) -> list[Example]:
    """The seed claims under the sentence-level ranker: on the seed, right when the bearing paragraph comes
    first (an unrelated claim is a negative); asked of the other corpora, negatives."""
    out = []
    for name, sets in claims.items():
        for data in sets:
            for query, candidates, gold in zip(data.queries, data.candidates, data.gold, strict=True):
                if candidates.rows:
                    top = int(np.argmax(ranker.scores(candidates.values)))
                    right = name == "seed" and bool(query.gold) and bool(gold[top])
                    kind = "claim" if name == "seed" and query.gold else "claim, unrelated"
                    out.append(Example(Evidence.of(candidates, top).vector(), right, kind == "claim", name, kind))
    return out


def fit_decline(examples: list[Example]) -> DeclineRule:
    """Fit the logistic rule (`_weights`) and its threshold."""
    weights = _weights(examples)
    x = np.array([e.evidence for e in examples])
    y = np.array([e.right for e in examples])
    coefficients, intercept = fit_rule(x, y, weights)
    probe = DeclineRule(coefficients, intercept, 0.5)
    confidence = np.array([probe.probability(e.evidence) for e in examples])
    answerable = np.array([e.answerable and e.kind == "own" for e in examples])
    cut = choose_threshold(confidence, answerable, MAX_DECLINED, [e.corpus for e in examples])
    return DeclineRule(coefficients, intercept, cut)


def platt(scored: list[tuple[Example, float]], kinds: tuple[str, ...] = ("own", "unanswerable")) -> tuple[float, float]:
    """Fit the scaling that turns the rule's output into the share of first passages that are right (Platt).

    Fitted on the corpora left out of the fit, on their own questions only (not the synthetic negatives, whose
    mix is arbitrary), each corpus weighing alike. A monotone change: the same questions are declined.
    """
    from scipy.optimize import minimize

    own = [(e, c) for e, c in scored if e.kind in kinds]
    z = np.array([np.log(c / (1 - c)) for _, c in own])
    y = np.array([e.right for e, _ in own], dtype=np.float64)
    sizes: dict[str, int] = defaultdict(int)
    for e, _ in own:
        sizes[e.corpus] += 1
    w = np.array([1.0 / sizes[e.corpus] for e, _ in own])

    def loss(ab: np.ndarray) -> float:
        p = 1 / (1 + np.exp(-np.clip(ab[0] * z + ab[1], -50, 50)))
        return -float(np.sum(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))))

    slope, offset = minimize(loss, np.array([1.0, 0.0]), method="L-BFGS-B").x
    return float(slope), float(offset)


def _scaled(probability: float, slope: float, offset: float) -> float:
    z = np.log(probability / (1 - probability))
    return float(1 / (1 + np.exp(-(slope * z + offset))))


def calibrated(rule: DeclineRule, slope: float, offset: float) -> DeclineRule:
    """Return the rule with its confidence scaled (`platt`): the same logistic form, the same decisions."""
    return DeclineRule(
        tuple(round(slope * c, 4) for c in rule.coefficients),
        round(slope * rule.intercept + offset, 4),
        round(_scaled(rule.threshold, slope, offset), 4),
    )


def leave_one_out(
    examples: list[Example], relabel: Callable[[list[Example]], list[Example]] = list
) -> list[tuple[Example, float]]:
    """Fit without each corpus in turn and score that corpus: print its figures, return (example, confidence).

    `relabel` turns the examples into those the rule is fitted on (scripts/fit_multilingual.py fits on whether
    the corpus answers); the returned pairs keep the examples as given.
    """
    scored: list[tuple[Example, float]] = []
    print(f"\nno-answer rule, each corpus left out of the fit ({MAX_DECLINED:.0%} of answerable declined in fitting):")
    print(f"{'left out':<10}{'answerable declined':>21}{'unanswerable declined':>23}{'near misses declined':>22}")
    for corpus in sorted({e.corpus for e in examples}):
        rule = fit_decline(relabel([e for e in examples if e.corpus != corpus]))
        held = [(e, rule.probability(e.evidence)) for e in examples if e.corpus == corpus]
        scored += held
        own = [c >= rule.threshold for e, c in held if e.kind == "own" and e.answerable]
        unanswerable = [c < rule.threshold for e, c in held if e.kind in ("unanswerable", "cross", "claim, unrelated")]
        near = [c < rule.threshold for e, c in held if e.kind.startswith("no gold")]
        print(
            f"{corpus:<10}{_share(own, invert=True):>21}{_share(unanswerable):>23}{_share(near):>22}"
            f"   (threshold {rule.threshold:.3f})"
        )
    return scored


def _share(flags: list[bool], *, invert: bool = False) -> str:
    if not flags:
        return "-"
    count = sum(not f for f in flags) if invert else sum(flags)
    return f"{count}/{len(flags)} ({count / len(flags):.3f})"


def reliability(scored: list[tuple[Example, float]]) -> None:
    """Print how often the first passage is right, by confidence, on corpora left out of the fit."""
    print("\nreliability (corpora left out of the fit, their own questions): confidence → first passage right")
    edges = [0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001]
    for low, high in itertools.pairwise(edges):
        part = [e.right for e, c in scored if low <= c < high and e.kind in ("own", "unanswerable")]
        if part:
            print(f"  {low:.1f}–{min(high, 1.0):.1f}: {sum(part) / len(part):.3f} right of {len(part)}")


def prepare_all(embedder: Embedder) -> dict[str, object]:
    """Prepare every corpus's questions on its own index, and the questions asked of other corpora."""
    seed = ev.prepare_seed(embedder)
    squad = ev.prepare_squad(embedder)
    team, rows = td.prepare_teamdocs(embedder)
    seed_tune = seed.subset(lambda q: q.split == "tune")
    team_tune = team.subset(lambda q: q.split == "tune")
    none: Callable[[int], set[str]] = lambda row: set()  # noqa: E731
    claims = ev.claim_queries()
    cross = {
        "seed": [ev.prepare(seed.engine, ev.squad_queries(CROSS), none),
                 ev.prepare(seed.engine, td.queries([r for r in rows if r.split == "tune"]), none)],
        "squad": [ev.prepare(squad.engine, [q for q in ev.seed_queries() if q.split == "tune"], none),
                  ev.prepare(squad.engine, td.queries([r for r in rows if r.split == "tune"]), none)],
        "teamdocs": [ev.prepare(team.engine, ev.squad_queries(CROSS), none),
                     ev.prepare(team.engine, [q for q in ev.seed_queries() if q.split == "tune"], none)],
    }  # fmt: skip
    chunks = seed.engine.stored.chunks
    paragraphs = lambda row: {str(p) for p in range(chunks[row].paragraph, chunks[row].last_paragraph + 1)}  # noqa: E731
    # Claims are ranked by their best sentence; the same rule must decline those no passage bears on.
    claimed = {
        "seed": [ev.prepare(seed.engine, claims, paragraphs)],
        "squad": [ev.prepare(squad.engine, claims, none)],
        "teamdocs": [ev.prepare(team.engine, claims, none)],
    }
    return {"seed": seed_tune, "squad": squad, "teamdocs": team_tune, "cross": cross, "claims": claimed}


def _documents(data: ev.Prepared) -> Callable[[int], str]:
    chunks = data.engine.stored.chunks
    return lambda row: chunks[row].doc_id


def main() -> int:
    """Fit, report and write the ranking."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="do not write the model's ranking file")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the embedding model (default: %(default)s)")
    args = parser.parse_args()
    shipped = default_ranking(model=args.model)  # its views decide what the indexes embed
    print(f"model: {args.model}, views: {shipped.views}")
    prepared = prepare_all(make_embedder(args.model))
    own: dict[str, ev.Prepared] = {k: prepared[k] for k in ("seed", "squad", "teamdocs")}  # type: ignore[misc]
    squad_size = len(labelled(own["squad"], 1.0))
    ranking_examples = [
        example for data in own.values() for example in labelled(data, squad_size / max(len(labelled(data, 1.0)), 1))
    ]
    ranker = fit_ranker(ranking_examples)
    print("weights:", dict(zip(FEATURES, ranker.weights, strict=True)))
    for name, data in own.items():
        m = ev.evaluate(data, ranker, DeclineRule((0.0,) * len(DECLINE_FEATURES), 10.0, 0.0))
        print(f"  {name} (fitted on): hit@1 {m['hit@1']:.3f} hit@3 {m['hit@3']:.3f}")
    examples = [e for name, data in own.items() for e in own_examples(data, ranker, name, _documents(data))]
    cross: dict[str, list[ev.Prepared]] = prepared["cross"]  # type: ignore[assignment]
    examples += [e for name, sets in cross.items() for data in sets for e in cross_examples(data, ranker, name)]
    claims: dict[str, list[ev.Prepared]] = prepared["claims"]  # type: ignore[assignment]
    examples += claim_examples(claims, ranker.claim_level())
    scored = leave_one_out(examples)
    slope, offset = platt(scored)
    reliability([(e, _scaled(c, slope, offset)) for e, c in scored])
    rule = calibrated(fit_decline(examples), slope, offset)
    print("rule:", rule)
    fitted_on = f"scripts/fit.py --model {args.model}: seed 'tune', SQuAD v1.1 dev, teamdocs_dev 'tune' documents"
    # Views, cosine floor and the foreign part (scripts/fit_multilingual.py) stay as shipped.
    ranking = replace(shipped, ranker=ranker, rule=rule, fitted_on=fitted_on)
    if not args.dry_run:
        target = TARGET.with_name(ranking_file(args.model))
        target.write_text(json.dumps(ranking.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target.relative_to(ev.ROOT)}: rebuild indexes (`quotebot build`) to use it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
