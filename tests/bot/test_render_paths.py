"""Where a quote's file is shown: by its path in its collection's folder on Discord, never by a path on the host.

The corpus lies outside the checkout, as it does when quotebot is installed (`/srv/quotebot/corpus`, a home
folder): Discord replies, their "also in" lines and /sources rows name `sub/notes.md`; only the operator's own
terminal shows a path they can open.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.bot.cli.program import _discord_payload
from quotebot.bot.reply.listing import source_rows, sources_reply
from quotebot.bot.reply.render import PROJECT_ROOT, answer_to_text
from quotebot.bot.reply.replies import build_reply, reply_payload
from quotebot.index import Answer, Library, open_library
from tests.fakes import FakeEmbedder

RULE = "Visitors sign the register at the front desk and wear their badge at all times."
QUESTION = "Where do visitors sign the register?"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus outside the project: a file in a subfolder, and a copy of its rule in another (an "also in")."""
    folder = tmp_path / "srv" / "quotebot" / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "copies").mkdir()
    (folder / "sub" / "notes.md").write_text(f"# Visitors\n\n{RULE}\n", encoding="utf-8")
    (folder / "copies" / "reprint.md").write_text(f"# Reprint\n\n{RULE}\n", encoding="utf-8")
    assert not folder.is_relative_to(PROJECT_ROOT)
    return folder


@pytest.fixture
def library(corpus: Path, tmp_path: Path) -> Library:
    return open_library(corpus, tmp_path / "index", embedder=FakeEmbedder())


def host_path_in(shown: str, corpus: Path) -> bool:
    """Tell whether any part of the corpus folder's path on the host is shown (Markdown escapes taken out)."""
    plain = shown.replace("\\", "")
    return str(corpus.parent) in plain or "srv/quotebot" in plain


def answered(library: Library) -> Answer:
    answer = library.answer(QUESTION)
    assert answer.passages and answer.passages[0].text.startswith("Visitors sign")
    assert answer.passages[0].also_in  # the reprint is cited under the quote
    return answer


def test_a_discord_reply_names_the_file_in_its_collection_never_the_host_path(library: Library, corpus: Path) -> None:
    payload = json.dumps(reply_payload(build_reply(answered(library))), ensure_ascii=False)
    assert not host_path_in(payload, corpus)
    assert "sub/notes.md" in payload and "copies/reprint.md" in payload


def test_the_command_lines_discord_preview_shows_what_discord_would(library: Library, corpus: Path) -> None:
    payload = json.dumps(_discord_payload(library, QUESTION, 3), ensure_ascii=False)
    assert not host_path_in(payload, corpus) and "sub/notes.md" in payload


def test_sources_rows_name_the_file_in_its_collection(library: Library, corpus: Path) -> None:
    rows = source_rows(library, server=10)
    assert sorted(r.file for r in rows) == ["copies/reprint.md", "sub/notes.md"]
    listed = json.dumps([e.to_dict() for e in sources_reply(rows).embeds], ensure_ascii=False)
    assert not host_path_in(listed, corpus)


def test_the_operators_terminal_shows_a_path_they_can_open(library: Library, corpus: Path) -> None:
    assert str(corpus / "sub" / "notes.md") in answer_to_text(answered(library))  # absolute: outside the checkout
