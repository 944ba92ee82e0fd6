from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from quotebot.index.build import chunk_document
from quotebot.index.ingest.chunker import MAX_CHUNK_CHARS, approximate_tokens, chunk_paragraphs, split_paragraphs
from quotebot.index.ingest.files import load_document
from quotebot.index.models import Chunk, Document
from tests.fakes import SEED

LONG = " ".join(f"Sentence number {i} talks about data security and cooperation." for i in range(60))

DOCUMENTS = {
    "crlf": "Title Of The Note\r\n\r\nFirst paragraph here. It has two sentences.\r\n\r\nSecond paragraph, also real.\r\n",
    "tabs": "\tIndented paragraph with\ttabs inside it.\n\n\tAnother one\twith tabs too.\n",
    "non_ascii": "Überblick über Datenschutz\n\nDie Staaten sollten Daten schützen — überall.\n\n数据安全是全球性问题。各国应合作。\n",
    "long": f"A Long Document\n\n{LONG}\n\nShort closing paragraph of the text.\n",
    "one_per_line": "Heading Line Here\nFirst paragraph is a full line. It ends here.\nSecond line is a paragraph too.\n",
    "wrapped": (
        "Wrapped Document\n\nThis paragraph is hard wrapped at a fixed width so\nthat it continues on the "
        "next line without a\nblank line between its parts.\n\nAnother paragraph follows after a blank line and\n"
        "also wraps around.\n"
    ),
    "bom": "\ufeffTitle With Bom\n\nBody text of the document is here.\n",
    "cr_only": "Old Mac Title\r\rA paragraph with CR line endings only.\rAnother paragraph line.\r",
}


def _chunks(
    tmp_path: Path,
    name: str,
    text: str,
    suffix: str = ".txt",
    tokens: int = 60,
    count: Callable[[str], int] = approximate_tokens,
) -> tuple[Document, list[Chunk]]:
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(text.encode("utf-8"))
    document = load_document(path, path.name)
    return document, chunk_document(document, chunk_tokens=tokens, count_tokens=count)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_chunk_is_an_exact_slice(tmp_path: Path, name: str) -> None:
    document, chunks = _chunks(tmp_path, name, DOCUMENTS[name])
    assert chunks
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip()


def test_long_paragraph_is_windowed_at_sentence_boundaries(tmp_path: Path) -> None:
    document, chunks = _chunks(tmp_path, "long", DOCUMENTS["long"])
    windows = [c for c in chunks if c.paragraph == 1]
    assert len(windows) > 1
    assert "".join(document.text[c.start : c.end] + " " for c in windows).strip() == LONG
    for window in windows:
        assert window.text.endswith(".") and window.text.startswith("Sentence number")
        assert approximate_tokens(window.text) <= 60


def test_one_paragraph_per_line_and_hard_wrapped_files(tmp_path: Path) -> None:
    _, per_line = _chunks(tmp_path, "one_per_line", DOCUMENTS["one_per_line"])
    assert [c.text for c in per_line] == [
        "First paragraph is a full line. It ends here.",
        "Second line is a paragraph too.",
    ]
    _, wrapped = _chunks(tmp_path, "wrapped", DOCUMENTS["wrapped"])
    assert len(wrapped) == 2
    assert wrapped[0].text.endswith("blank line between its parts.")


def test_seed_paragraphs_skip_furniture_and_join_the_lead_in() -> None:
    document = load_document(SEED, SEED.name)
    chunks = chunk_document(document, chunk_tokens=200, count_tokens=approximate_tokens)
    texts = [c.text for c in chunks]
    assert texts[0].startswith("We are living in an unprecedented digital age.")
    assert chunks[0].paragraph == 1
    assert chunks[-1].text.startswith("China supports the draft resolution") and chunks[-1].paragraph == 11
    for furniture in ("Mr. Chair,", "Mr Chair,", "Print", "Suggest to a friend", "Thank you, Mr. Chair.", "Home"):
        assert not any(t.strip() == furniture or t.startswith(furniture + "\n") for t in texts)
    assert not any("Statement of the Chinese Delegation" in t or "2020-10-30" in t for t in texts)
    lead_in = next(c for c in chunks if c.paragraph == 7)
    assert lead_in.last_paragraph == 8
    assert lead_in.text.startswith("With regard to") and lead_in.text.endswith("a basis for future work.")
    second = next(c for c in chunks if c.paragraph == 9)
    assert second.context == "" and "following elements" not in second.text


def test_lead_in_can_be_carried_as_context_into_enumerated_items() -> None:
    from quotebot.index.ingest.chunker import chunk_paragraphs

    text = "We ask for the following:\n\nFirst, one thing.\n\nSecond, another.\n\nUnrelated closing words here."
    spans = split_paragraphs(text)
    chunks = chunk_paragraphs("d", text, spans, carry_lead_in=True)
    assert [c.context for c in chunks] == ["", "We ask for the following:", ""]
    assert chunks[0].text == "We ask for the following:\n\nFirst, one thing." and chunks[0].last_paragraph == 2


def test_paragraph_spans_strip_surrounding_whitespace() -> None:
    text = "  \u00a0First line.  \n\n   Second.\t\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == ["First line.", "Second."]


# --- passage length: no chunk longer than MAX_CHUNK_CHARS, whatever the text ----------------------------------

_RANDOM_WORDS = [
    "".join(random.Random(seed).choices("abcdefghijklmnopqrstuvwxyz", k=2 + seed % 9)) for seed in range(500)
]


def _strict(text: str) -> int:
    """Count a token every 3 characters: stricter than the approximate counter on plain words."""
    return len(text) // 3


class _Counting:
    """Wrap a token counter, recording how often it was called and the longest text it was given."""

    def __init__(self, count: Callable[[str], int]) -> None:
        self.count = count
        self.calls = 0
        self.longest = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        self.longest = max(self.longest, len(text))
        return self.count(text)


def _no_break_text(size: int, line_end: str | None) -> str:
    """Return about `size` characters of random words: no full stop, no blank line, lines only if `line_end`."""
    words = random.Random(5).choices(_RANDOM_WORDS, k=size // 6)
    if line_end is None:
        return " ".join(words)
    return line_end.join(" ".join(words[i : i + 12]) for i in range(0, len(words), 12))  # hard-wrapped


def _assert_windows_of(text: str, chunks: list[Chunk], tokens: int, count: Callable[[str], int]) -> None:
    """Assert the chunks are exact, capped, consecutive slices of `text` that cut only at whitespace."""
    for chunk, after in zip(chunks, [*chunks[1:], None], strict=True):
        assert chunk.text == text[chunk.start : chunk.end] and chunk.text == chunk.text.strip()
        assert len(chunk.text) <= MAX_CHUNK_CHARS and count(chunk.text) <= tokens
        assert chunk.start == 0 or text[chunk.start - 1].isspace()
        assert chunk.end == len(text) or text[chunk.end].isspace()
        if after:
            assert text[chunk.end : after.start].isspace()  # consecutive: nothing but the space between them
    assert [w for c in chunks for w in c.text.split()] == text.split()


@pytest.mark.parametrize(("count", "tokens"), [(approximate_tokens, 200), (_strict, 200), (_strict, 60)])
@pytest.mark.parametrize("line_end", [None, "\r\n", "\n"], ids=["one-line", "crlf-wrapped", "lf-wrapped"])
def test_text_without_sentence_ends_is_cut_at_word_boundaries(
    tmp_path: Path, count: Callable[[str], int], tokens: int, line_end: str | None
) -> None:
    text = _no_break_text(1_000_000, line_end)
    counting = _Counting(count)
    document, chunks = _chunks(tmp_path, "nobreak", text, tokens=tokens, count=counting)
    assert document.text == text
    _assert_windows_of(text, chunks, tokens, count)
    assert all(c.paragraph == 1 for c in chunks)  # one paragraph, many windows
    # Never a megabyte to the tokenizer, and about one count per window.
    assert counting.longest <= MAX_CHUNK_CHARS
    assert counting.calls <= 2 * len(chunks) + 5


@pytest.mark.parametrize("count", [approximate_tokens, _strict])
@pytest.mark.parametrize(
    "run",
    [
        "x" * 10_000,
        "".join(random.Random(2).choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", k=12_000)),
        "数据安全是全球性问题各国应合作" * 700,  # CJK without spaces or a sentence end
    ],
    ids=["letters", "base64", "cjk"],
)
def test_a_run_without_whitespace_is_cut_into_capped_pieces(run: str, count: Callable[[str], int]) -> None:
    # Straight to the chunker: a paragraph of one "word" is furniture to chunk_document, never a chunk.
    pieces = chunk_paragraphs("d", run, [(0, len(run))], max_tokens=200, count_tokens=count)
    assert len(pieces) > 1
    assert "".join(c.text for c in pieces) == run  # consecutive, nothing lost, nothing twice
    for piece, after in itertools.pairwise(pieces):
        assert piece.end == after.start
    assert all(len(c.text) <= MAX_CHUNK_CHARS and count(c.text) <= 200 for c in pieces)


def test_a_sentence_over_the_token_window_stays_whole_and_only_one_over_the_cap_is_cut() -> None:
    long_sentence = " ".join(_RANDOM_WORDS[:150]) + "."  # about 200 approximate tokens, about 1,000 characters
    huge = " ".join(_RANDOM_WORDS * 2) + "."  # about 7,000 characters before its full stop
    text = f"The first sentence is short. {long_sentence} A short one. {huge} The last one is short too."
    chunks = chunk_paragraphs("d", text, [(0, len(text))], max_tokens=60, count_tokens=approximate_tokens)
    assert [c.text for c in chunks[:3]] == ["The first sentence is short.", long_sentence, "A short one."]
    assert chunks[-1].text == "The last one is short too."
    middle = chunks[3:-1]  # the 7,000-character "sentence": cut at spaces, each piece within the window
    assert len(middle) > 1 and " ".join(c.text for c in middle) == huge
    assert all(approximate_tokens(c.text) <= 60 and text[c.end].isspace() for c in middle)


_CODE_LINE = "    total = compute(values[{i}], weights[{i}])  # step {i}"
_LONG_BLOCKS = {
    "code": "```python\n" + "\n".join(_CODE_LINE.format(i=i) for i in range(300)) + "\n```",
    "table": "| a | b |\n|---|---|\n" + "\n".join(f"| cell {i} | value {i * 7} |" for i in range(400)),
}


@pytest.mark.parametrize("kind", sorted(_LONG_BLOCKS))
def test_a_block_longer_than_a_chunk_is_cut_at_line_breaks(tmp_path: Path, kind: str) -> None:
    block = _LONG_BLOCKS[kind]
    text = f"# Title\n\nSome words before.\n\n## The block\n\n{block}\n"  # its own section: no lead-in joins it
    document, chunks = _chunks(tmp_path, kind, text, ".md", tokens=60)
    text = document.text
    pieces = [c for c in chunks if c.start >= text.index(block)]
    assert len(pieces) > 1 and len(block) > MAX_CHUNK_CHARS
    for piece, after in zip(pieces, [*pieces[1:], None], strict=True):
        assert piece.text == text[piece.start : piece.end] and len(piece.text) <= MAX_CHUNK_CHARS
        assert text[text.rfind("\n", 0, piece.start) + 1 : piece.start].strip() == ""  # starts a line
        assert text[piece.end] == "\n"  # ends one
        if after:
            assert text[piece.end : after.start].strip() == ""
    assert [line.strip() for c in pieces for line in c.text.splitlines()] == [
        line.strip() for line in block.splitlines()
    ]


def test_a_short_block_stays_whole_and_a_long_line_in_one_is_cut_at_spaces(tmp_path: Path) -> None:
    short = "```\n" + "\n".join(_CODE_LINE.format(i=i) for i in range(60)) + "\n```"  # over 60 tokens, under the cap
    long_line = " ".join(_RANDOM_WORDS) * 3  # one line of about 8,000 characters
    text = f"# Title\n\n{short}\n\nBetween the blocks.\n\n## Long line\n\n```\n{long_line}\n```\n"
    document, chunks = _chunks(tmp_path, "blocks", text, ".md", tokens=60)
    assert chunks[0].text == short
    pieces = [c for c in chunks if c.start > document.text.index("Between the blocks.")]
    assert pieces[0].text.startswith("```\n") and pieces[-1].text.endswith("\n```")  # the fences join the pieces
    assert [w for p in pieces for w in p.text.split()] == ["```", *long_line.split(), "```"]
    assert all(document.text[p.end].isspace() for p in pieces)  # cut at spaces
    assert all(len(p.text) <= MAX_CHUNK_CHARS for p in pieces)


def test_seed_prose_keeps_its_sentence_windows() -> None:
    document = load_document(SEED, SEED.name)
    chunks = chunk_document(document, chunk_tokens=200, count_tokens=approximate_tokens)
    assert len(chunks) == 11  # as with CHUNKER_VERSION 4, before passages were capped: no sentence there is cut
    for chunk in chunks:
        assert re.search(r"[.!?]$", chunk.text) and chunk.text[0].isupper()


INTRODUCED = {
    "list": "- `0`: no error\n- `1`: the file was not found\n- `2`: the file was locked",
    "code": "```sh\npip install --proxy http://proxy:3128 quotebot\n```",
    "table": "| flag | meaning |\n|---|---|\n| `-k` | number of results |",
}


@pytest.mark.parametrize("kind", sorted(INTRODUCED))
def test_the_paragraph_before_a_list_code_or_table_is_quoted_with_it(tmp_path: Path, kind: str) -> None:
    lead = "Exit codes combine bitwise. This gives these possibilities."  # ends with a full stop, not a colon
    text = f"# Tool\n\nSome unrelated words come first here.\n\n{lead}\n\n{INTRODUCED[kind]}\n\n## Other\n\nLater text.\n"
    document, chunks = _chunks(tmp_path, kind, text, ".md")
    [joined] = [c for c in chunks if lead in c.text]
    assert joined.text == f"{lead}\n\n{INTRODUCED[kind]}" == document.text[joined.start : joined.end]
    assert (joined.paragraph, joined.last_paragraph) == (2, 3)
    assert [c.text for c in chunks if c is not joined] == ["Some unrelated words come first here.", "Later text."]


def test_a_block_under_another_heading_is_not_joined(tmp_path: Path) -> None:
    text = "# Tool\n\nA paragraph of its own.\n\n## Install\n\n```sh\npip install quotebot\n```\n"
    _, chunks = _chunks(tmp_path, "apart", text, ".md")
    assert [c.text for c in chunks] == ["A paragraph of its own.", "```sh\npip install quotebot\n```"]


FAQ_TEXT = """Frequently Asked Questions

1. My series has duplicate times. What do I do?

Average them with aggregate() before you build the series.

Or keep the last of each run.

A third block, still under the same question.

A fourth block, too far from the question to read it.

2. Why is the log axis warning issued?

Because the axis has zero or negative values.
"""


@pytest.mark.parametrize(("suffix", "kind"), [(".txt", "text"), (".md", "markdown")])
def test_the_blocks_after_a_question_line_read_it_as_context(tmp_path: Path, suffix: str, kind: str) -> None:
    document, chunks = _chunks(tmp_path, "faq", FAQ_TEXT, suffix)
    assert document.kind == kind
    by_text = {c.text.split("\n")[0]: c for c in chunks}
    first, second = "1. My series has duplicate times. What do I do?", "2. Why is the log axis warning issued?"
    assert first not in by_text[first].context  # the question line itself is quoted, not carried
    for block in ("Average them", "Or keep the last", "A third block"):
        assert next(c for t, c in by_text.items() if t.startswith(block)).context.endswith(first)
    assert first not in next(c for t, c in by_text.items() if t.startswith("A fourth")).context  # past its reach
    assert next(c for t, c in by_text.items() if t.startswith("Because")).context.endswith(second)
    assert all(c.search_text.endswith(c.text) and document.text[c.start : c.end] == c.text for c in chunks)


def test_a_question_line_does_not_reach_into_the_next_section(tmp_path: Path) -> None:
    text = "# Guide\n\n## Usage\n\nCan I run it twice?\n\n## Install\n\nInstall it with pip.\n"
    _, chunks = _chunks(tmp_path, "guide", text, ".md")
    install = next(c for c in chunks if c.text.startswith("Install it"))
    assert "Can I run it twice?" not in install.context
