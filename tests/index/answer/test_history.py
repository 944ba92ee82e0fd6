"""Changelogs are recognised, and do not outrank reference text for a question that is not about changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quotebot.index.answer.history import asks_history, is_history
from quotebot.index.answer.ranking import FEATURES, Candidates
from quotebot.index.build import build_index, open_engine
from tests.fakes import FakeEmbedder


@pytest.mark.parametrize(
    ("title", "doc_id", "section", "expected"),
    [
        ("Tool", "CHANGELOG.md", None, True),
        ("Tool", "docs/rsync-news.md", None, True),
        ("What's New In Python 3.11", "whatsnew.html", "Summary", True),
        ("Tool", "README.md", "Change Log › Version 18.3a0", True),
        ("Tool", "README.md", "Changes in 2.0", True),
        ("Tool", "README.md", "History › 0.1.1", True),  # a version under a plain "History"
        ("Tool", "README.md", "man-db 2.10.1 (10 February 2022)", True),
        ("Tool", "README.md", "Release notes", True),
        ("Tool", "README.md", "Usage › Callbacks when a trait attribute changes", False),
        ("Tool", "README.md", 'v1.13.4 CDN URLs (Use with <script src="..."></script>)', False),
        ("Tool", "README.md", "History", False),  # the story of a project, not its changes
        ("Tool", "README.md", "Installation › Python 3.10 or newer", False),
        ("Tool", "README.md", None, False),
    ],
)
def test_is_history(title: str, doc_id: str, section: str | None, expected: bool) -> None:
    assert is_history(title, doc_id, section) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how do I set a proxy?", False),
        ("is there an env var to turn colours off", False),
        ("which release added the proxy option?", True),
        ("when did the default change", True),
        ("is it new in 3.11?", True),
        ("what's the newest version that still works on python 2", True),
    ],
)
def test_asks_history(question: str, expected: bool) -> None:
    assert asks_history(question) is expected


@pytest.fixture
def engine(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "README.md").write_text("# Tool\n\n## Proxy\n\nPass --proxy URL to send requests through it.\n")
    (corpus / "CHANGELOG.md").write_text("# Changelog\n\n## 2.1.0\n\n- Added --proxy URL for requests.\n")
    build_index(corpus, tmp_path / "index", FakeEmbedder())
    return open_engine(corpus, tmp_path / "index", FakeEmbedder(), rebuild=False)


def _two(engine) -> tuple[Candidates, int, int]:
    """Candidates for the two passages, the changelog's scoring 5 % above the README's on every feature."""
    rows = {c.doc_id: r for r, c in enumerate(engine.stored.chunks)}
    values = np.vstack([np.full(len(FEATURES), 0.63), np.full(len(FEATURES), 0.6)])
    found = Candidates((rows["CHANGELOG.md"], rows["README.md"]), values, (0, 0), 0.0, 0, np.zeros((2, 3)))
    return found, rows["CHANGELOG.md"], rows["README.md"]


def test_a_how_to_question_ranks_the_reference_text_above_the_changelog(engine) -> None:
    found, changelog, readme = _two(engine)
    assert [r.row for r in engine.order(found, 2, question="how do I send requests through a proxy?")] == [
        readme,
        changelog,
    ]
    assert [r.row for r in engine.order(found, 2, question="which release added the proxy option?")] == [
        changelog,
        readme,
    ]
    engine.history_penalty = 0.0
    assert [r.row for r in engine.order(found, 2, question="how do I send requests through a proxy?")] == [
        changelog,
        readme,
    ]
