"""Differences between a claim and a quote: the changed value marked, nothing marked where nothing differs."""

from __future__ import annotations

import json

import pytest

from quotebot.index.answer.claims import differences, masked
from tests.fakes import ROOT

QUOTE = (
    "The national cup final was held at the city stadium in 2002, in front of 60,000 spectators. "
    "The home side, coached by Maria Lopez, defeated the visitors 3–1. The stadium was built in 1998 in Lyon."
)


def _marked(claim: str, quote: str = QUOTE) -> list[tuple[str, str, str | None]]:
    """Return each difference as (kind, the claim's words, the quote's words or None)."""
    found = differences(claim, quote)
    for d in found:
        assert claim[d.claim_start : d.claim_end] == d.claim
        if d.start is not None and d.end is not None:
            assert 0 <= d.start < d.end <= len(quote)  # a span of the quote as it stands: nothing rewritten
    return [(d.kind, d.claim, None if d.start is None else quote[d.start : d.end]) for d in found]


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("The cup final at the city stadium was in 1999.", [("date", "1999", "2002")]),
        ("The cup final drew 80,000 spectators.", [("number", "80,000", "60,000 spectators")]),
        ("The home side, coached by Ana Ruiz, won the final.", [("name", "Ana Ruiz", "Maria Lopez")]),
        ("The stadium was built in 1998 in Paris.", [("name", "Paris", "Lyon")]),
        ("The home side did not defeat the visitors.", [("negation", "not", "defeated the visitors")]),
        ("The cup final at the city stadium was opened by Gustave Eiffel.", [("name", "Gustave Eiffel", None)]),
    ],
)
def test_a_changed_value_is_marked_in_the_quote(claim: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _marked(claim) == expected


@pytest.mark.parametrize(
    "claim",
    [
        "The city stadium hosted the national cup final in 2002.",
        "Some 60,000 people watched the cup final at the stadium.",
        "The stadium in Lyon dates from 1998.",
        "Lopez's team defeated the visitors 3–1.",
        "The final was held in the stadium in front of sixty thousand spectators.",
    ],
)
def test_a_supported_claim_marks_nothing(claim: str) -> None:
    assert _marked(claim) == []


def test_a_negation_only_the_source_makes_is_marked() -> None:
    quote = "Chloroplasts cannot be made by a plant cell; each daughter cell must inherit them."
    assert _marked("Chloroplasts can be made by a plant cell.", quote) == [("negation", "", "cannot")]


def test_a_negation_of_something_else_in_the_sentence_is_not() -> None:
    quote = "Pastors must complete a five-year course, though they are not ordained."
    assert _marked("Pastors have to complete a five-year course of study.", quote) == []


def test_a_value_the_claim_states_elsewhere_in_the_quote_is_not_a_difference() -> None:
    assert _marked("The stadium dates from 1998.") == []


def test_the_title_names_what_the_quote_is_about() -> None:
    quote = "The column dates from 1644."
    assert _marked("The column in Warsaw dates from 1644.", quote) == [("name", "Warsaw", None)]
    assert differences("The column in Warsaw dates from 1644.", quote, about="Warsaw") == ()


@pytest.mark.parametrize(
    ("claim", "hidden"),
    [
        ("The stadium hosted the final in 1998.", "The stadium hosted the final in ."),
        ("It drew 80,000 spectators on 4 July 1999.", "It drew spectators on ."),
        ("Lyon hosted the final.", "Lyon hosted the final."),  # names say what it is about: kept
    ],
)
def test_masking_takes_out_numbers_and_dates(claim: str, hidden: str) -> None:
    assert masked(claim) == hidden


def test_an_empty_quote_has_no_differences() -> None:
    assert differences("It was 1998.", "") == ()


@pytest.mark.parametrize(
    "quote",
    ["The team failed to win the cup in 2002.", "The team was unable to win the cup in 2002."],
)
def test_a_claim_s_not_is_no_difference_from_a_negative_said_in_other_words(quote: str) -> None:
    assert _marked("The team did not win the cup in 2002.", quote) == []


def test_a_claim_s_not_is_no_difference_when_another_sentence_says_it_in_other_words() -> None:
    quote = "Temujin offered Jamukha his friendship again. Jamukha refused the offer and asked for a noble death."
    assert _marked("Jamukha did not accept the offer of friendship.", quote) == []


def test_a_negation_of_other_words_in_the_aligned_sentence_is_not_a_difference() -> None:
    quote = "Ctenophores have two cell layers, with no true organs between them."
    assert _marked("Ctenophores have two main cell layers.", quote) == []


def test_a_name_the_corpus_never_mentions_is_masked_too() -> None:
    assert masked("A lama who chooses rebirth is called a Geshe in 1998.", {"Geshe"}) == (
        "A lama who chooses rebirth is called a in ."
    )


SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"


@pytest.mark.skipif(not SQUAD.is_dir(), reason="../shared/eval/squad11_dev is not on this machine")
def test_the_squad_claims_set_is_whole_and_its_halves_share_no_article() -> None:
    paragraphs = {row["id"]: row["text"] for row in map(json.loads, (SQUAD / "corpus.jsonl").open(encoding="utf-8"))}
    rows = [json.loads(line) for line in (ROOT / "tests/data/squad_claims.jsonl").open(encoding="utf-8")]
    assert len(rows) == len({r["paragraph"] for r in rows}) >= 200 and {r["half"] for r in rows} == {"fit", "test"}
    halves = {h: {r["paragraph"].rsplit("_", 1)[0] for r in rows if r["half"] == h} for h in ("fit", "test")}
    assert not halves["fit"] & halves["test"] and len([r for r in rows if r["half"] == "test"]) >= 100
    for r in rows:
        text, value = paragraphs[r["paragraph"]], r["source_value"]
        assert text[r["source_start"] : r["source_start"] + len(value)] == value  # the words the claim contradicts
        assert r["claim_value"] in r["refuted"] and r["supported"] != r["refuted"]
        assert r["kind"] in {"number", "date", "name", "place", "negation"}
