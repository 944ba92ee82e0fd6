"""Rendering answers: the --json object, the terminal text and Markdown, with highlights, duplicates and confidence."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from quotebot.bot.reply.render import (
    answer_to_json,
    answer_to_markdown,
    answer_to_text,
    display_source,
    escape_markdown,
    json_line,
)
from quotebot.index import Answer, Citation, Difference
from quotebot.index.text import split_sentences
from tests.bot.discord_fakes import STATEMENT, passage

ROOT = Path("/repo")
HOSTILE = (
    "1. A *starred* word, an _under_score_, a `tick` and a [link](https://x.example/a_b).\n"
    "# Not a heading & not &amp; an entity; <b>no tag</b> costs $5 or $6, a back\\slash ~~here~~.\n"
    "- Not a list item | nor a table, > not a quote, = not a rule.\n"
    "    Indented line that Markdown would read as code, ending **here**."
)


def cited(doc: str, paragraph: int, *, date: str | None = "2021-01-01") -> Citation:
    """Return a citation of a copy of a passage in the corpus under ROOT."""
    return Citation(doc, ROOT / "corpus" / doc, doc.upper(), date, paragraph, paragraph, 10, 90)


def sentence(text: str, index: int) -> tuple[int, int]:
    """Return the span of the text's sentence at `index`."""
    return split_sentences(text)[index]


def test_json_keys_are_the_documented_ones_in_order() -> None:
    best = replace(passage(highlight=sentence(STATEMENT, 1)), also_in=(cited("b.txt", 4), cited("c.txt", 9)))
    answer = answer_to_json(Answer("q", True, (best, passage(paragraph=3)), confidence=0.87654), root=ROOT)
    assert list(answer) == ["question", "answered", "confidence", "passages"]
    assert answer["confidence"] == 0.877
    first, second = answer["passages"]
    keys = ["text", "source", "title", "date", "paragraph", "page", "section", "url", "collection"]
    keys += ["start", "end", "score", "confidence", "highlight", "differences", "also_in"]
    assert list(first) == keys and list(second) == keys
    assert first["highlight"] == list(sentence(STATEMENT, 1)) and second["highlight"] is None
    unplaced = {"page": None, "section": None, "url": None, "start": 10, "end": 90}
    assert first["also_in"] == [
        {"source": "corpus/b.txt", "title": "B.TXT", "date": "2021-01-01", "paragraph": 4, **unplaced},
        {"source": "corpus/c.txt", "title": "C.TXT", "date": "2021-01-01", "paragraph": 9, **unplaced},
    ]
    assert second["also_in"] == []


def test_json_confidence_is_null_when_the_engine_gives_none() -> None:
    answer = answer_to_json(Answer("q", False, ()))
    assert answer == {"question": "q", "answered": False, "confidence": None, "passages": []}


def test_text_lists_the_other_places_under_the_citation() -> None:
    best = replace(passage(), also_in=(cited("b.txt", 4), cited("c.txt", 9, date=None)))
    text = answer_to_text(Answer("q", True, (best,), confidence=0.8712), root=ROOT)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("— "))
    assert (
        lines[at] == "— Statement on Information Security, 2020-10-30, ¶ 2, /corpus/statement.txt · strong match (0.90)"
    )
    assert lines[at + 1] == "  also in: B.TXT, 2021-01-01, ¶ 4, corpus/b.txt; C.TXT, ¶ 9, corpus/c.txt"
    assert lines[-1] == lines[at + 1]  # one number a quote: no second "confidence" line on another scale


@pytest.mark.parametrize(("confidence", "label"), [(0.62, "fair match (0.62)"), (0.31, "weak match (0.31)")])
def test_each_quote_shows_its_own_confidence_not_the_fused_score(confidence: float, label: str) -> None:
    best = replace(passage(), confidence=confidence)  # the fused score stays 0.90: internal, one index's scale
    text = answer_to_text(Answer("q", True, (best,), confidence=confidence), root=ROOT)
    assert text.splitlines()[-1].endswith(f"· {label}") and "0.90" not in text
    assert answer_to_markdown(Answer("q", True, (best,), confidence=confidence), root=ROOT).endswith(f"· {label}")


def test_text_bolds_the_highlight_on_a_terminal_only() -> None:
    span = sentence(STATEMENT, 1)
    answer = Answer("q", True, (passage(highlight=span),))
    bold = STATEMENT[span[0] : span[1]]
    assert f"\033[1m{bold}\033[0m" in answer_to_text(answer, bold=True)
    assert "\033[" not in answer_to_text(answer, bold=False) and f"> {STATEMENT}\n" in answer_to_text(answer)


def test_text_for_claims() -> None:
    answer = Answer("Providers may install backdoors.", True, (passage(),), confidence=0.9)
    assert answer_to_text(answer, claim=True).startswith("Passages that bear on the claim:\n\n> States should")
    unanswered = answer_to_text(Answer("The moon is cheese.", False, (passage(),), confidence=0.04), claim=True)
    assert unanswered.startswith("No passage in the corpus addresses this claim.\n\nClosest passage (not an answer):")
    assert unanswered.endswith("/corpus/statement.txt")  # the closest passage, no number: it is not an answer
    assert answer_to_text(Answer("x", False, ()), claim=True) == "No passage in the corpus addresses this claim."
    assert answer_to_text(Answer("x", False, ())) == "I couldn't find an answer to this in the corpus."


def markdown_unescape(shown: str) -> str:
    """Undo escape_markdown: drop the backslash before each escaped punctuation character."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", shown)


def quote_of(markdown: str) -> list[str]:
    """Return the lines of the first `>` block, without the '> ' prefix."""
    lines = []
    for line in markdown.splitlines():
        if not line.startswith(">"):
            break
        lines.append(line[2:])
    return lines


def test_markdown_bolds_exactly_the_highlighted_sentence() -> None:
    span = sentence(STATEMENT, 1)
    markdown = answer_to_markdown(Answer("q", True, (passage(highlight=span),)), root=ROOT)
    (line,) = quote_of(markdown)
    before, bold, after = line.split("**")
    assert bold == escape_markdown(STATEMENT[span[0] : span[1]], line_start=False)
    assert before == STATEMENT[: span[0]] and after == STATEMENT[span[1] :]


def bold_lines(text: str, span: tuple[int, int]) -> list[str]:
    """Return the highlighted sentence line by line, as Markdown bolds it (bold never spans a line break)."""
    return [line.strip() for line in text[span[0] : span[1]].splitlines() if line.strip()]


MARKER = re.compile(r"(?<!\\)\*\*")  # a bold marker: two stars, the first not escaped


@pytest.mark.parametrize("index", [0, 1, 2])  # "1.", three lines of markup, an indented line
def test_markdown_quote_is_verbatim_apart_from_escapes_and_bold(index: int) -> None:
    span = sentence(HOSTILE, index)
    markdown = answer_to_markdown(Answer("q", True, (passage(HOSTILE, highlight=span),)), root=ROOT)
    lines = quote_of(markdown)
    assert [markdown_unescape(MARKER.sub("", line)) for line in lines] == [
        line.strip() for line in HOSTILE.splitlines()
    ]
    assert sum(len(MARKER.findall(line)) for line in lines) == 2 * len(bold_lines(HOSTILE, span))


def rendered(markdown: str) -> tuple[str, list[str]]:
    """Parse Markdown as CommonMark; return the first block quote's text and its bold runs."""
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").parse(markdown)
    end = next(i for i, t in enumerate(tokens) if t.type == "blockquote_close")
    kinds = {t.type for t in tokens[:end]}
    assert kinds <= {"blockquote_open", "paragraph_open", "paragraph_close", "inline"}, kinds
    text: list[str] = []
    bold: list[str] = []
    inside = False
    for child in (c for t in tokens[:end] if t.type == "inline" for c in t.children or ()):
        assert child.type in ("softbreak", "text", "strong_open", "strong_close"), child.type
        if child.type == "strong_open":
            bold.append("")
        inside = child.type == "strong_open" or (inside and child.type != "strong_close")
        piece = {"softbreak": "\n", "text": child.content}.get(child.type, "")
        text.append(piece)
        if inside:
            bold[-1] += piece
    return "".join(text), bold


@pytest.mark.parametrize("index", [0, 1, 2])
def test_markdown_renders_as_the_verbatim_quote_with_the_sentence_bold(index: int) -> None:
    span = sentence(HOSTILE, index)
    markdown = answer_to_markdown(Answer("q", True, (passage(HOSTILE, highlight=span),)), root=ROOT)
    text, bold = rendered(markdown)
    assert text == "\n".join(line.strip() for line in HOSTILE.splitlines())
    assert bold == bold_lines(HOSTILE, span)


def test_markdown_citations_follow_the_quote() -> None:
    best = replace(passage(doc_id="a_b.txt", highlight=(0, 10)), also_in=(cited("c_d.txt", 4),))
    markdown = answer_to_markdown(Answer("q", True, (best,), confidence=0.5), root=ROOT)
    blocks = markdown.split("\n\n")
    assert blocks[0].startswith("> ")
    assert blocks[1] == (
        "— Statement on Information Security, 2020-10-30, ¶ 2, /corpus/a\\_b.txt · strong match (0.90)  \n"
        "also in: C\\_D.TXT, 2021-01-01, ¶ 4, corpus/c\\_d.txt"
    )
    assert blocks[-1] == blocks[1]  # nothing after the last citation


def test_markdown_for_a_claim_nothing_addresses() -> None:
    markdown = answer_to_markdown(Answer("The moon is cheese.", False, (passage(highlight=(0, 10)),)), claim=True)
    assert markdown.startswith("No passage in the corpus addresses this claim.\n\nClosest passage (not an answer):\n> ")
    assert "**" not in markdown  # the closest passage is not an answer: nothing in it is singled out


def test_a_link_is_cited_by_its_own_name_never_its_targets(tmp_path: Path) -> None:
    (tmp_path / "docs" / "security").mkdir(parents=True)
    (tmp_path / "docs" / "security" / "vault.txt").write_text("secret", encoding="utf-8")
    (tmp_path / "docs" / "handy-notes.txt").symlink_to(tmp_path / "docs" / "security" / "vault.txt")
    link = tmp_path / "docs" / "handy-notes.txt"
    assert display_source(link, tmp_path) == "docs/handy-notes.txt"
    assert display_source(tmp_path / "docs" / "security" / ".." / "handy-notes.txt", tmp_path) == "docs/handy-notes.txt"
    assert "security" not in answer_to_text(Answer("q", True, (replace(passage(), source=link),)), root=tmp_path)


ESCAPES = "Read this.\x1b[2J\x1b]0;pwned\x07 Then the NUL\x00 and the CSI\x9b31m end."


@pytest.mark.parametrize("render", ["text", "bold text", "markdown"])
def test_control_characters_of_a_quote_never_reach_the_terminal(render: str) -> None:
    quoted = replace(passage(ESCAPES), highlight=(11, 40), title="Title\x1b[8m", section="Heading\x07", date="2020\x1b")
    answer = Answer("q", True, (quoted,))
    shown = {
        "text": lambda: answer_to_text(answer),
        "bold text": lambda: answer_to_text(answer, bold=True),
        "markdown": lambda: answer_to_markdown(answer),
    }[render]()
    assert not re.search("[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]", shown)
    assert shown.count("\x1b") == (2 if render == "bold text" else 0)  # only our own bold and reset
    assert all(escape in shown for escape in ("\\x1b", "\\x07", "\\x00", "\\x9b31m"))  # shown, not obeyed


def test_json_lines_escape_every_control_character_and_keep_the_text() -> None:
    answer = Answer("q\x9b", True, (passage(ESCAPES + "\u2028"),))
    line = json_line(answer_to_json(answer))
    assert line.isprintable() and "\n" not in line
    assert json.loads(line)["passages"][0]["text"] == ESCAPES + "\u2028"  # verbatim once decoded


def test_a_claim_s_differences_are_underlined_on_a_terminal_and_said_below() -> None:
    at = STATEMENT.index("not install")
    differs = (Difference("negation", "", 0, 0, at, at + 3), Difference("name", "Lyon", 5, 9))
    shown = replace(passage(highlight=sentence(STATEMENT, 1)), differences=differs)
    answer = Answer("claim", True, (shown,), confidence=0.9)
    text = answer_to_text(answer, bold=True, root=ROOT, claim=True)
    assert "\033[1mICT products and services providers should \033[0m\033[1m\033[4mnot\033[0m" in text
    assert text.endswith("  ≠ states a negation the claim does not make: “not”\n  ≠ does not mention “Lyon”")
    plain = answer_to_text(answer, root=ROOT, claim=True)
    assert "\033" not in plain and STATEMENT in plain.replace("> ", "")  # piped: the quote as it stands
    markdown = answer_to_markdown(answer, root=ROOT, claim=True)
    assert markdown.endswith("  \n≠ states a negation the claim does not make: “not”  \n≠ does not mention “Lyon”")
