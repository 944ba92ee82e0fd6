"""Answer questions: fused retrieval, a calibrated decline rule, verbatim checks, highlights, no duplicates."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..embed.base import Embedder
from ..errors import EmptyQuestionError, QuestionTooLongError
from ..models import Answer, Chunk, Passage
from ..store.layout import StoredIndex
from ..text import has_words
from .claims import with_differences
from .dedupe import collapse_duplicates
from .history import HISTORY_PENALTY, History, asks_history
from .language import reads_as_english
from .probes import PROBES, PROBES_MULTILINGUAL, floor, likeness
from .ranking import Candidates, DeclineRule, Evidence, Ranker, Ranking, features, gather
from .sources import SourceCheck
from .spans import SpanIndex
from .terms import Terms
from .units import Neighbours, Unit, UnitRule, choose_unit, unit_passage
from .unsteered import MASK_WEIGHT, claim_candidates, surer_evidence

__all__ = ["MAX_QUESTION_CHARS", "QuoteEngine", "Ranked", "validate_question"]

MAX_QUESTION_CHARS = 2000  # the library's and the command line's limit; the bot passes its own (1,000)
# A passage after the first is quoted only when its fused score is at least this share of the first's:
# the decline rule alone let through a paragraph on another subject at half the best score.
SECOND_PASSAGE_SHARE = 0.75


def validate_question(question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Return the question stripped; raise EmptyQuestionError or QuestionTooLongError (both QuestionError)."""
    text = question.strip()
    if not has_words(text):  # empty, or only spaces, punctuation, emoji: nothing to search for
        raise EmptyQuestionError('the question has no words: type a question, e.g. "What should ICT providers not do?"')
    if len(text) > limit:
        raise QuestionTooLongError(len(text), limit)
    return text


@dataclass(frozen=True, slots=True)
class Ranked:
    """One chunk's place in a ranking, with the evidence behind its score."""

    row: int
    score: float  # fused, in [0, 1]
    evidence: Evidence
    sentence: int  # which of split_sentences(chunk.text) matches best
    foreign: bool = False  # ranked on the other-language path, by the ranking's `foreign` part


_JUMP = re.compile(r"https://discord\.com/channels/(\d+)/")


def _from_server(url: str, server: int) -> bool:
    """Tell whether a passage's link is not a Discord message of another server (any other link passes)."""
    match = _JUMP.match(url)
    return match is None or match[1] == str(server)


class QuoteEngine:
    """Rank the stored chunks for a question and return verified quotes."""

    def __init__(
        self,
        stored: StoredIndex,
        embedder: Embedder,
        corpus_dir: Path,
        *,
        ranking: Ranking | None = None,
        depth: int = 30,
    ) -> None:
        self.stored = stored
        self.embedder = embedder
        self.corpus_dir = corpus_dir.resolve()
        self.ranking = ranking or Ranking.from_dict(stored.manifest.ranking)
        # The model reads every language: questions in another (or over a corpus mostly in another) are ranked
        # with the same vectors by its ranking's `foreign` part, when it has one (all-MiniLM-L6-v2's has none).
        self.foreign_ranking = self.ranking.foreign or self.ranking
        # Candidates taken from each retriever before fusion. 30 ranks as 50 did (scripts/eval.py: the
        # same hit@1, hit@3 and MRR on SQuAD and the seed) with 40 % fewer sentences to score.
        self.depth = depth
        self._records = {d.doc_id: d for d in stored.manifest.documents}
        self._check = SourceCheck(self.corpus_dir, self._records, stored.extracted_text)
        self.terms = Terms(stored)  # each chunk's document and each word's rarity, for the coverage features
        self._floors: dict[bool, tuple[float, ...]] = {}
        self._probes: dict[bool, npt.NDArray[np.float32]] = {}  # the probes' vectors, embedded with the floor
        self._floor_lock = threading.Lock()
        self._foreign_corpus: bool | None = None  # the corpus is mostly not English
        self.withheld: frozenset[str] = frozenset()  # authors (Discord ids) who asked never to be quoted
        self.hidden: frozenset[str] = frozenset()  # Discord messages (jump links) deleted or changed since indexed
        self._spans = SpanIndex(stored, self.terms)  # the live chunks by the span they quote
        self._adjacent: Neighbours | None = None
        self.unit_rule = UnitRule()  # how far a quote grows around its best block (`units`)
        self.history_penalty = HISTORY_PENALTY  # the share of a changelog passage's score taken off (`history`)
        self._history = History(stored.chunks, self._records)
        # A claim's chunk scores the mean of the claim's and its masked form's (`unsteered`); 0 reads it as written.
        self.mask_weight = MASK_WEIGHT

    def revised(self, stored: StoredIndex) -> QuoteEngine:
        """Return an engine over another version of this index (updated or saved), ranking as this one does.

        The corpus noise floors carry over (a few changed documents do not move them), and so do the authors
        and messages withheld.
        """
        engine = QuoteEngine(
            stored,
            self.embedder,
            self.corpus_dir,
            ranking=self.ranking,
            depth=self.depth,
        )
        engine._floors = dict(self._floors)
        engine._probes = dict(self._probes)
        engine.withheld, engine.hidden = self.withheld, self.hidden
        engine.unit_rule, engine.history_penalty = self.unit_rule, self.history_penalty
        engine.mask_weight = self.mask_weight
        return engine

    def routes_foreign(self, question: str) -> bool:
        """Tell whether the question takes the other-language path: it is not English, or the corpus mostly is not.

        That path ranks with the same vectors by the ranking fitted for such questions (the ranking's `foreign`
        part); a ranking without one (an English-only model's) has no such path.
        """
        if self.ranking.foreign is None:
            return False
        if not reads_as_english(question):
            return True
        if self._foreign_corpus is None:
            chunks = self.stored.chunks[:: max(1, len(self.stored.chunks) // 500)]  # a sample reads as well
            self._foreign_corpus = sum(not reads_as_english(c.text[:400]) for c in chunks) > len(chunks) / 2
        return self._foreign_corpus

    def ranking_for(self, foreign: bool) -> Ranking:
        """Return the ranking of the English or the other-language path."""
        return self.foreign_ranking if foreign else self.ranking

    def candidates(
        self, question: str, vector: npt.NDArray[np.float32] | None = None, *, foreign: bool | None = None
    ) -> Candidates:
        """Score the chunks worth considering for a question on every ranking feature.

        `foreign` picks the path (default: `routes_foreign`); `vector` is the question's, when already embedded.
        """
        foreign = self.routes_foreign(question) if foreign is None else foreign
        if vector is None:
            vector = self.embedder.embed_queries([question])[0]
        lows = self.floor(foreign=foreign)
        return self._gather(question, vector, lows, self.likeness(vector) if foreign else None)

    def likeness(self, vector: npt.NDArray[np.float32]) -> float:
        """Return how much a question (its vector on the other-language path) reads like the everyday probes.

        The probes are those of that path's noise floor (PROBES_MULTILINGUAL), embedded once with it.
        """
        self.floor(foreign=True)
        return float(likeness(vector, self._probes[True])[0])

    def _gather(
        self,
        question: str,
        vector: npt.NDArray[np.float32],
        floor: tuple[float, ...] = (),
        like: float | None = None,
    ) -> Candidates:
        """Gather a question's candidates: both paths read the same stores and features."""
        # The cosine floor is the model's: the foreign part of its ranking reads the same features.
        with self.stored.guard.reading():  # an in-place update of a later version changes the stores alone
            return gather(
                self.stored,
                question,
                vector,
                self.depth,
                self.terms,
                floor,
                cosine_floor=self.ranking.cosine_floor,
                likeness=like,
            )

    def floor(self, *, foreign: bool = False) -> tuple[float, ...]:
        """Return the corpus's noise floor (`index.answer.probes`) for a path, measured on first use."""
        with self._floor_lock:
            if foreign not in self._floors:
                probes = PROBES_MULTILINGUAL if foreign else PROBES
                vectors = self.embedder.embed_queries(list(probes))
                self._probes[foreign] = vectors
                evidence = [self._probe_evidence(q, v, foreign) for q, v in zip(probes, vectors, strict=True)]
                self._floors[foreign] = floor(evidence)
            return self._floors[foreign]

    def _probe_evidence(self, question: str, vector: npt.NDArray[np.float32], foreign: bool) -> list[float] | None:
        """Return a probe question's raw similarity, sentence cosine and overlap on its best passage."""
        found = self._gather(question, vector)
        if not found.rows:
            return None
        ranker = self.ranking_for(foreign).ranker
        best = Evidence.of(found, int(np.argmax(ranker.scores(found.values))))
        return [best.similarity, best.sentence, best.overlap]

    def order(
        self,
        candidates: Candidates,
        k: int,
        ranker: Ranker | None = None,
        *,
        foreign: bool = False,
        question: str | None = None,
        masked: Candidates | None = None,
    ) -> list[Ranked]:
        """Return the k best candidates by fused score (changelogs lowered unless the `question` asks about one).

        `masked`: the candidates of the claim with its values masked, on the same rows (`unsteered`); a chunk's
        score is then the mean of its two, and its evidence the more confident of its two.
        """
        ranker = ranker or self.ranking_for(foreign).ranker
        scores = ranker.scores(candidates.values)
        if masked is not None:
            scores = (1.0 - self.mask_weight) * scores + self.mask_weight * ranker.scores(masked.values)
        if question is not None and self.history_penalty and not asks_history(question):
            scores = scores * np.where(self._history.of(candidates.rows), 1.0 - self.history_penalty, 1.0)
        rule = self.ranking_for(foreign).rule
        return [
            Ranked(
                candidates.rows[j],
                float(scores[j]),
                surer_evidence(rule, candidates, masked, j),
                candidates.best_sentence[j],
                foreign,
            )
            for j in np.argsort(-scores, kind="stable")[:k]
        ]

    def rank(
        self, question: str, k: int = 10, vector: npt.NDArray[np.float32] | None = None, *, claim: bool = False
    ) -> list[Ranked]:
        """Return the k best chunks for a question (or, with `claim`, by their best sentence)."""
        foreign = self.routes_foreign(question)
        if not claim:
            return self.order(self.candidates(question, vector, foreign=foreign), k, foreign=foreign, question=question)
        vector = self.embedder.embed_queries([question])[0] if vector is None else vector
        found, masked = claim_candidates(self, question, vector, foreign=foreign)
        ranker = self.ranking_for(foreign).ranker.claim_level()
        masked = masked if self.mask_weight else None  # 0: the claim as written alone
        return self.order(found, k, ranker, foreign=foreign, question=question, masked=masked)

    def confidence(self, ranked: Ranked) -> float:
        """Return the calibrated confidence that a ranked chunk answers its question."""
        return self.ranking_for(ranked.foreign).rule.confidence(ranked.evidence)

    def answer(self, question: str, top_k: int = 3, *, claim: bool = False, server: int | None = None) -> Answer:
        """Answer a question (or, with `claim`, find the passages bearing on a claim), best first.

        `server` is the Discord server asking (0 for a direct message): a message from a Discord export is
        quoted only in the server it was written in. None (the command line, the library) quotes them all.
        """
        question = validate_question(question)
        vector = self.embedder.embed_queries([question])[0]
        ranked = self.rank(question, max(top_k * 4, 10), vector, claim=claim)
        rule = self.ranking_for(bool(ranked) and ranked[0].foreign).rule  # one path ranked them all
        shown, stale, confidence = self._select(ranked, top_k * 2, rule, server)
        # A claim is one proposition, decided by one sentence: its block is quoted alone.
        alone = [(r, Unit((r.row,), r.row), r.sentence) for r in shown]
        quoted = alone if claim else self._units(question, vector, shown, server)
        passages = collapse_duplicates([self._passage(r, unit, sentence) for r, unit, sentence in quoted])[:top_k]
        if claim:  # where each quote states another value than the claim: presentation, the quote unchanged
            passages = with_differences(question, passages, self._around)
        # Shown on one scale, its cut-off 0.5 in every language (DeclineRule.on_scale); decided on the rule's own.
        shown_confidence = round(rule.on_scale(confidence), 3)
        return Answer(question, confidence >= rule.threshold, tuple(passages), stale, shown_confidence)

    def _units(
        self, question: str, vector: npt.NDArray[np.float32], shown: list[Ranked], server: int | None
    ) -> list[tuple[Ranked, Unit, int]]:
        """Grow each chunk to be shown into its quote unit (`units`); a block already quoted is not quoted again.

        Returns each chunk's unit and the answering block's best sentence; the neighbours are scored in one pass.
        """
        chunks, neighbours, rule = self.stored.chunks, self._neighbours(), self.unit_rule
        reach = {r.row for r in shown}
        for r in shown:
            reach.update(*neighbours.around(r.row, rule))
        scored: dict[int, float] = {r.row: r.score for r in shown}
        best: dict[int, int] = {r.row: r.sentence for r in shown}
        if len(reach) > len(shown):
            foreign = shown[0].foreign
            with self.stored.guard.reading():
                found = features(
                    self.stored, question, vector, np.asarray(sorted(reach), dtype=np.int64), self.terms,
                    cosine_floor=self.ranking.cosine_floor,
                )  # fmt: skip
            scores = self.ranking_for(foreign).ranker.scores(found.values)
            scored.update(zip(found.rows, scores.tolist(), strict=True))
            best.update(zip(found.rows, found.best_sentence, strict=True))
        quoted: list[tuple[Ranked, Unit, int]] = []
        taken: set[int] = set()
        for r in shown:
            if r.row in taken:
                continue  # already inside an earlier quote
            unit = choose_unit(r.row, neighbours, chunks, scored, rule)
            if taken.intersection(unit.rows) or not all(self._shows(x, server) for x in unit.rows):
                unit = Unit((r.row,), r.row)
            taken.update(unit.rows)
            quoted.append((r, unit, best[unit.answering] if unit.grown else r.sentence))
        return quoted

    def _shows(self, row: int, server: int | None) -> bool:
        """Tell whether a chunk may be quoted to `server` and is still verbatim in its unchanged file."""
        chunk = self.stored.chunks[row]
        return self._may_quote(chunk, server) and self._check.verified(chunk)

    def _neighbours(self) -> Neighbours:
        """Return each chunk's neighbours in its section, found once per engine (a race finds them twice)."""
        if self._adjacent is None:
            self._adjacent = Neighbours(self.stored, lambda row: self.terms.same_document(row).tolist())
        return self._adjacent

    def _select(
        self, ranked: list[Ranked], limit: int, rule: DeclineRule, server: int | None = None
    ) -> tuple[list[Ranked], bool, float]:
        """Return up to `limit` chunks worth quoting, whether a source changed, and the confidence.

        The first chunk still verbatim in its unchanged file decides the confidence. When it answers,
        each later one must answer on its own evidence and score near it. Chunks are checked against
        their files in rank order, and only until the choice is made: a file changed since indexing
        is never quoted, and `stale` says one was met.
        """
        shown: list[Ranked] = []
        stale, confidence, floor = False, 0.0, None
        for r in ranked:
            if len(shown) == limit or (floor is not None and r.score < floor):
                break  # ranked by score: every later chunk is below the floor too
            chunk = self.stored.chunks[r.row]
            if not self._may_quote(chunk, server):
                continue
            if not self._check.verified(chunk):
                stale = True
            elif not shown:
                confidence = rule.confidence(r.evidence)
                floor = SECOND_PASSAGE_SHARE * r.score if confidence >= rule.threshold else None
                shown.append(r)
            elif floor is None or rule.answers(r.evidence):
                shown.append(r)
        return shown, stale, confidence

    def _may_quote(self, chunk: Chunk, server: int | None) -> bool:
        """Tell whether a chunk may be quoted to `server` now, before its file is checked."""
        if chunk.author is not None and chunk.author in self.withheld:
            return False  # its author asked to be forgotten: never quoted, whatever it scores
        if chunk.url is not None and chunk.url in self.hidden:
            return False  # deleted, edited or unpinned since this index was built: its stored wording is gone
        # A Discord message is quoted in its own server only, never in another or a DM.
        return server is None or chunk.url is None or _from_server(chunk.url, server)

    def quotable(self, doc_id: str, start: int, end: int, text: str | None = None, server: int | None = None) -> bool:
        """Tell whether a new answer could quote this span now: indexed, not withheld, verbatim in its file.

        `text`: the words about to be shown, which must be the indexed chunk's (None: a citation, no text shown).
        What a reply kept from earlier (later pages, a share) passes this check again before it is sent.
        """
        row = self._spans.exact(doc_id, start, end)
        if row is not None:
            chunk = self.stored.chunks[row]
            return (text is None or chunk.text == text) and self._shows(row, server)
        # A quote unit: consecutive blocks of one section, each quotable, and the source between them unchanged.
        first = self._spans.starting(doc_id, start)
        rows = None if first is None else self._neighbours().run(first, end, self.unit_rule.blocks)
        if not rows or not all(self._shows(r, server) for r in rows):
            return False
        return text is None or self._unit_text(rows) == text

    def _around(self, passage: Passage) -> str:
        """Return what a passage is about beyond its quote: its title, section, and the rest of its paragraphs."""
        return "\n".join([passage.title, passage.section or "", *self._spans.rest_of_paragraphs(passage)])

    def title_of(self, doc_id: str) -> str | None:
        """Return a document's title in this index (None when it holds no such document)."""
        record = self._records.get(doc_id)
        return record.title if record is not None else None

    def _unit_text(self, rows: Sequence[int]) -> str | None:
        """Return the source's text from a unit's first block to its last (None: the file changed meanwhile)."""
        first, last = self.stored.chunks[rows[0]], self.stored.chunks[rows[-1]]
        source = self._check.current_text(first.doc_id)
        return None if source is None else source[first.start : last.end]

    def _passage(self, ranked: Ranked, unit: Unit, sentence: int) -> Passage:
        """Quote a ranked chunk, or the unit it grew into, with the answering block's best sentence highlighted."""
        text = self._unit_text(unit.rows) if unit.grown else None
        if text is None:  # one block (or the file changed since the unit was chosen: its best block alone)
            unit, sentence, text = Unit((ranked.row,), ranked.row), ranked.sentence, self.stored.chunks[ranked.row].text
        record = self._records[self.stored.chunks[ranked.row].doc_id]
        rule = self.ranking_for(ranked.foreign).rule
        chunks, score, confidence = (
            self.stored.chunks,
            round(ranked.score, 4),
            round(rule.on_scale(rule.confidence(ranked.evidence)), 3),
        )
        return unit_passage(chunks, unit, sentence, text, record, self.corpus_dir, score, confidence)
