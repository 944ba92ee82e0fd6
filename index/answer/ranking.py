"""Score candidate chunks on seven features, fuse them linearly, and decide whether the best one answers.

Why these features (measured with scripts/eval.py on SQuAD v1.1 dev and the seed questions):
the dense cosine of the chunk misses names, BM25 misses paraphrase, and a question usually
matches one sentence rather than a whole paragraph. Each signal is taken on the chunk and on its
best sentence, and the embeddings are taken with and without the document's title, because a
paragraph rarely repeats what it is about ("It was founded in 1850" in an article on a city).
The weights are fitted on labelled questions (scripts/fit.py) and shipped in `ranking.json`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import IndexCorruptError
from ..store.layout import StoredIndex
from ..store.lexical import tokenize
from .terms import QUESTION_WORDS, Terms

__all__ = [
    "DECLINE_FEATURES",
    "FEATURES",
    "VIEWS",
    "Candidates",
    "DeclineRule",
    "Evidence",
    "Ranker",
    "Ranking",
    "default_ranking",
    "features",
    "gather",
    "ranking_file",
]

FEATURES = (
    "dense",
    "titled",
    "sentence",
    "titled_sentence",
    "lexical",
    "sentence_lexical",
    "overlap",
    "passage_terms",  # the IDF-weighted share of the question's words in the passage, its title and headings
    "document_terms",  # ... anywhere in its document
    "sentence_terms",  # ... in its best sentence (with the headings above it)
    "substance",  # a sentence, list or table of substance, not a bare heading, caption or reference line
)
_AT = {name: i for i, name in enumerate(FEATURES)}  # a feature's column in Candidates.values
DECLINE_FEATURES = (
    "similarity",
    "sentence",
    "overlap",
    "unknown_words",
    "unknown_names",
    "passage_terms",
    "document_terms",
    "sentence_terms",
    "missing_passage",
    "missing_document",
    "number_missing",
    "substance",
    "likeness",  # how much the question reads like the everyday probes (`probes.likeness`), other languages only
)
# Decline features added since rankings were first stored: read as 0 when a ranking lacks them, and left out of
# `Ranking.to_dict` while 0, so a ranking fitted before them (the English one: likeness is 0 on its path) is
# unchanged, in its file and in every index's manifest.
_LATER_DECLINE_FEATURES = frozenset({"likeness"})

Matrix = npt.NDArray[np.float64]
VIEWS = ("separate", "titled", "late")  # what a build embeds of each chunk (Ranking.views)


@dataclass(frozen=True, slots=True)
class Candidates:
    """The chunks worth scoring for one query: their rows, feature values and best sentence."""

    rows: tuple[int, ...]
    values: Matrix  # (len(rows), len(FEATURES))
    best_sentence: tuple[int, ...]  # per row: index of its best sentence among split_sentences(chunk.text)
    unknown_words: float  # share of the query's words found nowhere in the corpus
    unknown_names: int  # names and numbers of the query found nowhere in the corpus
    missing: Matrix  # (len(rows), 3): per row, the rarest query word its passage lacks, and its document lacks;
    # and 1 when the question asks for a number its passage does not hold
    floor: tuple[float, ...] = ()  # the corpus's noise floor of similarity, sentence and overlap (`probes`)
    likeness: float = 0.0  # the question's likeness to the everyday probes, spread like a cosine (0: not measured)


@dataclass(frozen=True, slots=True)
class Ranker:
    """A linear fusion of the features; a chunk's score is the weighted mean of its feature values."""

    weights: tuple[float, ...]

    @classmethod
    def of(cls, **named: float) -> Ranker:
        """Build a ranker from weights by feature name (the others weigh 0)."""
        unknown = set(named) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown ranking features: {sorted(unknown)}")
        return cls(tuple(float(named.get(name, 0.0)) for name in FEATURES))

    def claim_level(self) -> Ranker:
        """Return this ranker scoring a claim: by a chunk's best sentence, and its words in the passage's headings.

        A claim is one proposition, supported or contradicted by one sentence: on the seed claims the best
        sentence alone put the right paragraph first for 10 of 10 claims, against 9 of 10 for the full ranker.
        The passage's share of the claim's words (`passage_terms`, title and headings included) names what the
        sentence may leave to its heading ("the stadium"), at half its weight: at full weight it lifted a claim
        about "the company" moving "its headquarters" to ABC's paragraph on outgrowing its facilities, above the
        decline rule's threshold (that rule was fitted on the best sentence's rankings).
        """
        share = {"sentence": 1.0, "titled_sentence": 1.0, "sentence_lexical": 1.0, "passage_terms": 0.5}
        return Ranker(tuple(w * share.get(name, 0.0) for name, w in zip(FEATURES, self.weights, strict=True)))

    def scores(self, values: Matrix) -> Matrix:
        """Return each candidate's fused score (in [0, 1] when every feature is)."""
        w = np.asarray(self.weights, dtype=np.float64)
        return np.asarray(values @ w / max(float(w.sum()), 1e-9))


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the decline rule sees of a query and its best chunk."""

    similarity: float  # best cosine of the chunk, with or without title
    sentence: float  # best cosine of one of its sentences, with or without title
    overlap: float  # share of the query's words in the chunk (and its title)
    unknown_words: float
    unknown_names: int
    passage_terms: float = 1.0
    document_terms: float = 1.0
    sentence_terms: float = 1.0
    missing_passage: float = 0.0
    missing_document: float = 0.0
    number_missing: float = 0.0
    substance: float = 1.0
    floor: tuple[float, ...] = ()  # similarity, sentence and overlap of questions the corpus is not about
    likeness: float = 0.0  # the question's likeness to the everyday probes (the other-language path only)

    @classmethod
    def of(cls, candidates: Candidates, position: int) -> Evidence:
        """Collect the evidence on one candidate."""
        v = candidates.values[position].tolist()
        return cls(
            similarity=max(v[_AT["dense"]], v[_AT["titled"]]),
            sentence=max(v[_AT["sentence"]], v[_AT["titled_sentence"]]),
            overlap=v[_AT["overlap"]],
            unknown_words=candidates.unknown_words,
            unknown_names=candidates.unknown_names,
            passage_terms=v[_AT["passage_terms"]],
            document_terms=v[_AT["document_terms"]],
            sentence_terms=v[_AT["sentence_terms"]],
            missing_passage=float(candidates.missing[position, 0]),
            missing_document=float(candidates.missing[position, 1]),
            number_missing=float(candidates.missing[position, 2]),
            substance=v[_AT["substance"]],
            floor=candidates.floor,
            likeness=candidates.likeness,
        )

    def vector(self) -> list[float]:
        """Return the values in DECLINE_FEATURES order (names capped at 2: more says nothing new)."""
        names = float(min(self.unknown_names, 2))
        lows = self.floor or (0.0, 0.0, 0.0)  # read above the corpus's noise floor: the same scale in every corpus
        above = [self.similarity - lows[0], self.sentence - lows[1], self.overlap - lows[2]]
        head = [*above, self.unknown_words, names]
        terms = [self.passage_terms, self.document_terms, self.sentence_terms, self.missing_passage]
        terms += [self.missing_document, self.number_missing]
        return [*head, *terms, self.substance, self.likeness]


@dataclass(frozen=True, slots=True)
class DeclineRule:
    """Logistic regression over the evidence: its output is the confidence that the chunk answers."""

    coefficients: tuple[float, ...]
    intercept: float
    threshold: float  # answer when confidence >= threshold

    def confidence(self, evidence: Evidence) -> float:
        """Return the calibrated probability that the evidence shows an answer."""
        return self.probability(evidence.vector())

    def probability(self, values: Sequence[float]) -> float:
        """Return the probability for evidence already in DECLINE_FEATURES order (`Evidence.vector`)."""
        z = self.intercept + sum(c * x for c, x in zip(self.coefficients, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def answers(self, evidence: Evidence) -> bool:
        """Tell whether the evidence clears the threshold."""
        return self.confidence(evidence) >= self.threshold

    def on_scale(self, confidence: float) -> float:
        """Return a confidence on the scale every rule shares, where its threshold reads 0.5 (what users are shown).

        σ(logit c − logit t): the English rule's threshold is about 0.5, so its values move by two points at most;
        the other-language rule answers from a lower calibrated chance, which would read as a weak answer shown.
        """
        c = min(max(confidence, 1e-9), 1.0 - 1e-9)
        t = min(max(self.threshold, 1e-9), 1.0 - 1e-9)
        z = math.log(c / (1.0 - c)) - math.log(t / (1.0 - t))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclass(frozen=True, slots=True)
class Ranking:
    """The fitted ranker and decline rule an index answers with (stored in its manifest)."""

    ranker: Ranker
    rule: DeclineRule
    fitted_on: str = ""
    # What the build embeds (VIEWS): "separate" embeds each chunk and sentence alone and under its title;
    # "titled" under its title only; "late" each chunk once under its headings, its sentences pooled from it.
    views: str = "separate"
    # For a model that reads every language: the ranking of questions not in the corpus's language (their
    # words rarely match the passage's, so the lexical features weigh less and the rule expects less of them).
    foreign: Ranking | None = None
    cosine_floor: float = 0.0  # the model's cosines are read as (c - floor) / (1 - floor) (`gather`)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form, weights by feature name."""
        return (
            {
                "ranker": dict(zip(FEATURES, self.ranker.weights, strict=True)),
                "rule": {
                    "coefficients": {
                        name: c
                        for name, c in zip(DECLINE_FEATURES, self.rule.coefficients, strict=True)
                        if c or name not in _LATER_DECLINE_FEATURES
                    },
                    "intercept": self.rule.intercept,
                    "threshold": self.rule.threshold,
                },
                "fitted_on": self.fitted_on,
                "views": self.views,
            }
            | ({"foreign": self.foreign.to_dict()} if self.foreign else {})
            | ({"cosine_floor": self.cosine_floor} if self.cosine_floor else {})
        )

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Ranking:
        """Parse the form written by `to_dict`; raise IndexCorruptError when it does not fit."""
        try:
            weights = raw["ranker"]
            rule = raw["rule"]
            coefficients = rule["coefficients"]
            return cls(
                Ranker(tuple(float(weights[name]) for name in FEATURES)),
                DeclineRule(
                    tuple(
                        float(coefficients.get(name, 0.0) if name in _LATER_DECLINE_FEATURES else coefficients[name])
                        for name in DECLINE_FEATURES
                    ),
                    float(rule["intercept"]),
                    float(rule["threshold"]),
                ),
                str(raw.get("fitted_on", "")),
                _views(raw.get("views", "separate")),
                cls.from_dict(raw["foreign"]) if raw.get("foreign") else None,
                float(raw.get("cosine_floor", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError("the index's ranking settings are malformed: run `quotebot build`") from exc


def _views(value: object) -> str:
    """Check a ranking's views are ones the build knows."""
    if value not in VIEWS:
        raise ValueError(f"unknown views {value!r}")
    return str(value)


# The default model (multilingual-e5-small, as index.embed.e5 names it) has the ranking fitted for it; any other
# model keeps the one fitted to all-MiniLM-L6-v2, the default before it (separate views, cosines as they come).
_DEFAULT_MODEL_NAMES = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small"})


def ranking_file(model: str | None) -> str:
    """Return the name of the ranking file shipped for a model (None: the default model)."""
    return "ranking.json" if model is None or model.lower() in _DEFAULT_MODEL_NAMES else "ranking_minilm.json"


def default_ranking(*, model: str | None = None) -> Ranking:
    """Return the ranking shipped for a model (fitted by scripts/fit.py; its foreign part by fit_multilingual.py)."""
    text = resources.files(__package__).joinpath(ranking_file(model)).read_text(encoding="utf-8")
    return Ranking.from_dict(json.loads(text))


def _normalized(scores: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Return the BM25 scores of some rows over the query's best score, so they compare across queries."""
    top = float(scores.max()) if scores.size else 0.0
    picked = np.asarray(scores[rows], dtype=np.float64)
    return picked / top if top > 0 else np.zeros_like(picked)


def _top(scores: npt.NDArray[np.floating[Any]], k: int) -> npt.NDArray[np.int64]:
    """Return the rows of the k highest positive scores, best first; of equal scores, the first rows."""
    part = np.flatnonzero(scores > 0)  # most rows share no word with the query
    if part.size > k:
        values = scores[part]
        kth = np.partition(values, part.size - k)[part.size - k]  # the k-th highest score
        tied = part[values == kth][: k - int((values > kth).sum())]  # the first rows of a tie at the cut
        part = np.sort(np.concatenate([part[values > kth], tied]))
    return np.asarray(part[np.argsort(-scores[part], kind="stable")], dtype=np.int64)


def gather(
    stored: StoredIndex,
    query: str,
    vector: npt.NDArray[np.float32],
    depth: int,
    terms: Terms | None = None,
    floor: tuple[float, ...] = (),
    *,
    cosine_floor: float = 0.0,
    likeness: float | None = None,
) -> Candidates:
    """Collect the top `depth` chunks of each retriever and compute every feature on them.

    `cosine_floor` (the ranking's) maps each cosine c to (c - floor) / (1 - floor): a model whose cosines all
    lie in a narrow band (e5's, 0.7 to 0.95) then spreads them as far as the other features. `likeness` (the
    question's, `probes.likeness`; None: not measured, read as 0) is a cosine too and is spread alike.
    """
    stems = tokenize(query)  # once: both BM25 indexes, the overlap and the unknown words read the same stems
    # An index updated since shares the lexical index: its rows past this version's chunk table are not ours.
    lexical = stored.lexical.scores_of(stems)[: len(stored.chunks)]  # normalized below, on the candidates only
    # One dense search, over the titled chunk vectors: searching the plain ones too added no candidate that
    # changed a ranking (scripts/eval.py) and cost a second pass.
    rows = dict.fromkeys(hit.id for hit in stored.titled.search(vector, depth))
    rows.update(dict.fromkeys(int(r) for r in _top(lexical, depth)))
    ids = np.fromiter((r for r in rows if stored.is_live(r)), dtype=np.int64)
    return features(
        stored, query, vector, ids, terms, floor, cosine_floor=cosine_floor, likeness=likeness, bm25=lexical
    )


def features(
    stored: StoredIndex,
    query: str,
    vector: npt.NDArray[np.float32],
    ids: npt.NDArray[np.int64],
    terms: Terms | None = None,
    floor: tuple[float, ...] = (),
    *,
    cosine_floor: float = 0.0,
    likeness: float | None = None,
    bm25: npt.NDArray[np.float32] | None = None,
) -> Candidates:
    """Compute every feature of some live chunk rows for a query (`gather`'s candidates, or a quote's neighbours).

    `bm25`: the query's BM25 score of every row, when `gather` has it already.
    """
    stems = tokenize(query)
    lexical = stored.lexical.scores_of(stems)[: len(stored.chunks)] if bm25 is None else bm25
    words = set(stems) - QUESTION_WORDS  # what the question is about, not how it is asked
    unknown = stored.lexical.unknown_stems(words)
    unknown_share = len(unknown) / len(words) if words else 0.0
    names = len(stored.lexical.unknown_names(query))
    spread = _spread(cosine_floor)
    like = 0.0 if likeness is None else float(spread(np.asarray([likeness]))[0])
    if not ids.size:
        return Candidates((), np.zeros((0, len(FEATURES))), (), unknown_share, names, np.zeros((0, 3)), floor, like)
    sentence, titled_sentence, sentence_lexical, best = _sentence_features(stored, stems, vector, ids, spread)
    terms = terms or Terms(stored)
    found = terms.coverage(stems, ids)
    first = np.searchsorted(stored.sentences.owners, ids, side="left")  # each row's first sentence id
    in_sentence = terms.in_sentences(stems, first + np.asarray(best, dtype=np.int64))
    columns: list[npt.NDArray[np.floating[Any]]] = [
        spread(stored.vectors.scores(vector, ids)),
        spread(stored.titled.scores(vector, ids)),
        sentence,
        titled_sentence,
        _normalized(lexical, ids),
        sentence_lexical,
        stored.lexical.matched(words, ids) / max(len(words), 1),
        found.passage,
        found.document,
        in_sentence,
        terms.substance(ids),
    ]
    values = np.column_stack(columns).astype(np.float64)
    missing = np.column_stack([found.missing_passage, found.missing_document, terms.number_missing(query, ids)])
    return Candidates(tuple(ids.tolist()), values, best, unknown_share, names, missing, floor, like)


def _spread(floor: float) -> Callable[[npt.NDArray[Any]], Matrix]:
    """Return the map of raw cosines to features: (c - floor) / (1 - floor), the identity for floor 0."""
    if not floor:
        return lambda cosines: np.asarray(cosines, dtype=np.float64)
    return lambda cosines: (np.asarray(cosines, dtype=np.float64) - floor) / (1.0 - floor)


def _sentence_features(
    stored: StoredIndex,
    stems: Sequence[str],
    vector: npt.NDArray[np.float32],
    rows: npt.NDArray[np.int64],
    spread: Callable[[npt.NDArray[Any]], Matrix] = lambda cosines: np.asarray(cosines, dtype=np.float64),
) -> tuple[Matrix, Matrix, Matrix, tuple[int, ...]]:
    """Return, per row, its best sentence's plain cosine, titled cosine and BM25, and which sentence wins."""
    table = stored.sentences
    owners = table.owners
    starts = np.searchsorted(owners, rows, side="left")
    counts = np.searchsorted(owners, rows, side="right") - starts
    runs = np.cumsum(counts) - counts  # where each row's sentences start in `flat`
    flat = np.repeat(starts - runs, counts) + np.arange(int(counts.sum()))
    empty = np.zeros(len(rows))
    if not flat.size:
        return empty, empty, empty, (0,) * len(rows)
    plain = spread(table.vectors.scores(vector, flat).astype(np.float64))
    titled = spread(table.titled.scores(vector, flat).astype(np.float64))
    lexical = _normalized(table.lexical.scores_of(stems), flat)
    has = counts > 0
    stacked = np.vstack([plain, titled, lexical, plain + titled + lexical])
    best = np.zeros((4, len(rows)))
    best[:, has] = np.maximum.reduceat(stacked, runs[has], axis=1)  # each row's sentences are one run
    # The winner is the first sentence reaching its row's best combined score.
    reached = np.flatnonzero(stacked[3] >= np.repeat(best[3], counts))
    group = np.repeat(np.arange(len(rows)), counts)[reached]  # the row each of those sentences belongs to
    first = np.flatnonzero(np.diff(group, prepend=-1))  # groups ascend: a new group starts a row
    winner = np.zeros(len(rows), dtype=np.int64)
    winner[group[first]] = reached[first] - runs[group[first]]
    return best[0], best[1], best[2], tuple(winner.tolist())
