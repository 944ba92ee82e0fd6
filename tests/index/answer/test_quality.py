"""Quality regression guards with the real model: the seed questions, 200 SQuAD v1.1 dev questions, team docs.

Thresholds sit a few points under the figures measured on these same subsets (see README,
"Answer quality"), so a change that breaks retrieval or the decline rule fails CI.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from quotebot.index import Embedder
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import build_index, open_engine
from tests.fakes import ROOT

pytestmark = pytest.mark.slow

SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"


@dataclass(frozen=True)
class Figures:
    """What one subset measured."""

    hit1: float
    hit3: float
    answerable_declined: float
    ood_declined: float | None


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def measure(engine: QuoteEngine, rows: list[tuple[str, set[str] | None]], covers) -> Figures:
    """Score (question, gold keys or None for out of domain) rows; `covers(row)` gives a chunk's keys."""
    hits1 = hits3 = declined = ood_declined = 0
    answerable = [(q, g) for q, g in rows if g]
    ood = [q for q, g in rows if not g]
    for question, gold in answerable:
        ranked = engine.rank(question, 3)
        found = [bool(covers(r.row) & gold) for r in ranked]
        hits1 += found[0]
        hits3 += any(found)
        declined += not engine.ranking.rule.answers(ranked[0].evidence)
    for question in ood:
        ood_declined += not engine.ranking.rule.answers(engine.rank(question, 1)[0].evidence)
    n = len(answerable)
    return Figures(hits1 / n, hits3 / n, declined / n, ood_declined / len(ood) if ood else None)


@pytest.fixture(scope="module")
def seed_engine(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> QuoteEngine:
    index = tmp_path_factory.mktemp("seed-index")
    build_index(ROOT / "corpus", index, real_embedder)
    return open_engine(ROOT / "corpus", index, real_embedder, rebuild=False)


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_seed_questions_quality_floor(seed_engine: QuoteEngine, split: str) -> None:
    rows = [r for r in _read_jsonl(ROOT / "tests/data/seed_questions.jsonl") if r["split"] == split]
    chunks = seed_engine.stored.chunks

    def covers(row: int) -> set[str]:
        return {str(p) for p in range(chunks[row].paragraph, chunks[row].last_paragraph + 1)}

    got = measure(
        seed_engine, [(r["question"], {str(r["paragraph"])} if r["paragraph"] else None) for r in rows], covers
    )
    # measured with multilingual-e5-small (issue 26's fit; scripts/eval.py): tune 0.829 / 1.0 / 0.086 / 0.733,
    # heldout 0.944 / 1.0 / 0.0 / 0.714. With all-MiniLM-L6-v2 (issue 16): tune 0.829 / 1.0 / 0.057 / 0.733,
    # heldout 0.944 / 1.0 / 0.0 / 0.571. e5 wrongly declines one more tune question of 35 (3, not 2).
    floor = {"tune": 0.78, "heldout": 0.88}[split]
    assert got.hit1 >= floor and got.hit3 >= 0.97
    assert got.answerable_declined <= 0.09
    assert got.ood_declined is not None and got.ood_declined >= {"tune": 0.70, "heldout": 0.70}[split]


def squad_subset(limit: int = 200) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, set[str]]]]:
    """Pick the smallest articles until they hold `limit` questions; return their paragraphs and questions."""
    articles: dict[str, list[tuple[str, str]]] = {}
    for row in _read_jsonl(SQUAD / "corpus.jsonl"):
        articles.setdefault(row["title"], []).append((row["id"], row["text"]))
    queries = _read_jsonl(SQUAD / "queries.jsonl")
    per_article = Counter(q["gold"][0].rsplit("_", 1)[0] for q in queries)
    chosen: list[str] = []
    for title in sorted(articles, key=lambda t: (len(articles[t]), t)):
        if sum(per_article[t] for t in chosen) >= limit:
            break
        chosen.append(title)
    picked = [q for q in queries if q["gold"][0].rsplit("_", 1)[0] in chosen][:limit]
    return {t: articles[t] for t in chosen}, [(q["question"], set(q["gold"])) for q in picked]


@pytest.mark.skipif(not SQUAD.is_dir(), reason="../shared/eval/squad11_dev is not on this machine")
def test_squad_subset_quality_floor(real_embedder: Embedder, tmp_path: Path) -> None:
    articles, questions = squad_subset()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for title, paragraphs in articles.items():
        text, doc = f"title: {title.replace('_', ' ')}\n\n", []
        for pid, paragraph in paragraphs:
            doc.append((len(text), len(text) + len(paragraph), pid))
            text += paragraph + "\n\n"
        (corpus / f"{title}.txt").write_text(text, encoding="utf-8")
        spans[f"{title}.txt"] = doc
    build_index(corpus, tmp_path / "index", real_embedder)
    engine = open_engine(corpus, tmp_path / "index", real_embedder, rebuild=False)

    def covers(row: int) -> set[str]:
        chunk = engine.stored.chunks[row]
        return {pid for s, e, pid in spans[chunk.doc_id] if s <= chunk.start < e or s < chunk.end <= e}

    got = measure(engine, list(questions), covers)
    assert len(questions) == 200 and len(articles) == 10
    # measured on this subset (10 articles, 230 paragraphs): hit@1 0.91, hit@3 0.97, declined 0.025
    assert got.hit1 >= 0.87 and got.hit3 >= 0.94
    assert got.answerable_declined <= 0.05


TEAMDOCS = ROOT.parent / "shared" / "eval" / "teamdocs_dev"


@pytest.mark.skipif(not TEAMDOCS.is_dir(), reason="../shared/eval/teamdocs_dev is not on this machine")
def test_teamdocs_subset_quality_floor(real_embedder: Embedder, tmp_path: Path) -> None:
    """The 24 smallest team documents with questions (READMEs and an HTML tutorial), read from the shared set."""
    questions = _read_jsonl(TEAMDOCS / "questions.jsonl")
    sizes = {q["doc"]: (TEAMDOCS / "corpus" / q["doc"]).stat().st_size for q in questions}
    chosen = sorted(sizes, key=lambda d: (sizes[d], d))[:24]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in chosen:
        (corpus / name).write_bytes((TEAMDOCS / "corpus" / name).read_bytes())
    build_index(corpus, tmp_path / "index", real_embedder)
    engine = open_engine(corpus, tmp_path / "index", real_embedder, rebuild=False)
    answerable = [q for q in questions if q["doc"] in chosen]
    answers = [engine.answer(q["q"]) for q in answerable]
    hit3 = sum(
        any(g in p.text for g in q["gold"] for p in a.passages[:3]) for q, a in zip(answerable, answers, strict=True)
    )
    off_topic = [q["q"] for q in _read_jsonl(TEAMDOCS / "no_answer.jsonl") if q["kind"] == "off-topic"]
    declined = sum(not engine.answer(q).answered for q in off_topic)
    # measured: 38 questions, hit@3 35 (0.92), answerable declined 0, off-topic declined 10 of 10
    assert len(answerable) >= 30
    assert hit3 >= 0.87 * len(answerable)
    assert sum(not a.answered for a in answers) <= 2
    assert declined >= 9


CLAIMS = ROOT / "tests" / "data" / "squad_claims.jsonl"


def claims_subset(limit_paragraphs: int = 300) -> tuple[dict[str, list[tuple[str, str]]], list[dict]]:
    """Pick the smallest articles until they hold `limit_paragraphs`; return their paragraphs and the claims."""
    articles: dict[str, list[tuple[str, str]]] = {}
    for row in _read_jsonl(SQUAD / "corpus.jsonl"):
        articles.setdefault(row["title"], []).append((row["id"], row["text"]))
    chosen: list[str] = []
    for title in sorted(articles, key=lambda t: (len(articles[t]), t)):
        if sum(len(articles[t]) for t in chosen) > limit_paragraphs:
            break
        chosen.append(title)
    claims = [c for c in _read_jsonl(CLAIMS) if c["paragraph"].rsplit("_", 1)[0] in chosen]
    return {t: articles[t] for t in chosen}, claims


@pytest.mark.skipif(not SQUAD.is_dir(), reason="../shared/eval/squad11_dev is not on this machine")
def test_claims_subset_quality_floor(real_embedder: Embedder, tmp_path: Path) -> None:
    articles, claims = claims_subset()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for title, paragraphs in articles.items():
        text = f"title: {title.replace('_', ' ')}\n\n" + "".join(p + "\n\n" for _, p in paragraphs)
        (corpus / f"{title}.txt").write_text(text, encoding="utf-8")
    build_index(corpus, tmp_path / "index", real_embedder)
    engine = open_engine(corpus, tmp_path / "index", real_embedder, rebuild=False)
    texts = {pid: paragraph for paragraphs in articles.values() for pid, paragraph in paragraphs}
    first = {"refuted": 0, "supported": 0}
    marked = {"refuted": 0, "supported": 0}
    for claim in claims:
        gold = texts[claim["paragraph"]]
        for kind in first:
            answer = engine.answer(claim[kind], top_k=3, claim=True)
            top = answer.passages[0] if answer.passages else None
            found = answer.answered and top is not None and top.text in gold
            first[kind] += found
            if found and top is not None:
                value = claim["source_value"] if kind == "refuted" else None
                marks = [top.text[d.start : d.end] for d in top.differences if d.start is not None]
                marked[kind] += any(value in m or m in value for m in marks) if value else bool(top.differences)
    assert len(claims) == 75 and len(articles) == 13
    # measured on this subset (13 articles, 308 paragraphs, 75 claims of each kind): gold first 74/75 refuted and
    # 73/75 supported; of those, refuted whose changed words are marked 59/74, supported with anything marked 4/73
    assert first["refuted"] >= 0.93 * len(claims) and first["supported"] >= 0.93 * len(claims)
    assert marked["refuted"] >= 0.70 * first["refuted"] and marked["supported"] <= 0.10 * first["supported"]
