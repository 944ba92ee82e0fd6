"""Duplicate passages collapse into the best-ranked one, citing every other place they are found."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from quotebot.index import Citation, Passage
from quotebot.index.answer.dedupe import collapse_duplicates, is_duplicate

DOC = (
    "China always supports establishment of an inclusive and sustained information security process with "
    "universal participation under the auspices of the UN while upholding the centrality of the UN. For this "
    "reason, we cosponsored UN resolution 73/27 calling for the establishment of OEWG, the first information "
    "security process with universal participation in the history of the UN. For the same reason, we voted "
    "against resolution 73/266 on reconvening GGE, as the establishment of two parallel processes with similar "
    "mandates not only creates redundancy, but also incites division."
)
BACKDOORS = "ICT products and services providers should not install backdoors in their products and services."
SURVEILLANCE = "States should oppose mass surveillance against other States with ICTs as a tool."
PANDEMIC = "Due to the impact of the pandemic, this year's OEWG and GGE processes have lagged behind their schedules."
# Twenty words; the variants below change one of them.
LONG = (
    "Many countries believe that the initiative is very constructive and offers a solution to major data "
    "security issues of today"
)


def make(text: str, doc: str = "a.txt", start: int = 0, *, paragraph: int = 1, score: float = 0.9) -> Passage:
    """Return a passage of `text` at `start` in document `doc`."""
    return Passage(
        text=text,
        doc_id=doc,
        source=Path("/corpus") / doc,
        title=doc.removesuffix(".txt").upper(),
        date=None,
        paragraph=paragraph,
        last_paragraph=paragraph,
        start=start,
        end=start + len(text),
        score=score,
        highlight=(0, min(10, len(text))),
    )


def window(start: int, end: int, doc: str = "a.txt") -> Passage:
    """Return the slice DOC[start:end] as a passage of `doc`."""
    return make(DOC[start:end], doc, start)


def place(passage: Passage | Citation) -> tuple[str, int, int]:
    """Return where a passage or citation is: document, start, end."""
    return passage.doc_id, passage.start, passage.end


CASES = {
    "identical text in two documents": (
        [make(BACKDOORS, "a.txt", 10), make(BACKDOORS, "b.txt", 500)],
        [(("a.txt", 10), [("b.txt", 500)])],
    ),
    "same text up to case, spacing and punctuation": (
        [
            make(BACKDOORS, "a.txt"),
            make(
                "ICT products  and services providers\nshould NOT install “backdoors” in their products, and services!",
                "b.txt",
            ),
        ],
        [(("a.txt", 0), [("b.txt", 0)])],
    ),
    "overlapping windows of one document": (
        [window(0, 300), window(120, 420)],
        [(("a.txt", 0), [("a.txt", 120)])],
    ),
    "a paragraph inside the lead-in chunk that holds it": (
        [window(0, len(DOC)), window(200, 380)],
        [(("a.txt", 0), [("a.txt", 200)])],
    ),
    "windows that share a little are kept apart": (
        [window(0, 300), window(250, 550)],
        [(("a.txt", 0), []), (("a.txt", 250), [])],
    ),
    "the same offsets in another document are not an overlap": (
        [make(BACKDOORS, "a.txt"), make(SURVEILLANCE, "b.txt")],
        [(("a.txt", 0), []), (("b.txt", 0), [])],
    ),
    "near-identical: one word in twenty changed": (
        [make(LONG, "a.txt"), make(LONG.replace("very", "highly"), "b.txt")],
        [(("a.txt", 0), [("b.txt", 0)])],
    ),
    "near-identical but a negation differs": (
        [make(LONG, "a.txt"), make(LONG.replace("is very", "is not"), "b.txt")],
        [(("a.txt", 0), []), (("b.txt", 0), [])],
    ),
    "near-identical but a number differs": (
        [make(DOC[200:380], "a.txt"), make(DOC[200:380].replace("73/27", "73/28"), "b.txt")],
        [(("a.txt", 0), []), (("b.txt", 0), [])],
    ),
    "short passages one word apart are distinct": (
        [make("States should act.", "a.txt"), make("States should react.", "b.txt")],
        [(("a.txt", 0), []), (("b.txt", 0), [])],
    ),
    "distinct passages are all kept, in order": (
        [make(PANDEMIC, "c.txt"), make(BACKDOORS, "a.txt"), make(SURVEILLANCE, "b.txt")],
        [(("c.txt", 0), []), (("a.txt", 0), []), (("b.txt", 0), [])],
    ),
    "duplicates are cited in rank order, distinct passages keep their rank": (
        [make(BACKDOORS, "c.txt"), make(PANDEMIC, "a.txt"), make(BACKDOORS, "b.txt"), make(BACKDOORS, "a.txt", 9)],
        [(("c.txt", 0), [("b.txt", 0), ("a.txt", 9)]), (("a.txt", 0), [])],
    ),
    "empty list": ([], []),
}


@pytest.mark.parametrize(("passages", "expected"), list(CASES.values()), ids=list(CASES))
def test_collapse_duplicates(passages: list[Passage], expected: list[tuple[tuple[str, int], list]]) -> None:
    kept = collapse_duplicates(passages)
    got = [((p.doc_id, p.start), [(c.doc_id, c.start) for c in p.also_in]) for p in kept]
    assert got == expected


def test_kept_passage_is_unchanged_but_for_its_citations() -> None:
    best, copy = (
        make(BACKDOORS, "a.txt", 3, paragraph=2, score=0.9),
        make(BACKDOORS, "b.txt", 7, paragraph=5, score=0.8),
    )
    (kept,) = collapse_duplicates([best, copy])
    assert (kept.text, kept.score, kept.highlight, kept.paragraph_label) == (best.text, 0.9, best.highlight, "¶ 2")
    (cited,) = kept.also_in
    assert cited == Citation("b.txt", Path("/corpus/b.txt"), "B", None, 5, 5, 7, 7 + len(BACKDOORS))
    assert cited.paragraph_label == "¶ 5"


def test_a_duplicates_own_citations_are_carried_over_once() -> None:
    elsewhere = Citation("c.txt", Path("/corpus/c.txt"), "C", "2020-01-01", 4, 4, 0, len(BACKDOORS))
    here = Citation("a.txt", Path("/corpus/a.txt"), "A", None, 1, 1, 0, len(BACKDOORS))
    head = make(BACKDOORS, "a.txt")
    dup = replace(make(BACKDOORS, "b.txt"), also_in=(elsewhere, here))
    (kept,) = collapse_duplicates([head, dup])
    assert [place(c) for c in kept.also_in] == [place(dup), place(elsewhere)]  # the head's own place is not repeated


def swap(text: str, changes: dict[int, str]) -> str:
    """Return the text with the words at the given positions replaced."""
    return " ".join(changes.get(i, word) for i, word in enumerate(text.split()))


def test_near_duplicates_do_not_chain() -> None:
    one = swap(LONG, {8: "truly"})  # one word of twenty changed
    two = swap(LONG, {8: "truly", 16: "big"})  # two
    three = swap(LONG, {8: "truly", 16: "big", 18: "tomorrow"})  # three: two from `one`, three from LONG
    assert is_duplicate(make(LONG), make(one, "b.txt")) and is_duplicate(make(one), make(three, "c.txt"))
    assert not is_duplicate(make(LONG), make(three, "c.txt"))
    kept = collapse_duplicates([make(LONG), make(one, "b.txt"), make(two, "c.txt"), make(three, "d.txt")])
    assert [p.doc_id for p in kept] == ["a.txt", "d.txt"]  # `three` is compared with LONG, not with `one`
    assert [c.doc_id for c in kept[0].also_in] == ["b.txt", "c.txt"]


def test_input_is_not_modified() -> None:
    passages = [make(BACKDOORS, "a.txt"), make(BACKDOORS, "b.txt")]
    collapse_duplicates(passages)
    assert [p.also_in for p in passages] == [(), ()]
