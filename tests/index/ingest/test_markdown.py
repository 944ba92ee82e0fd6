from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotebot.index.ingest.markdown import Block, markdown_blocks, section_label
from quotebot.index.text import iter_lines

HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)$")
UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*$")


def blocks_of(text: str, skip_until: int = 0) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(b.kind, text[b.start : b.end], b.section) for b in markdown_blocks(text, skip_until)]


def assert_exact(text: str, blocks: list[Block], skip_until: int = 0) -> None:
    previous_end = skip_until
    for block in blocks:
        piece = text[block.start : block.end]
        assert piece and piece == piece.strip() and piece.strip("\u200b\ufeff") == piece
        assert previous_end <= block.start < block.end <= len(text)
        assert block.whole == (block.kind in ("code", "table"))
        previous_end = block.end


HANDBOOK = """# Data security

Keep data safe.

## Principles

Least privilege
for everyone.

## Practices

Rotate keys.

# Other

### Deep *and* `odd` ##

Skipped a level.
"""


def test_nested_sections_and_labels() -> None:
    blocks = markdown_blocks(HANDBOOK)
    assert_exact(HANDBOOK, blocks)
    assert [(HANDBOOK[b.start : b.end], section_label(b.section)) for b in blocks] == [
        ("Keep data safe.", "Data security"),
        ("Least privilege\nfor everyone.", "Data security › Principles"),
        ("Rotate keys.", "Data security › Practices"),
        ("Skipped a level.", "Other › Deep and odd"),
    ]
    assert blocks[-1].section == ("Other", "Deep and odd")


@pytest.mark.parametrize(
    ("section", "label"),
    [((), None), (("A",), "A"), (("Data security", "Principles"), "Data security › Principles")],
)
def test_section_label(section: tuple[str, ...], label: str | None) -> None:
    assert section_label(section) == label


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("## **Bold** heading ##", "Bold heading"),
        ("##   `code_name`   ", "code_name"),
        ("## snake_case and 2*3*4", "snake_case and 2*3*4"),
        ("## _em_ #hash", "em #hash"),
        ("   ### three spaces", "three spaces"),
    ],
)
def test_heading_text_is_cleaned(heading: str, title: str) -> None:
    text = f"{heading}\n\nBody."
    assert blocks_of(text) == [("paragraph", "Body.", (title,))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#hashtag is text", [("paragraph", "#hashtag is text", ())]),
        ("    # indented four", [("paragraph", "# indented four", ())]),
        ("####### seven", [("paragraph", "####### seven", ())]),
        ("# A\n#\nafter empty heading", [("paragraph", "after empty heading", ())]),
    ],
)
def test_what_is_not_a_heading(text: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert blocks_of(text) == expected


def test_setext_headings() -> None:
    text = "Title\n=====\n\nIntro.\n\nPart one\n--------\nBody one.\nStill body.\nSub ---\n---\n"
    assert blocks_of(text) == [
        ("paragraph", "Intro.", ("Title",)),
        ("paragraph", "Body one.\nStill body.", ("Title", "Part one")),
    ]
    assert markdown_blocks(text)[-1].section == ("Title", "Part one")


def test_only_the_underlined_line_is_a_setext_heading() -> None:
    text = "first line\nHeading\n===\nbody"
    assert blocks_of(text) == [("paragraph", "first line", ()), ("paragraph", "body", ("Heading",))]


FENCED = """# Code

Before.

```python
# a comment, not a heading

def f():

    return 1
```

## After
Text.
"""


def test_code_block_is_whole_with_blank_and_hash_lines() -> None:
    blocks = markdown_blocks(FENCED)
    assert_exact(FENCED, blocks)
    code = [b for b in blocks if b.kind == "code"]
    assert len(code) == 1 and code[0].whole and code[0].section == ("Code",)
    assert FENCED[code[0].start : code[0].end] == FENCED[FENCED.index("```") : FENCED.rindex("```") + 3]
    assert blocks_of(FENCED)[-1] == ("paragraph", "Text.", ("Code", "After"))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("~~~~\n# x\n~~~\nstill code\n~~~~~\nafter", "~~~~\n# x\n~~~\nstill code\n~~~~~"),
        ("````md\n```\n# x\n````\nafter", "````md\n```\n# x\n````"),
        ("``` not `a fence`\n# H\nafter", None),
    ],
)
def test_fences_close_with_the_same_fence(text: str, code: str | None) -> None:
    found = [piece for kind, piece, _ in blocks_of(text) if kind == "code"]
    assert found == ([code] if code else [])


def test_unclosed_fence_runs_to_the_end() -> None:
    text = "Intro.\n\n```\n# not a heading\n\nlast line\n\n"
    assert blocks_of(text) == [("paragraph", "Intro.", ()), ("code", "```\n# not a heading\n\nlast line", ())]


@pytest.mark.parametrize(
    "table",
    [
        "| Name | Value |\n|------|------:|\n| a | 1 |\n| b | 2 |",
        "Name | Value\n--- | :---:\na | 1\nb | 2",
        "| just | pipes |\n| no | delimiter |",
    ],
)
def test_table_is_one_whole_block(table: str) -> None:
    text = f"## Data\nLead-in paragraph.\n{table}\nAfter the table.\n"
    blocks = markdown_blocks(text)
    assert_exact(text, blocks)
    assert blocks_of(text) == [
        ("paragraph", "Lead-in paragraph.", ("Data",)),
        ("table", table, ("Data",)),
        ("paragraph", "After the table.", ("Data",)),
    ]
    assert blocks[1].whole


LISTS = """Steps:

- first
  continued
- second
wrapped lazily

- third after a blank line
  1. nested
  2. nested too

      indented paragraph of the nested item

* other bullet starts a new list

1. one
2) two

Paragraph.
"""


def test_lists() -> None:
    assert blocks_of(LISTS) == [
        ("paragraph", "Steps:", ()),
        ("list", LISTS[LISTS.index("- first") : LISTS.index("\n\n* other")], ()),
        ("list", "* other bullet starts a new list", ()),
        ("list", "1. one\n2) two", ()),
        ("paragraph", "Paragraph.", ()),
    ]
    assert not any(b.whole for b in markdown_blocks(LISTS))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n\n* c", [("list", "- a\n- b", ()), ("list", "* c", ())]),
        ("1. a\n\n2. b\n\n3) c", [("list", "1. a\n\n2. b", ()), ("list", "3) c", ())]),
        ("- a\n\nnot indented", [("list", "- a", ()), ("paragraph", "not indented", ())]),
        ("- a\n# H\n- b", [("list", "- a", ()), ("list", "- b", ("H",))]),
        ("- a\n   ## H\n  - b", [("list", "- a", ()), ("list", "- b", ("H",))]),
        ("- a\n---\n- b", [("list", "- a", ()), ("list", "- b", ())]),
        ("- a\n> quote", [("list", "- a", ()), ("quote", "> quote", ())]),
        ("text\n- item", [("paragraph", "text", ()), ("list", "- item", ())]),
        ("born in\n2019. the year", [("paragraph", "born in\n2019. the year", ())]),
        ("* * *\n- a", [("list", "- a", ())]),
    ],
)
def test_list_boundaries(text: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert blocks_of(text) == expected


def test_fence_nested_in_a_list_stays_in_the_list() -> None:
    text = "- run:\n\n  ```sh\n  # install\n\n  make\n  ```\n- done\n\n# Next\nText."
    assert blocks_of(text) == [
        ("list", text[: text.index("\n\n# Next")], ()),
        ("paragraph", "Text.", ("Next",)),
    ]


def test_quotes() -> None:
    text = "> first\n>\n> second\n\n> another\nplain"
    assert blocks_of(text) == [
        ("quote", "> first\n>\n> second", ()),
        ("quote", "> another", ()),
        ("paragraph", "plain", ()),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<!-- a comment -->\n---\n***\n___\n- - -",
        "<!--\nmulti-line\n# not a heading\n-->",
        "",
        "  \n\n\t\n\u200b\n",
    ],
)
def test_comments_rules_and_blank_text_are_not_blocks(text: str) -> None:
    assert markdown_blocks(text) == []


def test_unclosed_comment_drops_only_its_line() -> None:
    assert blocks_of("<!-- oops\nReal text.") == [("paragraph", "Real text.", ())]


def test_comment_interrupts_a_paragraph() -> None:
    assert blocks_of("one\n<!-- c -->\ntwo") == [("paragraph", "one", ()), ("paragraph", "two", ())]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_endings_give_the_same_blocks(newline: str) -> None:
    for source in (HANDBOOK, FENCED, LISTS):
        text = source.replace("\n", newline)
        blocks = markdown_blocks(text)
        assert_exact(text, blocks)
        unix = [(kind, piece.replace(newline, "\n"), section) for kind, piece, section in blocks_of(text)]
        assert unix == blocks_of(source)


def test_skip_until_ignores_front_matter_and_headings_before_it() -> None:
    text = "---\ntitle: X\n---\n# Gone\nkept\n\nText.\n## Sub\nMore."
    skip = text.index("kept")
    blocks = markdown_blocks(text, skip)
    assert_exact(text, blocks, skip)
    assert blocks_of(text, skip) == [
        ("paragraph", "kept", ()),
        ("paragraph", "Text.", ()),
        ("paragraph", "More.", ("Sub",)),
    ]


def test_skip_until_mid_line_reads_the_rest_of_the_line() -> None:
    text = "xx# Title\nBody."
    assert blocks_of(text, 2) == [("paragraph", "Body.", ("Title",))]
    assert markdown_blocks(text, len(text)) == []


def test_leading_bom_does_not_hide_a_heading() -> None:
    text = "\ufeff# Title\nBody."
    assert blocks_of(text) == [("paragraph", "Body.", ("Title",))]


MARKDOWN_LINES = st.sampled_from(
    [
        "# Title",
        "## Sub *em*",
        "   ### Deep ##",
        "  ## Indented",
        " # One space",
        "#nospace",
        "```",
        "```python",
        "~~~",
        "````",
        "  ```",
        "| a | b |",
        "|---|---|",
        "a | b",
        "--- | ---",
        "- item",
        "* star",
        "+ plus",
        "1. one",
        "2) two",
        "  - nested",
        "    indented code",
        "\t- tab item",
        "> quoted",
        ">",
        "---",
        "===",
        "***",
        "-",
        "<!-- note -->",
        "<!--",
        "-->",
        "",
        "",
        "   ",
        "\u200b",
    ]
)
# Two draws in three are Markdown syntax, so that constructs meet each other often.
LINES = st.one_of(MARKDOWN_LINES, MARKDOWN_LINES, st.from_regex(r"[a-z]{1,8}( [a-z]{1,8}){0,3}", fullmatch=True))


def _clipped_lines(text: str, skip_until: int) -> list[tuple[int, int]]:
    return [(max(s, skip_until), e) for s, e in iter_lines(text) if e >= skip_until]


def _headings_outside_fences(text: str, block: Block, skip_until: int) -> list[str]:
    found: list[str] = []
    fence: tuple[str, int] | None = None
    for s, e in _clipped_lines(text, skip_until):
        if e <= block.start or s >= block.end:
            continue
        line = text[s:e]
        opener = FENCE.match(line)
        if fence is None and opener and not (opener[1][0] == "`" and "`" in opener[2]):
            fence = (opener[1][0], len(opener[1]))
        elif fence and opener and not opener[2].strip() and opener[1][0] == fence[0] and len(opener[1]) >= fence[1]:
            fence = None
        elif fence is None and HEADING.match(line):
            found.append(line)
    return found


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(LINES, max_size=30),
    newlines=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=30, max_size=30),
    skip_line=st.integers(min_value=0, max_value=5),
)
def test_blocks_are_ordered_exact_and_free_of_headings(lines: list[str], newlines: list[str], skip_line: int) -> None:
    text = "".join(line + newline for line, newline in zip(lines, newlines, strict=False))
    starts = [s for s, _ in iter_lines(text)]
    skip_until = starts[min(skip_line, len(starts) - 1)]
    blocks = markdown_blocks(text, skip_until)
    assert_exact(text, blocks, skip_until)
    for block in blocks:
        if block.kind != "code":
            assert _headings_outside_fences(text, block, skip_until) == []
    if any("<!--" in line for line in lines):
        return  # a multi-line comment may hide word lines
    spans = _clipped_lines(text, skip_until)
    for index, (s, e) in enumerate(spans):
        underlined = index + 1 < len(spans) and UNDERLINE.match(text[slice(*spans[index + 1])])
        if re.fullmatch(r"[a-z]+( [a-z]+)*", text[s:e]) and not underlined:
            assert any(b.start <= s and e <= b.end for b in blocks), text[s:e]
