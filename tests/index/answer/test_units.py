"""Quote units: a question line quoted with its answer, a neighbour that scores near, never past a section."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from quotebot.index.answer.units import Neighbours, UnitRule, choose_unit, introduces
from quotebot.index.build import build_index, open_engine
from quotebot.index.models import Chunk
from tests.fakes import FakeEmbedder


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can I use Rcpp with Visual Studio?", True),
        ("To get consistent results, set it as follows:", True),
        ("**Proxy settings**", True),  # a bold line, a <dt> term: no sentence end
        ("Not a chance.", False),
        ("The file must be opened in binary mode because the parser counts bytes.", False),
        ("A long line with no full stop at its end but far more than twelve words in it to read as a sentence", False),
        ("如何设置代理？", True),
    ],
)
def test_introduces(text: str, expected: bool) -> None:
    assert introduces(text) is expected


@dataclass
class _Stored:
    """The two things Neighbours reads of a StoredIndex."""

    chunks: list[Chunk]
    gone: set[int] = field(default_factory=set)

    def is_live(self, row: int) -> bool:
        return row not in self.gone


def _chunks(*blocks: tuple[str, str | None], doc: str = "faq.md") -> list[Chunk]:
    """Lay blocks (text, section) one after another in one document, a paragraph each."""
    out, at = [], 0
    for number, (text, section) in enumerate(blocks, start=1):
        out.append(Chunk(doc, number, number, at, at + len(text), text, section=section))
        at += len(text) + 2
    return out


FAQ = _chunks(
    ("Intro text about the tool, which is a sentence.", "FAQ"),
    ("Can I use it with Visual Studio?", "FAQ"),
    ("No: the compilers do not agree on the ABI.", "FAQ"),
    ("A note that says nothing much about anything.", "FAQ"),
    ("Another section starts here and says so.", "Install"),
)


def test_neighbours_stop_at_a_section_a_removed_row_and_the_limits() -> None:
    near = Neighbours(_Stored(FAQ))  # type: ignore[arg-type]
    assert near.around(1, UnitRule()) == ([0], [2, 3])
    assert near.around(3, UnitRule()) == ([2, 1], [])  # row 4 is another section
    assert near.around(1, UnitRule(ahead=1, back=0)) == ([], [2])
    assert near.around(1, UnitRule(chars=85)) == ([0], [2])  # rows 1-3 span more than 85 characters
    assert Neighbours(_Stored(FAQ, {2})).around(1, UnitRule()) == ([0], [])  # type: ignore[arg-type]


def test_neighbours_never_join_discord_messages_or_skipped_paragraphs() -> None:
    messages = [c if i != 2 else Chunk(c.doc_id, c.paragraph, c.last_paragraph, c.start, c.end, c.text,
                                       section=c.section, url="https://discord.com/channels/1/2/3")
                for i, c in enumerate(FAQ)]  # fmt: skip
    assert Neighbours(_Stored(messages)).around(1, UnitRule()) == ([0], [])  # type: ignore[arg-type]
    skipped = [*FAQ[:2], Chunk("faq.md", 5, 5, FAQ[2].start, FAQ[2].end, FAQ[2].text, section="FAQ")]
    assert Neighbours(_Stored(skipped)).around(1, UnitRule()) == ([0], [])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "scores", "rows", "answering"),
    [
        (1, {0: 0.1, 1: 0.9, 2: 0.2, 3: 0.3}, (1, 2, 3), 3),  # a question line: the best block after it, any score
        (2, {0: 0.1, 1: 0.3, 2: 0.9, 3: 0.2}, (2,), 2),  # its neighbours score far lower: alone
        (2, {0: 0.1, 1: 0.3, 2: 0.9, 3: 0.85}, (2, 3), 3),  # a neighbour within the margin joins it
        (3, {0: 0.1, 1: 0.84, 2: 0.5, 3: 0.9}, (1, 2, 3), 1),  # back too, over the block between
    ],
)
def test_choose_unit(row: int, scores: dict[int, float], rows: tuple[int, ...], answering: int) -> None:
    unit = choose_unit(row, Neighbours(_Stored(FAQ)), FAQ, scores, UnitRule(margin=0.08))  # type: ignore[arg-type]
    assert (unit.rows, unit.answering) == (rows, answering)
    assert unit.grown is (len(rows) > 1)


def test_a_unit_longer_than_its_blocks_allow_is_not_made() -> None:
    unit = choose_unit(1, Neighbours(_Stored(FAQ)), FAQ, {0: 0, 1: 1, 2: 0, 3: 0.5}, UnitRule(blocks=2))  # type: ignore[arg-type]
    assert unit.rows == (1,)


DOCUMENT = """# Editor FAQ

## Visual Studio

Can I build the extension with Visual Studio?

No. The extension's build scripts need the GNU toolchain, and the Visual Studio compiler cannot read its
makefiles.

## Themes

Dark themes are chosen in the settings window under Appearance.
"""

QUESTION = "Can I build the extension with Visual Studio?"


@pytest.fixture
def faq_engine(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "faq.md").write_text(DOCUMENT, encoding="utf-8")
    embedder = FakeEmbedder()
    build_index(corpus, tmp_path / "index", embedder)
    return open_engine(corpus, tmp_path / "index", embedder, rebuild=False), corpus / "faq.md"


def test_a_question_line_is_quoted_with_its_answer_as_one_verbatim_slice(faq_engine) -> None:
    engine, path = faq_engine
    passage = engine.answer(QUESTION, top_k=3).passages[0]
    assert passage.text.startswith(QUESTION) and "GNU toolchain" in passage.text
    assert path.read_text(encoding="utf-8")[passage.start : passage.end] == passage.text
    assert (passage.paragraph, passage.last_paragraph) == (1, 2)
    assert passage.highlight is not None
    start, end = passage.highlight
    assert passage.text[start:end].startswith("No.")  # the answer's sentence is the one in bold
    assert "Dark themes" not in passage.text  # another section
    # Later pages and shares check the same span again: a unit is quotable while its file is unchanged.
    assert engine.quotable(passage.doc_id, passage.start, passage.end, passage.text)
    assert not engine.quotable(passage.doc_id, passage.start, passage.end, passage.text + " ")
    assert not engine.quotable(passage.doc_id, passage.start, passage.end + 5)


def test_a_unit_is_not_quotable_once_its_file_changed(faq_engine) -> None:
    engine, path = faq_engine
    passage = engine.answer(QUESTION, top_k=3).passages[0]
    path.write_text(DOCUMENT.replace("GNU toolchain", "GNU tool chain"), encoding="utf-8")
    assert not engine.quotable(passage.doc_id, passage.start, passage.end, passage.text)
    assert not engine.answer(QUESTION).passages


def test_a_claim_quotes_its_block_alone(faq_engine) -> None:
    engine, _ = faq_engine
    passage = engine.answer(QUESTION, top_k=3, claim=True).passages[0]
    assert passage.paragraph == passage.last_paragraph


def test_a_rule_of_one_block_quotes_blocks_alone(faq_engine) -> None:
    engine, _ = faq_engine
    engine.unit_rule = UnitRule(blocks=1)
    assert engine.answer(QUESTION, top_k=3).passages[0].text == QUESTION
