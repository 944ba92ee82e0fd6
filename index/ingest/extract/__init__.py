"""Extract the indexable text of HTML and PDF files, with the title, date and URL they declare.

HTML pages go through trafilatura, which keeps the main text and drops navigation, banners and
footers; the result is rendered as Markdown-like text (headings as ``#`` lines, one blank line
between blocks). PDFs go through pypdf page by page: running headers, footers and page numbers are
dropped, hyphenated line ends are rejoined and wrapped lines are joined into paragraphs, so the
chunker sees one paragraph per blank-line-separated block. Both libraries are imported lazily so
that answering questions never pays for them.
"""

from __future__ import annotations

from ._common import Extracted, page_at
from .pdf import extract_pdf
from .web import extract_html

__all__ = ["Extracted", "extract_html", "extract_pdf", "page_at"]
