"""Extract the indexable text of HTML, PDF and Discord export files, with the title, date and URL they declare.

HTML pages are rendered block by block (`layout`): page chrome is dropped, and every list, table and code
block is kept, as Markdown-like text (headings as ``#`` lines, one blank line between blocks); trafilatura
reads their date and canonical URL. DiscordChatExporter JSON exports become one paragraph per message, each
with its jump link (`discord`). PDFs go through pypdf page by page: running headers, footers and page numbers are
dropped, hyphenated line ends are rejoined and wrapped lines are joined into paragraphs, so the
chunker sees one paragraph per blank-line-separated block. Both libraries are imported lazily so
that answering questions never pays for them.
"""

from __future__ import annotations

from ._common import Extracted, page_at
from .discord import extract_discord_export, jump_link, looks_like_discord_export, parse_jump_link
from .pdf import extract_pdf
from .web import extract_html

__all__ = [
    "Extracted",
    "extract_discord_export",
    "extract_html",
    "extract_pdf",
    "jump_link",
    "looks_like_discord_export",
    "page_at",
    "parse_jump_link",
]
