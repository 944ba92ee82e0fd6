from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index.ingest.files import load_document
from quotebot.index.ingest.metadata import is_furniture, parse_date
from tests.fakes import SEED


def test_seed_title_and_date() -> None:
    document = load_document(SEED, SEED.name)
    assert document.title == (
        "Statement of the Chinese Delegation at the Thematic Discussion on Information Security at the "
        "First Committee of the 75th Session of the UN General Assembly"
    )
    assert document.date == "2020-10-30"


@pytest.mark.parametrize(
    ("name", "text", "title", "date"),
    [
        (
            "fm.md",
            "---\ntitle: Fenced Title\ndate: 2021-03-04\n---\n\n# Heading\n\nBody text here.\n",
            "Fenced Title",
            "2021-03-04",
        ),
        ("bare.txt", "title: Bare Title\ndate: 5 May 2019\n\nBody paragraph of text.\n", "Bare Title", "2019-05-05"),
        ("head.md", "Some intro line.\n\n# The Markdown Title\n\nBody paragraph.\n", "The Markdown Title", None),
        ("dated.txt", "A Plain Title\n\nMarch 3, 2022\n\nBody paragraph of the note.\n", "A Plain Title", "2022-03-03"),
        ("untitled_notes.txt", "Just one sentence of body text.\n", "Untitled notes", None),
    ],
)
def test_title_and_date_detection(tmp_path: Path, name: str, text: str, title: str, date: str | None) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    document = load_document(path, name)
    assert (document.title, document.date) == (title, date)


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("2020-10-30 06:47", "2020-10-30"),
        ("30 October 2020", "2020-10-30"),
        ("Oct. 30, 2020", "2020-10-30"),
        ("Published: 2020/10/30", "2020-10-30"),
        ("2020-13-45", None),
        ("We met in 2020.", None),
    ],
)
def test_parse_date(line: str, iso: str | None) -> None:
    assert parse_date(line) == iso


@pytest.mark.parametrize(
    ("text", "furniture"),
    [
        ("Mr. Chair,", True),
        ("Mr Chair,", True),
        ("Madam President,", True),
        ("Thank you, Mr. Chair.", True),
        ("Print", True),
        ("Suggest to a friend", True),
        ("\u00a0 Print", True),
        ("Home > China & UN > Disarmament and Arms Control > First Committee", True),
        ("Home Meetings & Statements Events & Activities China & UN Documents About China 中文", True),
        ("© 2020 Ministry of Foreign Affairs", True),
        ("---", True),
        ("China supports the draft resolution proposed by the Russian delegation.", False),
        ("States should not install backdoors.", False),
        ("- Use TLS", False),
        ("Docs › Guides › Install", True),
        ("Home directory permissions must be 700.", False),
        # Real content that holds the separators of a breadcrumb trail on several lines: kept.
        ("- `options` <Object>\n  - `cwd` <string> | <URL> Current working directory.\n"
         "  - `env` <Object> Environment key-value pairs. Default: `process.env`.\n"
         "  - `shell` <string> Shell to execute the command with. Default: '/bin/sh' on Unix.", False),
        ("> Note: this library is in maintenance mode.\n> Bug fixes only; new features go to v2 / v3.", False),
        ("> x <- 1:10\n> y <- parLapply(cl, x, sqrt)\n> stopCluster(cl)", False),
        ("- Internal / external links\n- Embedding images / fonts\n- Signing PDF documents", False),
    ],
)
def test_furniture(text: str, furniture: bool) -> None:
    assert is_furniture(text) is furniture
