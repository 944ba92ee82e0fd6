"""Negations: "not" and its kin found, bounds not, and the words that mean "not have" or "not able"."""

from __future__ import annotations

import pytest

from quotebot.index.answer.negation import negations, negative


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("He did not win.", ["not"]),
        ("They don't.", ["n't"]),
        ("It never rained", ["never"]),
        ("a route of no more than 2000 km", []),  # a bound, not a negation
        ("He won.", []),
    ],
)
def test_negations_are_found_and_bounds_are_not(text: str, found: list[str]) -> None:
    assert [text[s:e] for s, e in negations(text)] == found


def test_implied_negations_are_words_meaning_not_have_or_not_able() -> None:
    text = "Plants lack eyes, fail to run and are unable to fly; they cannot walk, and nothing prevents growth."
    assert [text[s:e] for s, e in negations(text)] == ["cannot", "nothing"]
    assert [text[s:e] for s, e in negations(text, implied=True)] == ["lack", "fail", "unable", "cannot", "nothing"]


@pytest.mark.parametrize(
    ("text", "said"),
    [("They refused the offer.", True), ("It prevents growth.", True), ("It grows.", False)],
)
def test_a_text_is_negative_in_other_words_too(text: str, said: bool) -> None:
    assert negative(text) is said
