"""Tests of index.extract: saved web pages and PDFs, both written here instead of committed as binaries."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from fpdf import FPDF

from quotebot.index.errors import DocumentFormatError
from quotebot.index.ingest.extract import Extracted, extract_html, extract_pdf, page_at

INTRO = (
    "The river basin supplies water to twelve towns and to the farms along its course, and every summer the "
    "demand rises while the flow falls, which is why the council asked for a plan that all parties can accept."
)
CROSS = (
    "The hearings lasted four months and brought together farmers, mayors, anglers and hydrologists who "
    "disagreed about almost everything except that the old rules no longer worked, that the reservoirs were "
    "too small for the dry years ahead, that metering had to come first, and that nobody would accept a plan "
    "which asked only one group to give up water while the others kept taking as much as they pleased."
)
FINDINGS = (
    "Withdrawals upstream exceeded the agreed limits in six of the last ten summers, and in two of those the "
    "river fell below the level at which fish can pass the weirs near the old mill."
)
CONCLUSION = (
    "The plan cuts withdrawals by a fifth in dry summers and pays for storage in the towns downstream, and a "
    "committee will report every spring on whether the targets have been met."
)
# Written line by line so that the line ends, and so the hyphens, fall exactly here.
HYPHENATED = [
    "Members agreed that the metering of every large farm, a well-known weak point, matters for the secu-",
    "rity of supply, and that the crisis seen during the COVID-",
    "19 lockdowns proved it; the data must be well-",
    "known to everybody who draws water from the basin.",
]
HYPHEN_JOINED = (
    "Members agreed that the metering of every large farm, a well-known weak point, matters for the security "
    "of supply, and that the crisis seen during the COVID-19 lockdowns proved it; the data must be well-known "
    "to everybody who draws water from the basin."
)


class _Report(FPDF):
    """A report with a running header and a page-number footer in a given style."""

    footer_style = "Page {n} of {{nb}}"

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 8, "Basin Review 2024 - Draft", align="C")
        self.ln(14)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, self.footer_style.format(n=self.page_no()), align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.ln(3)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _report(footer_style: str = "Page {n} of {{nb}}") -> bytes:
    pdf = _Report()
    pdf.footer_style = footer_style
    pdf.set_auto_page_break(True, margin=25)
    pdf.set_title("Basin Review")
    pdf.set_creation_date(dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC))
    pdf.add_page()
    _heading(pdf, "Introduction")
    _paragraph(pdf, INTRO)
    for line in HYPHENATED:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_y(pdf.h - 25 - 14)  # two lines above the bottom margin: CROSS must run on to page 2
    _paragraph(pdf, CROSS)
    _heading(pdf, "Findings")
    _paragraph(pdf, FINDINGS)
    pdf.add_page()
    _heading(pdf, "Conclusion")
    _paragraph(pdf, CONCLUSION)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def report() -> Extracted:
    return extract_pdf(_report())


def test_pdf_paragraphs_are_whole_and_separated(report: Extracted) -> None:
    paragraphs = report.text.split("\n\n")
    for expected in ("Introduction", INTRO, HYPHEN_JOINED, CROSS, "Findings", FINDINGS, "Conclusion", CONCLUSION):
        assert expected in paragraphs
    assert "\n" not in report.text.replace("\n\n", "")


def test_pdf_drops_running_header_footer_and_page_numbers(report: Extracted) -> None:
    assert "Basin Review" not in report.text
    assert "Page" not in report.text
    assert not re.search(r"^\s*\d+\s*$", report.text, re.MULTILINE)


def test_pdf_joins_hyphenated_words(report: Extracted) -> None:
    assert "security" in report.text and "secu-" not in report.text
    assert "COVID-19" in report.text  # an upper-case word or a number keeps its hyphen
    assert report.text.count("well-known") == 2  # seen hyphenated elsewhere, so the hyphen stays


def test_pdf_pages_and_page_at(report: Extracted) -> None:
    assert len(report.pages) == 3 and report.pages[0] == 0
    text = report.text
    assert page_at(report.pages, text.index(INTRO)) == 1
    assert page_at(report.pages, text.index(CROSS)) == 1  # a paragraph's page is where it starts
    assert page_at(report.pages, text.index(CROSS) + len(CROSS) - 1) == 2
    assert page_at(report.pages, text.index(FINDINGS)) == 2
    assert page_at(report.pages, text.index(CONCLUSION)) == 3
    assert page_at(report.pages, len(text)) == 3


def test_pdf_metadata(report: Extracted) -> None:
    assert (report.title, report.date, report.url, report.markdown) == ("Basin Review", "2024-03-05", None, False)


@pytest.mark.parametrize("footer_style", ["{n}", "- {n} -", "{n} / {{nb}}", "Page {n}"])
def test_pdf_page_number_styles_are_dropped(footer_style: str) -> None:
    extracted = extract_pdf(_report(footer_style))
    assert extracted.text.endswith(CONCLUSION)
    assert "Page" not in extracted.text and " / 3" not in extracted.text and "- 2 -" not in extracted.text


PAGES = (0, 10, 10, 20)  # page 2 is empty: its offset is that of page 3


@pytest.mark.parametrize(
    ("pages", "offset", "expected"),
    [((), 5, None), ((0,), 99, 1), (PAGES, 0, 1), (PAGES, 9, 1), (PAGES, 10, 3), (PAGES, 20, 4), (PAGES, -1, 1)],
)
def test_page_at(pages: tuple[int, ...], offset: int, expected: int | None) -> None:
    assert page_at(pages, offset) == expected


def _one_page(text: str = "", password: str = "") -> bytes:
    """Write a page with `text`, or with only a drawn rectangle, optionally locked with `password`."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    if text:
        pdf.cell(0, 6, text)
    else:
        pdf.rect(20, 20, 80, 40)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "no %PDF- header"),
        (random.Random(1).randbytes(4000), "no %PDF- header"),
        (b"%PDF-1.4\n" + random.Random(2).randbytes(3000), "not a readable PDF"),
        (_report()[:3000], "EOF marker not found"),
        (_one_page(), "no text could be extracted"),
        (_one_page("Secret text.", "secret"), "needs a password"),
    ],
    ids=["empty", "random", "garbage", "truncated", "no-text", "encrypted"],
)
def test_bad_pdfs_raise_document_format_error(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentFormatError, match=reason):
        extract_pdf(data)


PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Basin plan approved | River News</title>
<meta property="article:published_time" content="2023-05-17T10:00:00+02:00">
<link rel="canonical" href="https://news.example.org/basin-plan">
</head><body>
<header><nav><ul><li><a href="/">Homepage</a></li><li><a href="/sport">Sportsdesk</a></li></ul></nav></header>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience. Cookiesettings</p></div>
<main><article>
<h1>Basin plan approved</h1>
<p>{INTRO}</p>
<p>{FINDINGS}</p>
<h2>Costs and funding</h2>
<p>The total cost is <b>forty million euros</b> over ten years, shared between the region and the state.</p>
<ul><li>Storage basins in three towns</li><li>Metering for every large farm</li></ul>
<table><tr><th>Year</th><th>Budget</th></tr><tr><td>2024</td><td>4 million</td></tr></table>
<h2>Next steps</h2>
<p>{CONCLUSION}</p>
</article></main>
<footer><p>Copyright River News. Privacypolicy and Termsofuse.</p></footer>
</body></html>
"""


@pytest.fixture(scope="module")
def page() -> Extracted:
    return extract_html(PAGE.encode())


def test_html_keeps_main_text_only(page: Extracted) -> None:
    for word in ("Homepage", "Sportsdesk", "Cookiesettings", "cookies", "Privacypolicy", "Copyright"):
        assert word not in page.text


def test_html_headings_paragraphs_lists_and_tables(page: Extracted) -> None:
    paragraphs = page.text.split("\n\n")
    assert paragraphs[0] == "# Basin plan approved"
    for expected in ("## Costs and funding", "## Next steps", INTRO, FINDINGS, CONCLUSION):
        assert expected in paragraphs
    assert (
        "The total cost is forty million euros over ten years, shared between the region and the state." in paragraphs
    )
    assert "- Storage basins in three towns\n- Metering for every large farm" in paragraphs
    assert "| Year | Budget |\n| 2024 | 4 million |" in paragraphs
    assert page.markdown and page.pages == ()


def test_html_metadata(page: Extracted) -> None:
    assert page.title == "Basin plan approved"
    assert page.date == "2023-05-17"
    assert page.url == "https://news.example.org/basin-plan"


@pytest.mark.parametrize(
    ("head", "encoding"),
    [('<meta charset="iso-8859-1">', "iso-8859-1"), ("", "utf-8-sig"), ('<meta charset="utf-8">', "utf-8")],
)
def test_html_encodings(head: str, encoding: str) -> None:
    body = "Le café du marché est très bon, et la crème brûlée aussi, disait-il à la terrasse ce matin-là."
    html = f"<html><head>{head}<title>Café</title></head><body><article><p>{body}</p></article></body></html>"
    extracted = extract_html(html.encode(encoding))
    assert (extracted.text, extracted.title) == (body, "Café")


@pytest.mark.parametrize(
    "data",
    [b"", random.Random(3).randbytes(5000), b"<html><body><nav>Home</nav></body></html>", _one_page()],
    ids=["empty", "random", "no-main-text", "pdf"],
)
def test_bad_html_raises_document_format_error(data: bytes) -> None:
    with pytest.raises(DocumentFormatError):
        extract_html(data)


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ('<meta property="og:title" content="Parking - the full story">', "Parking - the full story"),
        ("<title>What is rustdoc? - The rustdoc book</title>", "What is rustdoc?"),
        ("<title>Office guide | Intranet</title>", "Office guide"),
        ("<title>COVID-19 rules</title>", "COVID-19 rules"),
    ],
)
def test_html_title_is_the_pages_own(head: str, title: str) -> None:
    # A hidden help dialog's heading is what a main-text extractor may take for the title.
    page = (
        f"<html><head>{head}</head><body><div hidden><h2>Keyboard shortcuts</h2></div>"
        "<main><p>Visitors park in the north lot; staff use the underground garage on level two.</p></main>"
        "</body></html>"
    )
    assert extract_html(page.encode()).title == title


def test_pdf_drops_table_of_contents_entries() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in ("Introduction . . . . . . . . . . . . 3", "asn1_der_coding . . . . . . . . . . . 17", "", INTRO):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    text = extract_pdf(bytes(pdf.output())).text
    assert ". . ." not in text and "asn1_der_coding" not in text and INTRO in text
