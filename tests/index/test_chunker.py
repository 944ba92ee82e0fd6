from __future__ import annotations

from pathlib import Path

import pytest

from index.builder import chunk_document
from index.chunker import approximate_tokens, split_paragraphs
from index.loader import load_document
from tests.conftest import SEED

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


def _chunks(tmp_path: Path, name: str, text: str, suffix: str = ".txt"):
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(text.encode("utf-8"))
    document = load_document(path, path.name)
    return document, chunk_document(document, chunk_tokens=60, count_tokens=approximate_tokens)


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
    from index.chunker import chunk_paragraphs

    text = "We ask for the following:\n\nFirst, one thing.\n\nSecond, another.\n\nUnrelated closing words here."
    spans = split_paragraphs(text)
    chunks = chunk_paragraphs("d", text, spans, carry_lead_in=True)
    assert [c.context for c in chunks] == ["", "We ask for the following:", ""]
    assert chunks[0].text == "We ask for the following:\n\nFirst, one thing." and chunks[0].last_paragraph == 2


def test_paragraph_spans_strip_surrounding_whitespace() -> None:
    text = "  \u00a0First line.  \n\n   Second.\t\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == ["First line.", "Second."]
