from __future__ import annotations

import pytest

from quotebot.index.text import displayable, has_words, iter_lines, split_sentences, strip_span


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Mr. Chair, thank you. Next one.", ["Mr. Chair, thank you.", "Next one."]),
        (
            "Resolution 73/266 passed in 2018. It was 3.5 pages.",
            ["Resolution 73/266 passed in 2018.", "It was 3.5 pages."],
        ),
        ("He said “stop.” Then left.", ["He said “stop.”", "Then left."]),
        ("数据安全很重要。我们支持。", ["数据安全很重要。", "我们支持。"]),
        ("No ending here", ["No ending here"]),
        ("  padded.  ", ["padded."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_sentences_are_exact_slices_within_a_range() -> None:
    text = "Skip this. Keep one. Keep two."
    spans = split_sentences(text, 11, len(text))
    assert [text[s:e] for s, e in spans] == ["Keep one.", "Keep two."]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_iter_lines_handles_every_line_break(newline: str) -> None:
    text = f"a{newline}bb{newline}{newline}c"
    assert [text[s:e] for s, e in iter_lines(text)] == ["a", "bb", "", "c"]


def test_strip_span_drops_nbsp_and_zero_width() -> None:
    text = "\u00a0\u200b word \t"
    s, e = strip_span(text, 0, len(text))
    assert text[s:e] == "word"


@pytest.mark.parametrize(
    ("text", "words"),
    [("Why?", True), ("?!.,;:", False), ("🔥🔥", False), ("\u200b\u200b", False), ("73/266", True), ("مرحبا", True)],
)
def test_has_words(text: str, words: bool) -> None:
    assert has_words(text) is words


def test_displayable_drops_terminal_escapes_and_bidi_overrides_only() -> None:
    assert displayable("\x00\x07\x1b[31mred\x1b[0m and \u202egnp.exe\u202c") == "[31mred[0m and gnp.exe"
    assert displayable("tab\tand\nnewline, é, 中文") == "tab\tand\nnewline, é, 中文"
