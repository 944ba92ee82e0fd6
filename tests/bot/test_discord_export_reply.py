"""A message from a Discord export is quoted as safely as any passage: no ping, no live Markdown, its own link."""

from __future__ import annotations

import json
from pathlib import Path

from quotebot.bot.reply.replies import build_reply, reply_payload
from quotebot.index import load_collections, open_library
from quotebot.index.build import open_engine
from tests.fakes import FakeEmbedder

HOSTILE = (
    "@everyone <@123456789012345678> **the rollback** runs with `make rollback` and [click](https://evil.example)."
)


def test_a_hostile_message_is_quoted_verbatim_without_pinging_or_formatting(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    export = {
        "guild": {"id": "1"},
        "channel": {"id": "2", "name": "ops"},
        "messages": [
            {"id": "3", "type": "Default", "timestamp": "2024-01-02T00:00:00Z", "content": HOSTILE,
             "author": {"id": "4", "name": "mallory", "isBot": False}},
            {"id": "5", "type": "Default", "timestamp": "2024-01-03T00:00:00Z", "content": "y" * 3990 + " done.",
             "author": {"id": "4", "name": "mallory", "isBot": False}},
        ],
    }  # fmt: skip
    (tmp_path / "corpus" / "ops.json").write_text(json.dumps(export), encoding="utf-8")
    engine = open_engine(tmp_path / "corpus", tmp_path / "index", FakeEmbedder())
    answer = engine.answer("How does the rollback run?")
    assert answer.passages[0].text == HOSTILE
    payload = reply_payload(build_reply(answer, root=tmp_path))
    assert (
        payload["allowed_mentions"] == {"parse": [], "replied_user": False}
        or payload["allowed_mentions"]["parse"] == []
    )
    embed = payload["embeds"][0]
    assert embed["url"] == "https://discord.com/channels/1/2/3"
    assert "#ops" in json.dumps(embed["fields"], ensure_ascii=False) and "2024-01-02" in json.dumps(embed["fields"])
    shown = embed["description"]
    assert "\\*\\*the rollback\\*\\*" in shown and "@everyone" not in shown.replace("@\u200beveryone", "")
    assert "mallory" not in json.dumps(payload)  # authors are not shown
    assert "ops.json" not in json.dumps(payload)  # nor the file on the bot's disk: the jump link is the citation


def test_authors_are_cited_only_where_the_collection_says_show_authors(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    export = {
        "guild": {"id": "1"},
        "channel": {"id": "2", "name": "ops"},
        "messages": [
            {"id": "3", "type": "Default", "timestamp": "2024-01-02T00:00:00Z", "content": "Rollbacks run nightly.",
             "author": {"id": "4", "name": "mallory", "nickname": "Mal", "isBot": False}},
        ],
    }  # fmt: skip
    (tmp_path / "corpus" / "ops.json").write_text(json.dumps(export), encoding="utf-8")
    config = tmp_path / "quotebot.toml"
    config.write_text('[collections.ops]\npath = "corpus"\nshow_authors = true\n', encoding="utf-8")
    shown = open_library(load_collections(config, tmp_path), tmp_path / "index", embedder=FakeEmbedder())
    [cited] = shown.answer("When do rollbacks run?").passages
    payload = reply_payload(build_reply(shown.answer("When do rollbacks run?"), root=tmp_path))
    assert cited.section == "Mal" and "Mal" in json.dumps(payload["embeds"][0]["fields"])
    config.write_text('[collections.ops]\npath = "corpus"\n', encoding="utf-8")  # off again: the index rebuilds
    hidden = open_library(load_collections(config, tmp_path), tmp_path / "index", embedder=FakeEmbedder())
    [cited] = hidden.answer("When do rollbacks run?").passages
    assert cited.section is None
