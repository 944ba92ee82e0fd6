from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from quotebot.index import CorpusError
from quotebot.index.ingest.files import load_corpus


def test_skips_bad_files_with_one_warning_each(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good.txt").write_text("A Good Title\n\nSome body text here.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    nested = tmp_path / "sub" / "deeper"
    nested.mkdir(parents=True)
    (nested / "bom.md").write_bytes("\ufeff# Nested\n\nNested body text.\n".encode())
    with caplog.at_level(logging.WARNING):
        documents = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["good.txt", "sub/deeper/bom.md"]
    assert documents[1].text.startswith("# Nested")
    messages = [r.getMessage() for r in caplog.records]
    assert any("latin1.txt" in m and "UTF-8" in m for m in messages)
    assert any("empty.md" in m and "empty" in m for m in messages)
    assert len(messages) == 2


def test_missing_and_empty_corpus_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no readable"):
        load_corpus(tmp_path)


@pytest.mark.parametrize("sidecar", ["note.txt.meta.toml", "note.meta.toml"])
def test_a_sidecar_sets_title_date_and_url(tmp_path: Path, sidecar: str) -> None:
    (tmp_path / "note.txt").write_text("Plain Heading\n\nThe body of the note.\n", encoding="utf-8")
    (tmp_path / sidecar).write_text('title = "From the sidecar"\ndate = 2024-03-14\nurl = "https://x.org/n"\n')
    (document,) = load_corpus(tmp_path)
    assert (document.title, document.date, document.url) == ("From the sidecar", "2024-03-14", "https://x.org/n")
    assert document.meta_sha256 is not None


@pytest.mark.parametrize(
    ("content", "warning"),
    [("title = [unclosed", "not readable TOML"), ('titel = "typo"\n', "ignored key titel")],
)
def test_a_bad_sidecar_is_ignored_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str, warning: str
) -> None:
    (tmp_path / "note.md").write_text("# Own Title\n\nThe body of the note.\n", encoding="utf-8")
    (tmp_path / "note.md.meta.toml").write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        (document,) = load_corpus(tmp_path)
    assert document.title == "Own Title"
    assert [warning in r.getMessage() and "note.md.meta.toml" in r.getMessage() for r in caplog.records] == [True]


def test_front_matter_sets_the_url(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("---\ntitle: T\nurl: https://x.org/p\n---\nBody text of it.\n", encoding="utf-8")
    assert load_corpus(tmp_path)[0].url == "https://x.org/p"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://x.org/p", "https://x.org/p"),
        ("  http://x.org/p ", "http://x.org/p"),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("https://x.org/a b", None),
    ],
)
def test_only_web_links_are_kept(tmp_path: Path, url: str, kept: str | None) -> None:
    (tmp_path / "page.txt").write_text("Body text of the page.\n", encoding="utf-8")
    (tmp_path / "page.txt.meta.toml").write_text(f"url = {url!r}\n".replace("'", '"'), encoding="utf-8")
    assert load_corpus(tmp_path)[0].url == kept


def test_a_linked_sidecar_is_never_followed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "security").mkdir()
    (tmp_path / "security/merger.txt.meta.toml").write_text(
        'title = "Project Falcon: merger"\nurl = "https://intranet.example/falcon"\n', encoding="utf-8"
    )
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.toml"
    outside.write_text('db_password = "x"\naws_secret_key = "y"\n', encoding="utf-8")
    (tmp_path / "docs").mkdir()
    for name, target in (("notes.txt", tmp_path / "security/merger.txt.meta.toml"), ("other.txt", outside)):
        (tmp_path / "docs" / name).write_text("Notes Heading\n\nBody of the public notes.\n", encoding="utf-8")
        (tmp_path / "docs" / f"{name}.meta.toml").symlink_to(target)
    with caplog.at_level(logging.WARNING):
        documents = load_corpus(tmp_path / "docs")
    assert [(d.title, d.url) for d in documents] == [("Notes Heading", None), ("Notes Heading", None)]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and all("symbolic link" in m for m in messages)
    assert not any(word in " ".join(messages) for word in ("db_password", "aws_secret_key", "Falcon"))


def test_an_oversized_sidecar_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "note.txt").write_text("Own Heading\n\nThe body of the note.\n", encoding="utf-8")
    padding = "# " + "x" * 100 + "\n"
    (tmp_path / "note.txt.meta.toml").write_text('title = "From the sidecar"\n' + padding * 700, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        (document,) = load_corpus(tmp_path)
    assert document.title == "Own Heading"
    [message] = [r.getMessage() for r in caplog.records]
    assert "note.txt.meta.toml" in message and "64 KB" in message
    (tmp_path / "note.txt.meta.toml").write_text('title = "From the sidecar"\n' + padding * 600, encoding="utf-8")
    assert load_corpus(tmp_path)[0].title == "From the sidecar"  # under the cap, as before


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\u202e", "\x9b"])
def test_a_url_with_a_control_character_is_refused(tmp_path: Path, bad: str) -> None:
    (tmp_path / "page.txt").write_text("Body text of the page.\n", encoding="utf-8")
    (tmp_path / "page.txt.meta.toml").write_text(f"url = {json.dumps('https://x.org/p' + bad)}\n", encoding="utf-8")
    (tmp_path / "front.md").write_text(f"---\nurl: https://x.org/{bad}q\n---\nBody text of it.\n", encoding="utf-8")
    assert [d.url for d in load_corpus(tmp_path)] == [None, None]


def test_titles_and_dates_drop_control_characters(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("Body text of the note.\n", encoding="utf-8")
    sidecar = {"title": "Quarterly\x1b[8m report\x07\n\u202eevil", "date": "soon\x1b]0;x\x07"}
    (tmp_path / "note.txt.meta.toml").write_text(
        "".join(f"{key} = {json.dumps(value)}\n" for key, value in sidecar.items()), encoding="utf-8"
    )
    (document,) = load_corpus(tmp_path)
    assert (document.title, document.date) == ("Quarterly[8m report evil", "soon]0;x")
