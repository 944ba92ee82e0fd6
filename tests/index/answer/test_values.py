"""The values a claim can get wrong: found with their offsets, and compared by meaning."""

from __future__ import annotations

import pytest

from quotebot.index.answer.values import find_values, names_agree, same_value, words_of

TEXT = "The Denver Broncos won Super Bowl 50 on February 7, 2016, beating Carolina 24–10 before 71,088 fans."


def test_values_are_found_in_order_with_their_offsets() -> None:
    found = find_values(TEXT)
    assert [(v.kind, v.text) for v in found] == [
        ("name", "Denver Broncos"),
        ("name", "Super Bowl 50"),  # a number after a name says which
        ("date", "February 7, 2016"),
        ("name", "Carolina"),
        ("number", "24"),
        ("number", "10"),
        ("number", "71,088"),
    ]
    assert all(TEXT[v.start : v.end] == v.text for v in found)


@pytest.mark.parametrize(
    ("text", "kind", "amount"),
    [
        ("about 3 million people", "number", 3e6),
        ("twenty-five thousand copies", "number", 25000.0),
        ("a three-year course", "number", 3.0),
        ("12.5% of voters", "number", 12.5),
        ("the third son", "ordinal", 3.0),
        ("in the 1990s", "date", 1990.0),
        ("on 4 July 1999", "date", 1999.0),
        ("a tenfold difference", "number", 10.0),  # a multiple: ten times
        ("one-fourteenth of the air", "ordinal", 14.0),
    ],
)
def test_numbers_and_dates_read_their_value(text: str, kind: str, amount: float) -> None:
    [value] = [v for v in find_values(text) if v.kind != "name"]
    assert (value.kind, value.amount) == (kind, amount)


@pytest.mark.parametrize(
    ("claim", "source", "same"),
    [
        ("two", "2", True),
        ("3 million", "3,012,000", True),  # a rounded figure states the exact one
        ("about 90%", "90.04%", True),
        ("20", "24", False),  # a small number is not a rounding of another
        ("2016", "February 7, 2016", True),  # the claim may say less
        ("Feb 7, 2016", "February 7, 2016", True),
        ("March 2016", "February 7, 2016", False),
        ("September 1973", "1973", False),  # the source does not state the claim's month
        ("Oct 27, 1973", "October 1973", False),
        ("the 1990s", "1994", True),
        ("1998", "2002", False),
        ("third", "3rd", True),
        ("800th", "850th", False),  # an ordinal is exact: no rounding
        ("900", "850", True),  # a rounding is half up
        ("800", "850", False),
    ],
)
def test_values_are_compared_by_meaning(claim: str, source: str, same: bool) -> None:
    [mine] = [v for v in find_values(claim) if v.kind != "name"]
    [theirs] = [v for v in find_values(source) if v.kind != "name"]
    assert same_value(mine, theirs) is same


@pytest.mark.parametrize(
    ("name", "text", "agree"),
    [
        ("John Wesley", "Wesley never claimed it", True),  # a surname names the person
        ("University of Michigan", "the University of Chicago", False),
        ("Southern Europe", "the climate of Northern Europe", False),
        ("UN University", "the United Nations University said", True),  # an acronym is its words' initials
        ("Britain", "British forces", True),
        ("Lyon", "held in Paris", False),
        ("French", "the King of France", True),  # a people's word for its country
        ("United Nations", "the UN said", True),  # a name, where the text has its initials
    ],
)
def test_names_agree_by_their_distinctive_words(name: str, text: str, agree: bool) -> None:
    assert names_agree(name, *words_of(text)) is agree


def test_a_name_ends_at_a_full_stop_but_not_at_an_initial() -> None:
    text = "He married into the Khongirad. Temüjin met St. Louis and J. A. Hobson there."
    assert [v.text for v in find_values(text) if v.kind == "name"] == [
        "Khongirad", "Temüjin", "St. Louis", "J. A. Hobson",
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["Scientists found it in 2001.", "Recently, it rained.", "Whether it holds is open."])
def test_a_sentence_s_capitalised_first_word_is_not_a_name(text: str) -> None:
    assert not [v for v in find_values(text) if v.kind == "name"]
