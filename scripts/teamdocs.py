"""The teamdocs sets for scripts/eval.py and scripts/fit.py: real team documents and chat-style questions.

    python scripts/eval.py --only teamdocs          # teamdocs_dev, as `quotebot ask` would answer
    python scripts/eval.py --only teamdocs2         # teamdocs_dev2, and its questions in five other languages
    python scripts/eval.py --only teamdocs --misses # and the answerable questions missed at 3

../shared/eval/teamdocs_dev (read in place): 56 Markdown, HTML and PDF documents, 100 answerable
questions with gold substrings and 30 it cannot answer (10 off-topic, 20 near-domain). Scored as its
score.py scores `quotebot ask --json`: a hit at k is a gold substring in one of the first k passages
shown. The documents are split in two by name ("tune": fitted and chosen on; "heldout": reported), and
every question follows its document (an off-topic one alternates).

../shared/eval/teamdocs_dev2: 45 other documents, 80 answerable questions, 20 unanswerable (5 off-topic, 15
near-domain) and 20 of the answerable ones asked in zh, es, ru, ar and fr. Nothing is fitted on it: its
questions are all "heldout". The quote units (index.answer.units) and the changelog penalty were chosen on
teamdocs_dev and reported here, and the reverse (docs/evaluation.md).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit import ROOT, WORK, Prepared, Query, prepare, read_jsonl, unrelated_claims

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import open_engine
from quotebot.index.embed.base import Embedder
from quotebot.index.ingest.files import corpus_files, load_document

TEAMDOCS = ROOT.parent / "shared" / "eval" / "teamdocs_dev"
CORPUS = TEAMDOCS / "corpus"
SETS = {"teamdocs": TEAMDOCS, "teamdocs2": ROOT.parent / "shared" / "eval" / "teamdocs_dev2"}


def split_of(document: str) -> str:
    """Put a document in "tune" or "heldout", by a hash of its name (stable, about half each)."""
    return "tune" if hashlib.sha256(document.encode()).digest()[0] % 2 == 0 else "heldout"


@dataclass(frozen=True)
class Row:
    """One question of the set: its gold substrings (none: unanswerable), document, kind and split."""

    question: str
    gold: tuple[str, ...]
    document: str | None
    kind: str  # "answerable" | "off-topic" | "near-domain"
    split: str


def rows(folder: Path = TEAMDOCS) -> list[Row]:
    """Read a set's questions, answerable first, in file order (teamdocs_dev's split in two, any other held out)."""
    tuned = folder == TEAMDOCS
    out = [
        Row(str(r["q"]), tuple(r["gold"]), str(r["doc"]), "answerable", split_of(str(r["doc"])) if tuned else "heldout")
        for r in read_jsonl(folder / "questions.jsonl")
    ]
    for number, r in enumerate(read_jsonl(folder / "no_answer.jsonl")):
        near = r.get("near")
        split = split_of(str(near)) if near else ("tune" if number % 2 == 0 else "heldout")
        out.append(Row(str(r["q"]), (), str(near) if near else None, str(r["kind"]), split if tuned else "heldout"))
    return out


def crosslingual(folder: Path) -> list[tuple[str, Row]]:
    """Read a set's questions asked in other languages (their language, and the row with the English gold)."""
    path = folder / "crosslingual.jsonl"
    if not path.exists():
        return []
    return [(str(r["lang"]), Row(str(r["q"]), tuple(r["gold"]), str(r["doc"]), "answerable", "heldout"))
            for r in read_jsonl(path)]  # fmt: skip


def queries(selected: Sequence[Row]) -> list[Query]:
    """Turn rows into eval queries: the gold keys are the gold substrings."""
    return [Query(r.question, frozenset(r.gold), r.split) for r in selected]


def open_index(embedder: Embedder, folder: Path = TEAMDOCS) -> QuoteEngine:
    """Open (building if needed) the index of a teamdocs set's corpus."""
    name = "teamdocs-index" if folder == TEAMDOCS else f"{folder.name}-index"
    return open_engine(folder / "corpus", WORK / name, embedder)


def gold_key(engine: QuoteEngine, selected: Sequence[Row]) -> Callable[[int], set[str]]:
    """Return the map from a chunk row to the gold substrings its text holds."""
    golds = {g for r in selected for g in r.gold}
    holds = [{g for g in golds if g in chunk.text} for chunk in engine.stored.chunks]
    return lambda row: holds[row]


def prepare_teamdocs(embedder: Embedder) -> tuple[Prepared, list[Row]]:
    """Prepare every teamdocs question's candidates once."""
    engine = open_index(embedder)
    selected = rows()
    return prepare(engine, queries(selected), gold_key(engine, selected)), selected


@dataclass(frozen=True)
class Shown:
    """What `quotebot ask` shows for one question: whether it answered, and at which rank a gold is."""

    answered: bool
    first: int | None  # the 0-based rank of the first shown passage holding a gold
    confidence: float
    top: str  # the first shown passage, for the misses list
    grown: bool = False  # the first passage is a quote unit of more than one block


def shown(engine: QuoteEngine, row: Row, top_k: int = 3) -> Shown:
    """Answer a question as the command line does and find its gold among the passages shown."""
    answer = engine.answer(row.question, top_k)
    first = next((i for i, p in enumerate(answer.passages) if any(g in p.text for g in row.gold)), None)
    top = answer.passages[0].text if answer.passages else ""
    grown = bool(answer.passages) and _blocks(engine, answer.passages[0]) > 1
    return Shown(answer.answered, first, answer.confidence or 0.0, top, grown)


def _blocks(engine: QuoteEngine, passage: Any) -> int:
    """Count the chunks a passage spans (more than one: a quote unit)."""
    chunks = engine.stored.chunks
    return sum(c.doc_id == passage.doc_id and passage.start <= c.start and c.end <= passage.end for c in chunks)


def score(results: Sequence[tuple[Row, Shown]]) -> dict[str, Any]:
    """Return score.py's figures for some answered rows."""
    answerable = [(r, s) for r, s in results if r.kind == "answerable"]
    n = max(len(answerable), 1)
    declined = Counter(r.kind for r, s in results if r.kind != "answerable" and not s.answered)
    kinds = Counter(r.kind for r, _ in results)
    return {
        "hit@1": sum(s.first == 0 for _, s in answerable) / n,
        "hit@3": sum(s.first is not None for _, s in answerable) / n,
        "hit@1 and answered": sum(s.first == 0 and s.answered for _, s in answerable) / n,
        "answerable declined": sum(not s.answered for _, s in answerable),
        "answerable": len(answerable),
        "off-topic declined": declined["off-topic"],
        "off-topic": kinds["off-topic"],
        "near-domain declined": declined["near-domain"],
        "near-domain": kinds["near-domain"],
    }


def run_teamdocs(embedder: Embedder, *, misses: bool = False, folder: Path = TEAMDOCS) -> dict[str, Any]:
    """Print a teamdocs set's figures per split and per format, as `quotebot ask` answers."""
    if not folder.is_dir():
        print(f"\n{folder.name} skipped: {folder} not found")
        return {}
    engine = open_index(embedder, folder)
    results = [(row, shown(engine, row)) for row in rows(folder)]
    splits = [split for split in _SPLITS if any(split in ("all", r.split) for r, _ in results)]
    figures = {split: score([(r, s) for r, s in results if split in ("all", r.split)]) for split in splits}
    print(f"\n{folder.name} — {len(results)} questions, {len(engine.stored.manifest.documents)} documents")
    print(f"{'split':<9}{'hit@1':>7}{'hit@3':>7}{'ans. declined':>15}{'off-topic decl.':>17}{'near-domain decl.':>19}")
    for split, f in figures.items():
        print(
            f"{split:<9}{f['hit@1']:>7.3f}{f['hit@3']:>7.3f}{_of(f, 'answerable declined', 'answerable'):>15}"
            f"{_of(f, 'off-topic declined', 'off-topic'):>17}{_of(f, 'near-domain declined', 'near-domain'):>19}"
        )
    for kind in ("markdown", "html", "pdf"):
        part = [(r, s) for r, s in results if r.kind == "answerable" and _kind(r.document) == kind]
        f = score(part)
        print(f"  {kind:<9} hit@1 {f['hit@1']:.3f} hit@3 {f['hit@3']:.3f} ({len(part)} questions)")
    tops = [s for r, s in results if r.kind == "answerable" and s.top]
    lengths = sorted(len(s.top) for s in tops)
    print(f"  first passage: a quote unit of several blocks {sum(s.grown for s in tops)}/{len(tops)}, "
          f"median {lengths[len(lengths) // 2] if lengths else 0} characters")  # fmt: skip
    figures["crosslingual"] = _crosslingual(engine, folder)
    if misses:
        _print_misses(results)
    figures["coverage"] = coverage(engine, folder / "corpus")
    figures["unrelated claims"] = unrelated_claims(engine, "teamdocs")
    return figures


_SPLITS = ("tune", "heldout", "all")


def _of(figures: dict[str, Any], part: str, whole: str) -> str:
    return f"{figures[part]}/{figures[whole]}"


def _kind(document: str | None) -> str:
    suffix = Path(document or "").suffix.lower()
    return {".md": "markdown", ".html": "html", ".pdf": "pdf"}.get(suffix, "other")


def _print_misses(results: Sequence[tuple[Row, Shown]]) -> None:
    """List the answerable questions missed at 3, and the unanswerable ones answered."""
    print("\nmissed at 3 (question → first passage shown):")
    for row, s in results:
        if row.kind == "answerable" and s.first is None:
            print(f"  [{row.split}] {row.question} ({row.document}) → {_short(s.top)}")
    print("\nunanswerable but answered (confidence):")
    for row, s in results:
        if row.kind != "answerable" and s.answered:
            print(f"  [{row.kind}] {row.question} ({s.confidence:.2f}) → {_short(s.top)}")


def _short(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:110]


def _crosslingual(engine: QuoteEngine, folder: Path) -> dict[str, Any]:
    """Print hit@1 and hit@3 of a set's questions asked in other languages, per language and in all."""
    asked = crosslingual(folder)
    if not asked:
        return {}
    results = [(lang, shown(engine, row)) for lang, row in asked]
    figures: dict[str, Any] = {}
    for lang in [*dict.fromkeys(lang for lang, _ in results), "all"]:
        part = [s for lang_, s in results if lang in ("all", lang_)]
        hit1, hit3 = sum(s.first == 0 for s in part) / len(part), sum(s.first is not None for s in part) / len(part)
        figures[lang] = {"hit@1": hit1, "hit@3": hit3, "questions": len(part)}
    print("  other languages: " + ", ".join(f"{k} {v['hit@1']:.2f}/{v['hit@3']:.2f}" for k, v in figures.items()))
    return figures


def coverage(engine: QuoteEngine, corpus: Path = CORPUS) -> dict[str, float]:
    """Return, per document, the share of its text's words that some passage covers (printed: the lowest)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for chunk in engine.stored.chunks:
        spans.setdefault(chunk.doc_id, []).append((chunk.start, chunk.end))
    shares = {}
    for path in corpus_files(corpus):
        document = load_document(path, path.name)
        marked = bytearray(len(document.text))
        for start, end in spans.get(path.name, []):
            marked[start:end] = b"\x01" * (end - start)
        words = [m.start() for m in re.finditer(r"\w+", document.text)]
        shares[path.name] = sum(marked[a] for a in words) / max(len(words), 1)
    low = sorted(shares.items(), key=lambda item: item[1])[:5]
    mean = sum(shares.values()) / max(len(shares), 1)
    print(f"  text covered by some passage: mean {mean:.3f}; lowest " + ", ".join(f"{n} {v:.2f}" for n, v in low))
    return shares
