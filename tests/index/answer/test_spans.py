"""The span index: live chunks by the span they quote, and the rest of a passage's paragraphs for a claim."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from quotebot.index import BuildOptions
from quotebot.index.build import build_index, open_engine
from tests.fakes import ROOT, FakeEmbedder

EXPORT = ROOT / "tests" / "data" / "discord_export.json"
LONG = " ".join(f"Sentence {i} says the depot opened in {1900 + i}." for i in range(90))


def _engine(tmp_path: Path, fake_embedder: FakeEmbedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "depot.txt").write_text(f"The depot\n\n{LONG}\n\nA second paragraph.", encoding="utf-8")
    shutil.copy(EXPORT, corpus / "faq.json")
    options = BuildOptions(chunk_tokens=120)  # the long paragraph is cut into windows
    build_index(corpus, tmp_path / "index", fake_embedder, options)
    return open_engine(corpus, tmp_path / "index", fake_embedder, options, rebuild=False)


def test_a_long_paragraph_s_other_blocks_are_its_rest(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    engine = _engine(tmp_path, fake_embedder)
    blocks = [c for c in engine.stored.chunks if c.doc_id == "depot.txt" and c.text.startswith(("Sentence", "… "))]
    assert len(blocks) > 1  # the long paragraph was cut into windows
    passage = engine.answer("When did the depot open, sentence 3?", top_k=1).passages[0]
    rest = engine._spans.rest_of_paragraphs(passage)
    assert passage.text in rest and set(rest) <= {c.text for c in blocks}
    assert "A second paragraph." not in rest
    assert engine._spans.exact(passage.doc_id, passage.start, passage.end) is not None


def test_a_discord_message_never_lends_its_words(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    engine = _engine(tmp_path, fake_embedder)
    row, message = next((r, c) for r, c in enumerate(engine.stored.chunks) if c.url is not None)
    passage = engine.answer(message.text[:80], top_k=3).passages[0]
    if passage.url is None:  # the fake model found the depot: cite the message itself
        passage = replace(passage, doc_id=message.doc_id, start=message.start, paragraph=message.paragraph,
                          last_paragraph=message.last_paragraph)  # fmt: skip
    assert engine._spans.starting(message.doc_id, message.start) == row
    assert engine._spans.rest_of_paragraphs(passage) == []
