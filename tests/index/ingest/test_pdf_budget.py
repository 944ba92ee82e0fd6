"""Tests of the work budget of PDF extraction: a tiny file must not stall a build for minutes.

The PDFs are written here, the bombs byte by byte (fpdf2 never shares a stream between pages).
"""

from __future__ import annotations

import itertools
import logging
import math
import random
import zlib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pypdf
import pytest
from fpdf import FPDF

from quotebot.index.errors import DocumentFormatError
from quotebot.index.ingest.extract import pdf as pdf_module
from quotebot.index.ingest.extract.pdf import DEFAULT_BUDGET, PdfBudget, extract_pdf
from quotebot.index.ingest.files import read_corpus

UNLIMITED = PdfBudget(content_bytes_per_file_byte=math.inf, min_content_bytes=0, seconds=math.inf)
_WORDS = ("river", "basin", "water", "towns", "farms", "summer", "demand", "flow", "council", "plan", "weirs", "mill")
_RANDOM = random.Random(11)
# Distinct paragraphs: a line repeated on every page would be dropped as a running header.
PARAGRAPHS = [f"Finding {n}: " + " ".join(_RANDOM.choice(_WORDS) for _ in range(60)) + "." for n in range(1, 13)]


def _pdf(objects: list[bytes]) -> bytes:
    """Return a PDF of the given objects (numbered from 1, the first the catalog) with its xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    """Return a Flate-compressed stream object holding `content`."""
    packed = zlib.compress(content, 9)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream" % (len(packed), extra, packed)


def _bomb(pages: int = 6, ops: int = 60_000) -> bytes:
    """Return a PDF whose pages all draw one shared stream of `ops` text operators (2 KB for 60,000)."""
    font = 4 + pages
    kids = b" ".join(b"%d 0 R" % (4 + page) for page in range(pages))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
    page += b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
            _stream(b"BT /F1 12 Tf 72 720 Td " + b"(x) Tj " * ops + b"ET"),
            *[page] * pages,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def _form_page(ops: int) -> bytes:
    """Return a one-page PDF whose only page draws a form XObject of `ops` text operators, then text."""
    font = b"/Font << /F1 5 0 R >>"
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << %s >> " % font
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << %s /XObject << /X0 6 0 R >> >> >>" % font,
            _stream(b"q /X0 Do Q BT /F1 12 Tf 72 700 Td (After the form.) Tj ET"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(b"BT /F1 12 Tf 72 720 Td " + b"(x) Tj " * ops + b"ET", form),
        ]
    )


def _report() -> bytes:
    """Return a plain multi-page report written by fpdf2, two paragraphs a page."""
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=25)
    pdf.set_font("Helvetica", size=11)
    for index, paragraph in enumerate(PARAGRAPHS):
        if index % 2 == 0:
            pdf.add_page()
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb()


@pytest.fixture
def extracted_pages(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spy on pypdf: record how many operators each page it is asked to extract shows the visitor."""
    seen: list[int] = []
    original = pypdf.PageObject.extract_text

    def spy(
        page: pypdf.PageObject, *args: Any, visitor_operand_before: Callable[..., None] | None = None, **kwargs: Any
    ) -> str:
        seen.append(0)

        def count(*operator: Any) -> None:
            seen[-1] += 1
            if visitor_operand_before is not None:
                visitor_operand_before(*operator)

        return original(page, *args, visitor_operand_before=count, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", spy)
    return seen


def _clock(reads_before_expiry: int) -> SimpleNamespace:
    """Return a fake `time` module whose monotonic() reads 0.0 a few times, then ever after a time past any deadline."""
    readings = itertools.chain(itertools.repeat(0.0, reads_before_expiry), itertools.repeat(1e9))
    return SimpleNamespace(monotonic=readings.__next__)


def test_shared_stream_bomb_is_refused_after_one_page(bomb: bytes, extracted_pages: list[int]) -> None:
    with pytest.raises(DocumentFormatError) as caught:
        extract_pdf(bomb)
    message = str(caught.value)
    assert "over budget" in message and "0.8 MB of page content for a 2 KB file" in message
    assert "\n" not in message
    assert len(extracted_pages) == 1  # the second page is counted, and refused, before pypdf parses it


def test_content_budget_counts_every_page_of_a_shared_stream(extracted_pages: list[int]) -> None:
    data = _bomb(pages=3, ops=100)
    content = 3 * len(b"BT /F1 12 Tf 72 720 Td " + b"(x) Tj " * 100 + b"ET")  # one stream, counted on each page
    extract_pdf(data, budget=PdfBudget(content_bytes_per_file_byte=0, min_content_bytes=content))
    with pytest.raises(DocumentFormatError, match="over budget"):
        extract_pdf(data, budget=PdfBudget(content_bytes_per_file_byte=0, min_content_bytes=content - 1))
    assert len(extracted_pages) == 3 + 2  # all pages, then all but the last
    # Above the floor the budget follows the size of the file (a byte either way, against rounding).
    extract_pdf(data, budget=PdfBudget(content_bytes_per_file_byte=(content + 1) / len(data), min_content_bytes=0))
    with pytest.raises(DocumentFormatError, match="over budget"):
        extract_pdf(data, budget=PdfBudget(content_bytes_per_file_byte=(content - 1) / len(data), min_content_bytes=0))


def test_normal_report_is_extracted_whole_under_the_default_budget(extracted_pages: list[int]) -> None:
    data = _report()
    extracted = extract_pdf(data, budget=DEFAULT_BUDGET)
    assert extracted.text == "\n\n".join(PARAGRAPHS)
    assert len(extracted.pages) == len(extracted_pages) == len(PARAGRAPHS) // 2
    assert extract_pdf(data, budget=UNLIMITED) == extracted


def test_deadline_already_past_refuses_before_the_first_page(extracted_pages: list[int]) -> None:
    with pytest.raises(DocumentFormatError) as caught:
        extract_pdf(_report(), budget=PdfBudget(seconds=0))
    assert str(caught.value).startswith("PDF text extraction took over 0 s")
    assert "\n" not in str(caught.value)
    assert extracted_pages == []


def test_deadline_stops_a_page_in_the_middle(monkeypatch: pytest.MonkeyPatch, extracted_pages: list[int]) -> None:
    # The clock reads 0 to set the deadline and to admit the page, then is past it for good.
    monkeypatch.setattr(pdf_module, "time", _clock(2))
    with pytest.raises(DocumentFormatError, match="took over 60 s"):
        extract_pdf(_bomb(pages=1), budget=PdfBudget(seconds=60))
    assert extracted_pages == [pdf_module._CLOCK_EVERY]  # stopped at the first look, not after 60,000 operators


def test_deadline_inside_a_form_is_not_lost_to_pypdf(
    monkeypatch: pytest.MonkeyPatch, extracted_pages: list[int]
) -> None:
    # pypdf catches what a form XObject raises and goes on: the operator after the form must raise again.
    monkeypatch.setattr(pdf_module, "time", _clock(2))
    with pytest.raises(DocumentFormatError, match="took over 60 s"):
        extract_pdf(_form_page(ops=3_000), budget=PdfBudget(seconds=60))
    assert len(extracted_pages) == 1 and extracted_pages[0] < 3_000


def test_form_page_is_extracted_within_budget() -> None:
    assert extract_pdf(_form_page(ops=3)).text.endswith("After the form.")


def test_loader_skips_the_bomb_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 80,000 operators a page: over the 512 KiB floor on the first page, so refused before any parse.
    (tmp_path / "bomb.pdf").write_bytes(_bomb(ops=80_000))
    (tmp_path / "notes.txt").write_text("The reservoir was finished in 1931.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        documents, _skipped = read_corpus(tmp_path)
    assert [document.text for document in documents] == ["The reservoir was finished in 1931.\n"]
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "skipped" in warnings[0] and "bomb.pdf" in warnings[0] and "over budget" in warnings[0]
    assert "\n" not in warnings[0]


def test_one_page_over_the_page_content_cap_is_refused_before_it_is_parsed(extracted_pages: list[int]) -> None:
    data = _bomb(pages=1, ops=20_000)
    with pytest.raises(DocumentFormatError, match="over budget"):
        extract_pdf(data, budget=PdfBudget(content_bytes_per_file_byte=1e9, page_content_bytes=100_000))
    assert extracted_pages == []
