"""Differences between a claim and a quote: the changed value marked, nothing marked where nothing differs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from quotebot.index.answer.claims import _aligned, differences, masked
from quotebot.index.text import split_sentences
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
    _assert_rows_hold(rows, paragraphs)


@pytest.mark.skipif(not SQUAD.is_dir(), reason="../shared/eval/squad11_dev is not on this machine")
def test_the_later_claims_are_of_fit_articles_only_and_of_new_paragraphs() -> None:
    paragraphs = {row["id"]: row["text"] for row in map(json.loads, (SQUAD / "corpus.jsonl").open(encoding="utf-8"))}
    first = [json.loads(line) for line in (ROOT / "tests/data/squad_claims.jsonl").open(encoding="utf-8")]
    later = [json.loads(line) for line in (ROOT / "tests/data/squad_claims_later.jsonl").open(encoding="utf-8")]
    fit = {r["paragraph"].rsplit("_", 1)[0] for r in first if r["half"] == "fit"}
    assert {r["half"] for r in later} == {"later1", "later2"} and len(later) == 280
    assert all(r["paragraph"].rsplit("_", 1)[0] in fit for r in later)  # the test half's articles stay unseen
    assert not {r["paragraph"] for r in later} & {r["paragraph"] for r in first}
    _assert_rows_hold(later, paragraphs)


def _assert_rows_hold(rows: list[dict[str, Any]], paragraphs: dict[str, str]) -> None:
    """Check each claim row: its contradicted words are where it says, and its refuted claim holds its value."""
    for r in rows:
        text, value = paragraphs[r["paragraph"]], r["source_value"]
        assert text[r["source_start"] : r["source_start"] + len(value)] == value  # the words the claim contradicts
        assert r["claim_value"] in r["refuted"] and r["supported"] != r["refuted"]
        assert r["kind"] in {"number", "date", "name", "place", "negation"}


@pytest.mark.parametrize(
    ("claim", "quote", "expected"),
    [
        (  # of two dates with no word of the claim around them, the nearer one
            "The record high of 32.5 °C was logged in August 1995.",
            "Temperature extremes include 32.5 °C during August 1990 down to −12.6 °C during January 1982.",
            [("date", "August 1995", "August 1990")],
        ),
        (  # of two amounts the claim's words surround alike, the nearer one
            "The foundation offers $240,000 for primes.",
            "The foundation offers $150,000 and $250,000 for primes with 100 million and 1 billion digits.",
            [("number", "$240,000", "$250,000 for primes")],
        ),
        (  # of two names, the one sharing a word with the claim's
            "The temperate climate of Southern Europe produced moral people, they thought.",
            "They thought that the temperate climate of Africa and Northern Europe produced moral people.",
            [("name", "Southern Europe", "Northern Europe")],
        ),
        (  # a name sharing a word with the claim's value only is its rival, not a name the claim states
            "The rocket flew on the uncrewed Saturn IB flights.",
            "After the fire NASA used the spacecraft only for uncrewed Saturn V flights.",
            [("name", "Saturn IB", "Saturn V")],
        ),
        (
            "Abuse of a dominant position is banned under Article 105.",
            "Article 102 prohibits abuse of a dominant position.",
            [("name", "Article 105", "Article 102")],
        ),
        (
            "The survey found a fivefold difference in homicide rates.",
            "It found a tenfold difference in homicide rates.",
            [("number", "fivefold", "tenfold difference in homicide rates")],
        ),
        (  # an ordinal is never a rounding: the 800th anniversary is not the 850th
            "He spoke on the 800th anniversary of the birth of Chinggis Khaan.",
            "He spoke on the 850th anniversary of Chinggis Khaan's birth.",
            [("ordinal", "800th", "850th anniversary of")],
        ),
        (
            "The water took up one-fifth of the air's volume.",
            "The water rose to replace one-fourteenth of the air's volume.",
            [("ordinal", "fifth", "fourteenth of the air")],
        ),
    ],
)
def test_the_rival_a_changed_value_is_paired_with(claim: str, quote: str, expected: list[tuple[str, str, str]]) -> None:
    assert _marked(claim, quote) == expected


@pytest.mark.parametrize(
    ("claim", "quote", "expected"),
    [
        (  # the source's negation counts its next words of substance, not "of the"
            "Vocational schools are part of the dual education system.",
            "These vocational schools are not part of the German dual education system.",
            [("negation", "", "not")],
        ),
        ("Plants have phagocytic cells.", "Unlike animals, plants lack phagocytic cells.", [("negation", "", "lack")]),
        (  # "prevent" is a verb a claim says in other words ("stop"), not a negation
            "The court said Hungary could stop a firm from moving.",
            "The court held that Hungary could prevent a company from moving its seat.",
            [],
        ),
        (  # the claim's negated word, where the sentence has it
            "Combustion does not need an ignition event.",
            "For combustion, an ignition event such as heat or a spark is needed.",
            [("negation", "not", "needed")],
        ),
        (  # else the words standing where the claim says "not"
            "Oxygen gas is not toxic to the anaerobic bacteria.",
            "Oxygen gas is poisonous to the anaerobic bacteria that cause gas gangrene.",
            [("negation", "not", "poisonous")],
        ),
    ],
)
def test_where_a_negation_differs(claim: str, quote: str, expected: list[tuple[str, str, str]]) -> None:
    assert _marked(claim, quote) == expected


def test_the_claim_is_aligned_by_its_rarer_words() -> None:
    quote = "Oxygen gas is common. Scheele isolated the element in 1771. Oxygen gas is reactive."
    # two words shared with each of two sentences: the ones in that sentence only decide
    start, end = _aligned("Scheele isolated oxygen gas in 1772.", quote, split_sentences(quote))
    assert quote[start:end] == "Scheele isolated the element in 1771."
