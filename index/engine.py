"""Answer questions: hybrid retrieval, a decline rule, verbatim checks and sentence highlights."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.builder import DEFAULT_CHUNK_TOKENS, Progress, build_index, check_index
from index.embedder import Embedder
from index.errors import IndexCorruptError, QuestionError, StaleIndexError
from index.lexical import tokenize
from index.loader import read_text
from index.manifest import Manifest
from index.models import Answer, Chunk, Passage
from index.storage import StoredIndex, load_index
from index.text import split_sentences

__all__ = ["MAX_QUESTION_CHARS", "DeclineRule", "Fusion", "QuoteEngine", "Ranked", "open_engine", "validate_question"]

MAX_QUESTION_CHARS = 2000


def validate_question(question: str) -> str:
    """Return the question stripped; raise QuestionError when it is empty or too long."""
    text = question.strip()
    if not text:
        raise QuestionError('the question is empty: type a question, e.g. "What should ICT providers not do?"')
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}: shorten it"
        )
    return text


@dataclass(frozen=True, slots=True)
class Ranked:
    """One chunk's place in a ranking, with the evidence behind its score."""

    row: int
    score: float  # fused, in [0, 1]
    dense: float  # cosine similarity of the chunk with the question
    sentence: float  # best cosine of one of its sentences
    lexical: float  # raw BM25
    overlap: float  # share of the question's content words found in the chunk


@dataclass(frozen=True, slots=True)
class DeclineRule:
    """Decide from the best chunk's evidence whether the corpus answers the question.

    A fixed cosine cut-off alone does not separate answerable from out-of-domain
    questions on this corpus, so semantic and lexical evidence are combined: a strong
    semantic match suffices; a fair one needs the question's words in the passage.
    """

    strong: float = 0.40
    fair: float = 0.20
    fair_overlap: float = 0.50
    despite_names: float = 0.70

    def answers(self, best: Ranked, unknown_names: int = 0) -> bool:
        """Tell whether the best-ranked chunk answers the question.

        A question naming someone or something the corpus never mentions ("GDPR", "Huawei",
        "2018") is not answered by it unless the meaning matches very closely (an alias such as
        "Beijing" for "China").
        """
        similarity = max(best.dense, best.sentence)
        if unknown_names and similarity < self.despite_names:
            return False
        return similarity >= self.strong or (similarity >= self.fair and best.overlap >= self.fair_overlap)


@dataclass(frozen=True, slots=True)
class Fusion:
    """Weights of the three scores fused per query; BM25 is scaled by the query's best BM25 score."""

    dense: float = 0.2
    sentence: float = 0.4
    lexical: float = 0.4

    def combine(
        self, dense: npt.NDArray[np.float64], sentence: npt.NDArray[np.float64], lexical: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Return the fused score of each candidate, in [0, 1] when cosines are non-negative."""
        top = lexical.max() if lexical.size else 0.0
        lex = lexical / top if top > 0 else np.zeros_like(lexical)
        total = self.dense + self.sentence + self.lexical
        return np.asarray((self.dense * dense + self.sentence * sentence + self.lexical * lex) / total)


class _SourceCheck:
    """Re-read source files to prove a quote is still an exact slice of an unchanged file."""

    def __init__(self, corpus_dir: Path, manifest: Manifest) -> None:
        self._corpus_dir = corpus_dir
        self._manifest = manifest
        self._texts: dict[str, str | None] = {}

    def _current_text(self, doc_id: str) -> str | None:
        """Return the file's text if it is unchanged since indexing, else None."""
        if doc_id not in self._texts:
            record = self._manifest.document(doc_id)
            path = self._corpus_dir / doc_id
            text: str | None = None
            try:
                data = path.read_bytes()
                if record and len(data) == record.size and hashlib.sha256(data).hexdigest() == record.sha256:
                    text = read_text(data)
            except (OSError, UnicodeDecodeError):
                text = None
            self._texts[doc_id] = text
        return self._texts[doc_id]

    def verified(self, chunk: Chunk) -> bool:
        """Tell whether the chunk is still verbatim in its unchanged source file."""
        text = self._current_text(chunk.doc_id)
        return text is not None and text[chunk.start : chunk.end] == chunk.text


class QuoteEngine:
    """Rank the stored chunks for a question and return verified quotes."""

    def __init__(
        self,
        stored: StoredIndex,
        embedder: Embedder,
        corpus_dir: Path,
        *,
        fusion: Fusion | None = None,
        candidates: int = 50,
        rule: DeclineRule | None = None,
    ) -> None:
        self.stored = stored
        self.embedder = embedder
        self.corpus_dir = corpus_dir.resolve()
        self.fusion = fusion or Fusion()
        self.candidates = candidates
        self.rule = rule or DeclineRule()
        self._records = {d.doc_id: d for d in stored.manifest.documents}

    def rank(self, question: str, k: int = 10, vector: npt.NDArray[np.float32] | None = None) -> list[Ranked]:
        """Return the k best chunks for a question by fused dense, best-sentence and lexical score."""
        if vector is None:
            vector = self.embedder.embed_batch([question])[0]
        lexical = self.stored.lexical.scores(question)
        rows = {hit.id: hit.score for hit in self.stored.vectors.search(vector, self.candidates)}
        top_lexical = np.argsort(-lexical)[: self.candidates]
        missing = [int(r) for r in top_lexical if lexical[r] > 0 and int(r) not in rows]
        rows.update(zip(missing, self.stored.vectors.scores(vector, missing), strict=True))
        if not rows:
            return []
        ids = list(rows)
        dense = np.array([rows[i] for i in ids], dtype=np.float64)
        sentence = np.array(self.stored.sentences.best(ids, vector), dtype=np.float64)
        lex = np.array([lexical[i] for i in ids], dtype=np.float64)
        fused = self.fusion.combine(dense, sentence, lex)
        order = np.argsort(-fused, kind="stable")[:k]
        words = set(tokenize(question))
        return [
            Ranked(
                ids[j],
                float(fused[j]),
                float(dense[j]),
                float(sentence[j]),
                float(lex[j]),
                self._overlap(words, ids[j]),
            )
            for j in order
        ]

    def is_answer(self, question: str, ranked: Ranked) -> bool:
        """Tell whether a ranked chunk answers the question, by the decline rule."""
        return self.rule.answers(ranked, len(self.stored.lexical.unknown_names(question)))

    def _overlap(self, words: set[str], row: int) -> float:
        """Return the share of the question's content words present in a chunk."""
        if not words:
            return 0.0
        return len(words & set(tokenize(self.stored.chunks[row].search_text))) / len(words)

    def answer(self, question: str, top_k: int = 3, *, claim: bool = False) -> Answer:
        """Answer a question (or, with `claim`, find the passages bearing on a claim), best first."""
        question = validate_question(question)
        vector = self.embedder.embed_batch([question])[0]
        ranked = self.rank(question, max(top_k * 4, 10), vector)
        check = _SourceCheck(self.corpus_dir, self.stored.manifest)
        chosen: list[Ranked] = []
        stale = False
        for item in ranked:
            if check.verified(self.stored.chunks[item.row]):
                chosen.append(item)
            else:
                stale = True  # the file changed since indexing: never quote it
            if len(chosen) == top_k:
                break
        unknown = len(self.stored.lexical.unknown_names(question))
        answered = bool(chosen) and self.rule.answers(chosen[0], unknown)
        if answered:  # later passages are quoted only if each would answer on its own evidence
            chosen = [chosen[0]] + [r for r in chosen[1:] if self.rule.answers(r, unknown)]
        highlights = self._highlights(vector, [self.stored.chunks[r.row] for r in chosen])
        passages = tuple(self._passage(r, h) for r, h in zip(chosen, highlights, strict=True))
        return Answer(question, answered, passages, stale)

    def _passage(self, ranked: Ranked, highlight: tuple[int, int] | None) -> Passage:
        chunk = self.stored.chunks[ranked.row]
        record = self._records[chunk.doc_id]
        return Passage(
            text=chunk.text,
            doc_id=chunk.doc_id,
            source=self.corpus_dir / chunk.doc_id,
            title=record.title,
            date=record.date,
            paragraph=chunk.paragraph,
            last_paragraph=chunk.last_paragraph,
            start=chunk.start,
            end=chunk.end,
            score=round(ranked.score, 4),
            highlight=highlight,
        )

    def _highlights(self, vector: npt.NDArray[np.float32], chunks: list[Chunk]) -> list[tuple[int, int] | None]:
        """Pick, in each chunk, the sentence closest to the question (one embedding call for all)."""
        spans = [split_sentences(c.text) for c in chunks]
        flat = [c.text[s:e] for c, chunk_spans in zip(chunks, spans, strict=True) for s, e in chunk_spans]
        if not flat:
            return [None] * len(chunks)
        scores = self.embedder.embed_batch(flat) @ vector
        result: list[tuple[int, int] | None] = []
        offset = 0
        for chunk_spans in spans:
            if not chunk_spans:
                result.append(None)
                continue
            best = int(np.argmax(scores[offset : offset + len(chunk_spans)]))
            result.append(chunk_spans[best])
            offset += len(chunk_spans)
        return result


def open_engine(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    rebuild: bool = True,
    progress: Progress | None = None,
    on_rebuild: Callable[[str], None] | None = None,
) -> QuoteEngine:
    """Load the index for a corpus, rebuilding it first when it is missing or stale (unless told not to)."""
    reason = check_index(corpus_dir, index_dir, model=embedder.name, chunk_tokens=chunk_tokens)
    stored = None
    if not reason:
        try:
            stored = load_index(index_dir)
        except IndexCorruptError as exc:  # the manifest was fine but a data file is not
            reason = str(exc).split(":")[0]
    if stored is None:
        if not rebuild:
            raise StaleIndexError(f"the index is stale ({reason}): run `quotebot build`")
        if on_rebuild:
            on_rebuild(reason or "index missing")
        build_index(corpus_dir, index_dir, embedder, chunk_tokens=chunk_tokens, progress=progress)
        stored = load_index(index_dir)
    return QuoteEngine(stored, embedder, corpus_dir)
