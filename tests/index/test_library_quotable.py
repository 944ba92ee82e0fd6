"""Library.quotable: passages kept from an earlier answer are checked again as a new answer would check them.

A real library (FAISS, BM25, the chunker; the fake embedding model): what a later page or a share would show is
taken out when its collection is no longer searchable there, its file changed, its author opted out, its
message was hidden, or it comes from another Discord server.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from quotebot.index import Passage
from quotebot.index.collections import load_collections
from quotebot.index.library import Library, open_library
from tests.fakes import ROOT, FakeEmbedder

EXPORT = ROOT / "tests" / "data" / "discord_export.json"
EXPORT_GUILD = 111111111111111111
PASSWORD_AUTHOR = "1"  # the export's member who explains the password reset

CONFIG = """
[collections.handbook]
path = "handbook"

[collections.security]
path = "security"
private = true
channels = [20]
"""


def project(root: Path) -> Library:
    """Write a public handbook (with a Discord export) and a private security folder; open their library."""
    (root / "handbook").mkdir(exist_ok=True)
    (root / "security").mkdir(exist_ok=True)
    (root / "handbook" / "office.txt").write_text("Visitors park in the north lot next to the office.", "utf-8")
    shutil.copy(EXPORT, root / "handbook" / "faq.json")
    (root / "security" / "vault.txt").write_text("Security staff park in the locked basement bay.", "utf-8")
    (root / "quotebot.toml").write_text(CONFIG, "utf-8")
    return reopen(root)


def reopen(root: Path) -> Library:
    """Open the library again, rebuilding what changed (as the watcher does)."""
    collections = load_collections(root / "quotebot.toml", root / "corpus")
    return open_library(collections, root / "index", embedder=FakeEmbedder())


def passages(library: Library, question: str, **where: object) -> tuple[Passage, ...]:
    """Return the passages an answer quotes."""
    answer = library.answer(question, 3, **where)  # type: ignore[arg-type]
    assert answer.passages, question
    return answer.passages


def test_what_a_new_answer_quotes_passes_unchanged(tmp_path: Path) -> None:
    library = project(tmp_path)
    found = passages(library, "Where do security staff park?", names=["handbook", "security"])
    assert library.quotable(found, names=["handbook", "security"]) == found


def test_a_collection_no_longer_searchable_here_is_taken_out(tmp_path: Path) -> None:
    library = project(tmp_path)
    found = passages(library, "Where do security staff park?", names=["handbook", "security"])
    assert any(p.collection == "security" for p in found)
    kept = library.quotable(found, names=["handbook"])  # made private to another channel since
    assert kept == tuple(p for p in found if p.collection == "handbook")


def test_a_changed_file_takes_its_old_words_out(tmp_path: Path) -> None:
    library = project(tmp_path)
    [found, *_] = passages(library, "Where do visitors park?", names=["handbook"])
    assert "north lot" in found.text
    (tmp_path / "handbook" / "office.txt").write_text("Visitors park wherever the guard says.", "utf-8")
    assert library.quotable((found,), names=["handbook"]) == ()


def test_a_withheld_author_a_hidden_message_and_another_server_are_taken_out(tmp_path: Path) -> None:
    library = project(tmp_path)
    [found, *_] = passages(library, "How do I reset my password?", names=["handbook"], server=EXPORT_GUILD)
    assert found.url is not None and "reset your password" in found.text
    assert library.quotable((found,), names=["handbook"], server=EXPORT_GUILD) == (found,)
    assert library.quotable((found,), names=["handbook"], server=42) == ()  # another server
    assert library.quotable((found,), names=["handbook"], server=0) == ()  # a DM
    library.withhold(frozenset({PASSWORD_AUTHOR}))
    assert library.quotable((found,), names=["handbook"], server=EXPORT_GUILD) == ()
    library.withhold(frozenset(), frozenset({found.url}))
    assert library.quotable((found,), names=["handbook"], server=EXPORT_GUILD) == ()
    library.withhold(frozenset())
    assert library.quotable((found,), names=["handbook"], server=EXPORT_GUILD) == (found,)


def test_a_rebuilt_index_without_the_words_takes_them_out(tmp_path: Path) -> None:
    library = project(tmp_path)
    [found, *_] = passages(library, "Where do visitors park?", names=["handbook"])
    (tmp_path / "handbook" / "office.txt").unlink()
    rebuilt = reopen(tmp_path)  # the watcher's rebuild: the file is gone from the index
    assert rebuilt.quotable((found,), names=["handbook"]) == ()
    (tmp_path / "handbook" / "office.txt").write_text(found.text, "utf-8")  # the same words back: quotable again
    assert reopen(tmp_path).quotable((found,), names=["handbook"]) == (found,)
