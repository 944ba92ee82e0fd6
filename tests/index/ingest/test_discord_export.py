"""DiscordChatExporter archives: a message a paragraph, its jump link and date; bots, notices and empties left out."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from quotebot.index import DocumentFormatError
from quotebot.index.build import build_index, chunk_document, open_engine
from quotebot.index.ingest.extract import extract_discord_export, looks_like_discord_export
from quotebot.index.ingest.files import load_document
from tests.fakes import ROOT, FakeEmbedder

EXPORT = ROOT / "tests" / "data" / "discord_export.json"
JUMP = "https://discord.com/channels/111111111111111111/222222222222222222/"


def _export(messages: list[dict[str, Any]], **top: Any) -> bytes:
    raw = {"guild": {"id": "1", "name": "G"}, "channel": {"id": "2", "name": "general"}, "messages": messages} | top
    return json.dumps(raw).encode()


def _message(number: int, content: str, **more: Any) -> dict[str, Any]:
    author = {"id": "9", "name": "someone", "isBot": more.pop("bot", False)}
    return {
        "id": str(number),
        "type": "Default",
        "timestamp": f"2024-05-0{number}T08:00:00+00:00",
        "content": content,
        "author": author,
    } | more


def test_people_s_messages_become_paragraphs_with_their_own_links_and_dates() -> None:
    extracted = extract_discord_export(EXPORT.read_bytes())
    paragraphs = extracted.text.split("\n\n")
    assert paragraphs[0].startswith("To reset your password")
    assert paragraphs[1] == "Backups run every night at 02:00 UTC and are kept for thirty days."
    assert extracted.title == "#faq" and extracted.date == "2024-03-05"
    assert [(a.url, a.date) for a in extracted.anchors] == [
        (JUMP + "333333333333333301", "2024-03-01"),
        (JUMP + "333333333333333305", "2024-03-05"),
    ]
    for anchor in extracted.anchors:  # each anchor is where its message's text starts, verbatim
        assert extracted.text[anchor.start :].startswith(("To reset", "Backups run"))


@pytest.mark.parametrize(
    "message",
    [
        _message(1, "The deploy finished for version 2.4 today.", bot=True),
        _message(1, "joined the server", type="GuildMemberJoin"),
        _message(1, "   "),
        _message(1, "", attachments=[{"url": "a.png"}]),
        _message(1, None),
        _message(1, "x" * 4001),
        _message(1, "A link id that is not a Discord id.", id="1/../../evil"),
    ],
    ids=["bot", "system", "blank", "attachment only", "no content", "longer than Discord allows", "bad id"],
)
def test_what_no_person_wrote_as_text_is_left_out(message: dict[str, Any]) -> None:
    kept = _message(2, "Restores are requested in the ops channel with the date you need.")
    extracted = extract_discord_export(_export([message, kept]))
    assert extracted.text == kept["content"] and len(extracted.anchors) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "not a readable"),
        (b"[1, 2]", "no guild, channel and messages"),
        (_export([_message(1, "Hello there, friends.")], guild={"id": "javascript:alert(1)"}), "not a Discord id"),
        (_export([_message(1, "A bot wrote this.", bot=True)]), "no message with text"),
        (
            b'{"guild": {"id": "1"}, "channel": {"id": "2"}, "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "not a readable",
        ),
    ],
    ids=["not json", "a list", "hostile guild id", "only bots", "nested 100,000 deep"],
)
def test_a_malformed_export_is_one_format_error(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentFormatError, match=reason) as caught:
        extract_discord_export(data)
    assert "\n" not in str(caught.value)


def test_only_exports_are_sniffed_as_exports() -> None:
    assert looks_like_discord_export(EXPORT.read_bytes())
    assert not looks_like_discord_export(b'{"name": "my-package", "version": "1.0.0"}')


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(EXPORT, folder / "faq.json")
    return folder


def test_a_passage_cites_its_message_and_is_a_slice_of_the_stored_text(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder())
    answer = engine.answer("How long are the nightly backups kept?")
    first = answer.passages[0]
    assert first.text == "Backups run every night at 02:00 UTC and are kept for thirty days."
    assert first.url == JUMP + "333333333333333305" and first.date == "2024-03-05" and first.title == "#faq"
    stored = engine.stored.extracted_text(engine.stored.manifest.documents[0].sha256)
    assert stored is not None and stored[first.start : first.end] == first.text


def test_a_message_is_never_joined_with_the_next_one(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    lead = _message(1, "The steps for a release are these:")
    other = _message(2, "Unrelated: the office is closed on Friday for the holiday.")
    (tmp_path / "corpus" / "chat.json").write_bytes(_export([lead, other]))
    document = load_document(tmp_path / "corpus" / "chat.json", "chat.json")
    chunks = chunk_document(document, chunk_tokens=200, count_tokens=len)
    assert [c.text for c in chunks] == [lead["content"], other["content"]]
    assert [c.url for c in chunks] == ["https://discord.com/channels/1/2/1", "https://discord.com/channels/1/2/2"]


def test_another_json_file_is_skipped_with_one_warning(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (corpus / "package.json").write_text('{"name": "site", "version": "1.0.0"}', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        manifest = build_index(corpus, tmp_path / "index", FakeEmbedder())
    assert [d.doc_id for d in manifest.documents] == ["faq.json"]
    lines = [r.getMessage() for r in caplog.records if "package.json" in r.getMessage()]
    assert len(lines) == 1 and "DiscordChatExporter" in lines[0] and "\n" not in lines[0]


@pytest.mark.parametrize(
    ("server", "quoted"),
    [(None, True), (111111111111111111, True), (999, False), (0, False)],
    ids=["command line", "its own server", "another server", "a DM"],
)
def test_a_discord_message_is_quoted_in_its_own_server_only(
    corpus: Path, tmp_path: Path, server: int | None, quoted: bool
) -> None:
    (corpus / "notes.txt").write_text("Backups are kept on tape in the basement.\n", encoding="utf-8")
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder())
    texts = [p.text for p in engine.answer("How long are the nightly backups kept?", server=server).passages]
    assert ("Backups run every night at 02:00 UTC and are kept for thirty days." in texts) is quoted
    assert any("tape" in t for t in texts) or quoted  # a file's passages are quoted anywhere
