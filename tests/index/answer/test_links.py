"""Tests for the links to a passage inside its document."""

from __future__ import annotations

import pytest

from quotebot.index.answer.links import deep_link, text_fragment


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Keys rotate every 90 days.", ":~:text=Keys%20rotate%20every%2090%20days."),
        ("A well-known risk, and more & less", ":~:text=A%20well%2Dknown%20risk%2C%20and%20more%20%26%20less"),
        ("**Bold** and `code` and _stress_", ":~:text=Bold%20and%20code%20and%20stress"),
        ("- first item\n- second item", ":~:text=first%20item%20second%20item"),
        ("| a | b |\n|---|:-:|\n| c | d |", ":~:text=a%20b%20c%20d"),
        (
            "one two three four five six seven eight nine ten eleven twelve",
            ":~:text=one%20two%20three%20four,nine%20ten%20eleven%20twelve",
        ),
        ("***", ""),
    ],
)
def test_text_fragment_finds_the_rendered_words(text: str, fragment: str) -> None:
    assert text_fragment(text) == fragment


@pytest.mark.parametrize(
    ("url", "page", "link"),
    [
        (None, None, None),
        ("", 3, None),
        ("https://x.org/a", None, "https://x.org/a#:~:text=Keys%20rotate."),
        ("https://x.org/a#intro", None, "https://x.org/a#intro:~:text=Keys%20rotate."),
        ("https://x.org/r.pdf", 3, "https://x.org/r.pdf#page=3"),
        ("https://x.org/r.pdf#page=1", 7, "https://x.org/r.pdf#page=7"),
    ],
)
def test_deep_link_points_at_the_passage(url: str | None, page: int | None, link: str | None) -> None:
    assert deep_link(url, "Keys rotate.", page=page) == link


def test_a_passage_without_words_links_to_the_page() -> None:
    assert deep_link("https://x.org/a", "---") == "https://x.org/a"
