"""Documentation pages keep every list, definition list, table and code block a reader sees as content."""

from __future__ import annotations

import pytest

from quotebot.index.ingest.extract import Extracted, extract_html

# A release-notes page shaped like the ones the news-article extractor emptied: almost all of it is list items.
RELEASES = "\n".join(
    f"<h2>Version 2.{n}</h2><ul>"
    + "".join(f"<li>Fixed issue {n}{k}: the parser no longer drops item {k} of release {n}.</li>" for k in range(8))
    + "</ul>"
    for n in range(12)
)
NOTES_PAGE = f"""<!doctype html><html><head><title>Release notes</title></head><body>
<nav class="sidebar"><ul><li><a href="/a">Install</a></li><li><a href="/b">Tutorial</a></li>
<li><a href="/c">Reference</a></li><li><a href="/d">Changelog</a></li></ul></nav>
<div role="main"><h1>Release notes<a class="headerlink" href="#notes">¶</a></h1>{RELEASES}</div>
<footer>Built with a generator. Licence terms.</footer></body></html>"""

MANUAL_PAGE = """<!doctype html><html><head><title>Options</title></head><body>
<div id="content">
<h2>Design goals</h2>
<p>The library follows these goals.</p>
<ol><li>Small and fast to import.</li><li>No global state.<ul><li>Not even a cache.</li></ul></li></ol>
<h2>Options</h2>
<dl><dt><code>timeout</code></dt><dd>Seconds to wait for a reply. Default: 30.</dd>
<dt><code>retries</code></dt><dd>How often to try again. Default: 3.</dd></dl>
<h2>Exit codes</h2>
<table><tr><th>Code</th><th>Meaning</th></tr><tr><td>0</td><td>Success</td></tr><tr><td>2</td><td>Usage error</td></tr></table>
<h2>Example</h2>
<pre><code>$ tool --timeout 5
    indented line</code></pre>
<blockquote><p>First line of a quote.</p><p>Second line of it.</p></blockquote>
</div></body></html>"""

# Old table-layout HTML: headings, paragraphs and lists inside layout cells, next to a menu cell.
LAYOUT_PAGE = """<html><head><title>Old manual</title></head><body>
<table width="100%"><tr>
<td class="menu"><a href="/1">One</a><br><a href="/2">Two</a><br><a href="/3">Three</a><br><a href="/4">Four</a></td>
<td><h1>The old manual</h1><p>This tool converts files between formats.</p>
<h2>Features</h2><ul><li>Reads XML files.</li><li>Writes HTML pages.</li></ul>
<p>It runs on every platform.</p></td></tr></table></body></html>"""


@pytest.fixture(scope="module")
def notes() -> Extracted:
    return extract_html(NOTES_PAGE.encode())


@pytest.fixture(scope="module")
def manual() -> Extracted:
    return extract_html(MANUAL_PAGE.encode())


def test_every_list_item_of_a_release_notes_page_is_kept(notes: Extracted) -> None:
    items = [line for line in notes.text.splitlines() if line.startswith("- Fixed issue")]
    assert len(items) == 96
    assert "## Version 2.11" in notes.text.split("\n\n")


def test_menus_footers_and_permalink_anchors_are_left_out(notes: Extracted) -> None:
    assert notes.text.split("\n\n")[0] == "# Release notes"
    for chrome in ("Tutorial", "Changelog", "Licence", "¶"):
        assert chrome not in notes.text


@pytest.mark.parametrize(
    "block",
    [
        "1. Small and fast to import.\n2. No global state.\n  - Not even a cache.",
        "timeout\n  Seconds to wait for a reply. Default: 30.\nretries\n  How often to try again. Default: 3.",
        "| Code | Meaning |\n| 0 | Success |\n| 2 | Usage error |",
        "```\n$ tool --timeout 5\n    indented line\n```",
    ],
    ids=["nested list", "definition list", "table", "code"],
)
def test_lists_definitions_tables_and_code_are_blocks_of_their_own(manual: Extracted, block: str) -> None:
    assert block in manual.text.split("\n\n")


def test_the_lead_in_and_blockquote_lines_are_kept(manual: Extracted) -> None:
    blocks = manual.text.split("\n\n")
    assert "The library follows these goals." in blocks
    assert "First line of a quote." in blocks and "Second line of it." in blocks


def test_a_layout_table_reads_as_its_blocks_not_one_glued_row() -> None:
    blocks = extract_html(LAYOUT_PAGE.encode()).text.split("\n\n")
    assert blocks == [
        "# The old manual",
        "This tool converts files between formats.",
        "## Features",
        "- Reads XML files.\n- Writes HTML pages.",
        "It runs on every platform.",
    ]


def test_a_data_table_keeps_its_cells_that_are_links() -> None:
    page = (
        "<html><body><main><p>Our maintainers are listed below.</p><table>"
        "<tr><th>Name</th><th>Area</th></tr>"
        '<tr><td><a href="/u/ada">Ada</a></td><td>Parser</td></tr>'
        '<tr><td><a href="/u/bo">Bo</a></td><td>Docs</td></tr></table></main></body></html>'
    )
    assert "| Name | Area |\n| Ada | Parser |\n| Bo | Docs |" in extract_html(page.encode()).text
