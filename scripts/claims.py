"""Measure fact-check mode on claims made from SQuAD paragraphs: is the gold paragraph first, is the change marked?

    python scripts/claims.py                  # both halves, as shipped
    python scripts/claims.py --half fit       # the half the choices were made on
    python scripts/claims.py --mask-weight 0  # the claim as written only (before the masked search)
    python scripts/claims.py --misses         # list the refuted claims whose change was not marked, and more

The claims: tests/data/squad_claims.jsonl, 500 SQuAD v1.1 dev paragraphs (fit half: 24 articles; test half:
the other 24, nothing chosen on it; `--claims tests/data/squad_claims_later.jsonl`: 280 more, written later, of
the fit half's articles), each with a supported claim restating one fact in other words and a
refuted one changing exactly one value (number, date, name, place or negation), the paragraph's words it
contradicts (`source_value`), and where. Written by helpers who had not seen the ranking or the marker.

Figures, per half:
- gold first: the claim's gold paragraph is the first passage and the claim is not declined;
- refuted, changed value marked: of refuted claims whose gold paragraph is shown, those with a difference whose
  span of the quote overlaps the contradicted words (strict), or whose claim words are the changed value (named:
  "does not mention 1998" counts);
- supported, something marked: of supported claims whose gold paragraph is shown, those with any difference;
- unrelated claims (tests/data/unrelated_claims.jsonl) declined on the SQuAD corpus.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evalkit import ROOT, read_jsonl, squad_index, unrelated_claims

from quotebot.index import Answer, Passage
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.embed.base import DEFAULT_MODEL
from quotebot.index.embed.factory import make_embedder

CLAIMS = ROOT / "tests" / "data" / "squad_claims.jsonl"


def _gold(answer: Answer, pid: str, key: Callable[[Passage], set[str]]) -> Passage | None:
    """Return the shown passage that is the gold paragraph, if any."""
    return next((p for p in answer.passages if pid in key(p)), None)


def _overlaps(passage: Passage, row: dict[str, Any], text: str) -> bool:
    """Tell whether a difference marks the words the refuted claim contradicts (any place they occur)."""
    places = [(m.start(), m.end()) for m in re.finditer(re.escape(str(row["source_value"])), text)]
    for d in passage.differences:
        if d.start is None or d.end is None:
            continue
        start, end = passage.start + d.start, passage.start + d.end
        if any(start < b and a < end for a, b in places):
            return True
    return False


def _names_change(passage: Passage, row: dict[str, Any]) -> bool:
    """Tell whether a difference is about the claim's changed value (marked, or named as not mentioned)."""
    claim, value = str(row["refuted"]), str(row["claim_value"])
    if not value:
        return any(d.kind == "negation" for d in passage.differences)
    at = claim.find(value)
    return any(d.claim_start < at + len(value) and at < d.claim_end for d in passage.differences)


def _said(passage: Passage) -> list[tuple[str, str, str | None]]:
    """Return what a passage's differences say: kind, the claim's words, and the quote's (None: not mentioned)."""
    return [(d.kind, d.claim, None if d.start is None else passage.text[d.start : d.end]) for d in passage.differences]


def score_half(engine: QuoteEngine, rows: list[dict[str, Any]], key: Callable[[Passage], set[str]], misses: bool):
    """Answer each claim of a half; return its figures."""
    docs: dict[str, str] = {}
    counts = dict.fromkeys(
        ["refuted", "supported", "refuted first", "supported first", "refuted shown", "supported shown",
         "marked strict", "marked named", "supported marked", "supported marked in quote", "declined"],
        0,
    )  # fmt: skip
    for row in rows:
        pid = str(row["paragraph"])
        for kind in ("refuted", "supported"):
            answer = engine.answer(str(row[kind]), top_k=3, claim=True)
            counts[kind] += 1
            counts["declined"] += not answer.answered
            first = answer.passages[0] if answer.passages else None
            counts[f"{kind} first"] += answer.answered and first is not None and pid in key(first)
            gold = _gold(answer, pid, key)
            if gold is None:
                continue
            counts[f"{kind} shown"] += 1
            if kind == "supported":
                if misses and gold.differences:
                    print(f"  said on  {row['supported']} | {_said(gold)}")
                counts["supported marked"] += bool(gold.differences)
                counts["supported marked in quote"] += any(d.mentioned for d in gold.differences)
                continue
            text = docs.setdefault(gold.doc_id, gold.source.read_text(encoding="utf-8"))
            strict, named = _overlaps(gold, row, text), _names_change(gold, row)
            counts["marked strict"] += strict
            counts["marked named"] += strict or named
            if misses and not strict:
                print(f"  {row['kind']:<8} {row['refuted']} | source: {row['source_value']} | marked: {_said(gold)}")
    return counts


def report(name: str, c: dict[str, int]) -> None:
    """Print one half's figures."""
    share = lambda a, b: f"{c[a]}/{c[b]} = {c[a] / max(c[b], 1):.3f}"  # noqa: E731
    print(f"\n{name}: {c['refuted']} refuted, {c['supported']} supported claims")
    print(f"  refuted gold first       {share('refuted first', 'refuted')}")
    print(f"  supported gold first     {share('supported first', 'supported')}")
    print(f"  refuted, change marked   strict {share('marked strict', 'refuted shown')}"
          f"   named {share('marked named', 'refuted shown')}")  # fmt: skip
    print(f"  supported, marked        {share('supported marked', 'supported shown')}"
          f"   (a span of the quote: {share('supported marked in quote', 'supported shown')})")  # fmt: skip
    print(f"  declined (all claims)    {c['declined']}")


def main() -> int:
    """Run the claims and print each half's figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", help="one half only, `fit` or `test` (default: every half in the file)")
    parser.add_argument("--claims", type=Path, default=CLAIMS, help="a claims file (default: %(default)s)")
    parser.add_argument("--mask-weight", type=float, help="the masked claim's share of a chunk's score")
    parser.add_argument(
        "--misses",
        action="store_true",
        help="list refuted claims whose change was not marked, and supported ones with something said",
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the embedding model (default: %(default)s)")
    args = parser.parse_args()
    rows = read_jsonl(args.claims)
    halves = sorted({str(r["half"]) for r in rows})
    if args.half and args.half not in halves:
        parser.error(f"no claims of half {args.half!r} in {args.claims}: give one of {', '.join(halves)}")
    started = time.perf_counter()
    engine, paragraphs = squad_index(make_embedder(args.model))
    if args.mask_weight is not None:
        engine.mask_weight = args.mask_weight
    spans = {(c.doc_id, c.start): row for row, c in enumerate(engine.stored.chunks)}

    def key(passage: Passage) -> set[str]:
        row = spans.get((passage.doc_id, passage.start))
        return paragraphs(row) if row is not None else set()

    for half in [args.half] if args.half else halves:
        report(half, score_half(engine, [r for r in rows if r["half"] == half], key, args.misses))
    unrelated_claims(engine, "SQuAD")
    print(f"\n(total {time.perf_counter() - started:.0f}s, mask weight {engine.mask_weight})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
