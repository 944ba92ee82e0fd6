"""Markdown, HTML, PDF and sidecar metadata, end to end through a build: sections, pages, links, verbatim text."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from quotebot.index import Embedder
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import BuildOptions, build_index, check_index, open_engine
from quotebot.index.store.layout import StoredIndex, load_index
from tests.fakes import FakeEmbedder
from tests.index.ingest.test_extract import CONCLUSION, CROSS, _report

MARKDOWN = """---
title: Team Handbook
url: https://handbook.example.org/policy
---
# Team Handbook

## Data security

### Principles

Customer data is encrypted at rest and keys rotate every ninety days.

### Incidents

Report a suspected breach to the security channel within one hour.

## Deployments

```sh
make release

# never on Fridays
```

| Environment | Approver |
|---|---|
| production | the on-call lead |
"""
HTML = """<html><head><title>Office guide</title>
<link rel="canonical" href="https://intranet.example.org/office-guide">
<meta property="article:published_time" content="2024-05-02T10:00:00Z"></head><body>
<nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
<main><article><h1>Office guide</h1><h2>Parking</h2>
<p>Visitors park in the north lot; staff with permits use the underground garage on level two.</p>
<h2>Kitchen</h2><p>The kitchen is cleaned every evening at six, and the fridge is emptied on Fridays.</p>
</article></main><footer>Copyright 2024 Example Corp, all rights reserved.</footer></body></html>
"""
MINUTES = "The board approved the new travel budget of forty thousand euros for the spring conference season.\n"
SIDECAR = 'title = "Minutes of the March board"\nurl = "https://example.org/minutes"\ndate = "14 March 2024"\n'


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "handbook.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "office.html").write_text(HTML, encoding="utf-8")
    (folder / "review.pdf").write_bytes(_report())
    (folder / "minutes.txt").write_text(MINUTES, encoding="utf-8")
    (folder / "minutes.txt.meta.toml").write_text(SIDECAR, encoding="utf-8")
    return folder


@pytest.fixture
def built(corpus: Path, tmp_path: Path) -> tuple[Path, StoredIndex]:
    index = tmp_path / "index"
    build_index(corpus, index, FakeEmbedder())
    return index, load_index(index)


def _chunks(stored: StoredIndex, doc_id: str) -> list:
    return [c for c in stored.chunks if c.doc_id == doc_id]


def test_markdown_headings_are_sections_not_passages(built: tuple[Path, StoredIndex]) -> None:
    chunks = _chunks(built[1], "handbook.md")
    assert [c.section for c in chunks] == [
        "Data security › Principles",
        "Data security › Incidents",
        *["Deployments"] * 2,
    ]
    assert not any(c.text.lstrip().startswith("#") and "never" not in c.text for c in chunks)
    assert [c.paragraph for c in chunks] == [1, 2, 3, 4]


def test_markdown_code_blocks_and_tables_stay_whole(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "small", FakeEmbedder(), BuildOptions(chunk_tokens=32))  # windows far smaller than the blocks
    code, table = _chunks(load_index(tmp_path / "small"), "handbook.md")[2:]
    assert code.text == "```sh\nmake release\n\n# never on Fridays\n```"
    assert table.text.startswith("| Environment") and table.text.endswith("the on-call lead |")


def test_pdf_passages_cite_page_and_paragraph_of_the_page(built: tuple[Path, StoredIndex]) -> None:
    chunks = {c.text: c for c in _chunks(built[1], "review.pdf")}
    assert (chunks[CROSS].page, chunks[CONCLUSION].page) == (1, 3)  # CROSS starts on page 1, runs onto page 2
    assert chunks[CONCLUSION].paragraph == 1  # the page's heading is furniture, not a paragraph
    assert "Basin Review 2024" not in "".join(chunks)  # the running header never reaches a passage


@pytest.mark.parametrize("doc_id", ["review.pdf", "office.html"])
def test_extracted_passages_are_slices_of_the_stored_text(built: tuple[Path, StoredIndex], doc_id: str) -> None:
    stored = built[1]
    record = stored.manifest.document(doc_id)
    assert record is not None and record.kind == doc_id.rsplit(".", 1)[1]
    text = stored.extracted_text(record.sha256)
    assert text is not None
    for chunk in _chunks(stored, doc_id):
        assert text[chunk.start : chunk.end] == chunk.text


def test_html_keeps_title_date_url_and_drops_navigation(built: tuple[Path, StoredIndex]) -> None:
    stored = built[1]
    record = stored.manifest.document("office.html")
    assert record is not None
    assert (record.title, record.date, record.url) == (
        "Office guide",
        "2024-05-02",
        "https://intranet.example.org/office-guide",
    )
    texts = " ".join(c.text for c in _chunks(stored, "office.html"))
    assert "About us" not in texts and "Copyright" not in texts
    assert [c.section for c in _chunks(stored, "office.html")] == ["Parking", "Kitchen"]


def test_answers_carry_section_page_and_deep_link(corpus: Path, built: tuple[Path, StoredIndex]) -> None:
    engine = open_engine(corpus, built[0], FakeEmbedder(), rebuild=False)
    parking = engine.answer("Where do visitors park in the north lot?").passages[0]
    assert (parking.section, parking.page) == ("Parking", None)
    assert (
        parking.url
        == "https://intranet.example.org/office-guide#:~:text=Visitors%20park%20in%20the,garage%20on%20level%20two."
    )
    board = engine.answer("What travel budget did the board approve?").passages[0]
    assert (board.title, board.date) == ("Minutes of the March board", "2024-03-14")
    assert board.url is not None and board.url.startswith("https://example.org/minutes#:~:text=The%20board")
    plan = engine.answer("Who reports every spring on whether the withdrawal targets were met?").passages[0]
    assert (plan.page, plan.paragraph_label, plan.url) == (3, "p. 3, ¶ 1", None)


def test_unparseable_files_are_skipped_one_line_each_and_stay_skipped(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(300))
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (corpus / "empty.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        manifest = build_index(corpus, tmp_path / "index", FakeEmbedder())
    skipped = sorted(r.getMessage().split(":")[0] for r in caplog.records if "skipped" in r.getMessage())
    assert skipped == [f"skipped {corpus / n}" for n in ("binary.txt", "broken.pdf", "empty.html")]
    assert len(manifest.documents) == 4 and sorted(manifest.skipped) == ["binary.txt", "broken.pdf", "empty.html"]
    assert check_index(corpus, tmp_path / "index", model="fake-bow") is None  # not "added"
    (corpus / "broken.pdf").write_bytes(_report())  # repaired: now it must be indexed
    assert "added" in (check_index(corpus, tmp_path / "index", model="fake-bow") or "")


def test_editing_a_sidecar_or_a_pdf_makes_the_index_stale(corpus: Path, built: tuple[Path, StoredIndex]) -> None:
    index = built[0]
    assert check_index(corpus, index, model="fake-bow") is None
    (corpus / "minutes.txt.meta.toml").write_text(SIDECAR.replace("March", "April"), encoding="utf-8")
    assert "changed" in (check_index(corpus, index, model="fake-bow") or "")


def test_a_changed_pdf_is_not_quoted_from_the_old_extraction(corpus: Path, built: tuple[Path, StoredIndex]) -> None:
    engine = open_engine(corpus, built[0], FakeEmbedder(), rebuild=False)
    question = "Who reports every spring on whether the withdrawal targets were met?"
    assert engine.answer(question).passages[0].page == 3
    (corpus / "review.pdf").write_bytes(_report(footer_style="- {n} -"))  # same words, other bytes
    answer = engine.answer(question)
    assert answer.stale and all(p.doc_id != "review.pdf" for p in answer.passages)


@pytest.fixture(scope="module")
def real_engine(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> QuoteEngine:
    folder = tmp_path_factory.mktemp("formats")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in (("handbook.md", MARKDOWN), ("office.html", HTML), ("minutes.txt", MINUTES)):
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "review.pdf").write_bytes(_report())
    return open_engine(corpus, folder / "index", real_embedder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "doc_id", "label"),
    [
        ("How often are the encryption keys rotated?", "handbook.md", "Data security › Principles"),
        ("Who has to approve a production release?", "handbook.md", "Deployments"),
        ("When is the fridge emptied?", "office.html", "Kitchen"),
        ("How often did upstream withdrawals exceed the agreed limits?", "review.pdf", "p. 2"),
        ("By how much does the plan cut withdrawals in dry summers?", "review.pdf", "p. 3"),
        ("How big is the travel budget the board approved?", "minutes.txt", "¶ 1"),
    ],
)
def test_the_real_model_finds_answers_in_every_format(
    real_engine: QuoteEngine, question: str, doc_id: str, label: str
) -> None:
    answer = real_engine.answer(question)
    best = answer.passages[0]
    assert answer.answered and best.doc_id == doc_id
    assert label in f"{best.section} {best.paragraph_label}"
