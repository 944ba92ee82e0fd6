"""Compare a claim with a quote: where the source states another number, date or name, or a negation.

The claim is aligned with the quote's sentence that shares most of its words. A value of the claim that the
quote states nowhere is paired with the value of the same kind in that sentence that the claim does not
state, the one whose neighbouring words the claim shares most; with none, the quote "does not mention" it.
A negation in one and not the other, in that sentence, differs too. What is found is presentation only: the
quote stays the slice of its source it was, and a difference is a span of it (or none, when not mentioned).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import NamedTuple

from ..models import Difference, Passage
from ..store.lexical import tokenize
from ..text import Span, split_sentences
from .negation import negations, negative
from .values import (
    Value,
    find_values,
    fold,
    name_words,
    names_agree,
    same_value,
    shares_a_name_word,
    words_of,
)

__all__ = ["differences", "masked", "with_differences"]

_WORD = re.compile(r"\w+")
_CONTEXT = 5  # words each side of a value that say what it is a value of
_STRONG = 3  # shared words around a rival that outweigh the claim's value stated in another sentence
_SCOPE = 4  # words after a negation it may negate: "did not require valves"
_AUXILIARIES = frozenset({
    "do", "does", "did", "doesn", "don", "didn", "is", "are", "was", "were", "be", "been", "being", "am", "have",
    "has", "had", "will", "would", "can", "could", "shall", "should", "may", "might", "must", "to",
})  # fmt: skip  # the verbs that carry a negation, not what it negates
_GAP = 6  # at most this many words stand where a claim says "not" ("is poisonous" for "is not toxic")
_UNIT_WORDS = 4  # at most this many words after a differing amount are marked with it ("cycles per byte")


def masked(claim: str, unknown: Collection[str] = ()) -> str:
    """Return the claim without its numbers and dates: what it is about, not what it says of it.

    `unknown`: words no indexed text holds; a name with one goes too ("Geshe"): it can point nowhere.
    """
    spans = [
        (v.start, v.end)
        for v in find_values(claim)
        if v.kind != "name" or any(word in v.text.split() for word in unknown)
    ]
    if not spans:
        return claim
    kept, cursor = [], 0
    for start, end in spans:
        kept.append(claim[cursor:start])
        cursor = end
    kept.append(claim[cursor:])
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def differences(claim: str, quote: str, about: str = "") -> tuple[Difference, ...]:
    """Return where the quote states another value than the claim, or leaves one out, in claim order.

    `about`: the quote's title, section and paragraph around it: a value stated there is no difference, as
    "Warsaw" in the title of a passage on its column is not, nor a year in the sentence before the quote.
    """
    sentences = split_sentences(quote)
    if not sentences:
        return ()
    aligned = _aligned(claim, quote, sentences)
    claimed, stated = find_values(claim), find_values(quote)
    beyond = stated + find_values(about)  # stated around the quote: never a difference, never a rival
    nearby = [v for v in stated if aligned[0] <= v.start < aligned[1]]
    whole, here = words_of(f"{about}\n{quote}"), words_of(quote[aligned[0] : aligned[1]])
    found: list[Difference] = []
    for value in claimed:
        if _stated(value, nearby, here):
            continue
        best = _rival(value, claim, claimed, quote, nearby, stated)
        if _stated(value, beyond, whole) and not _states_otherwise(value, best):
            continue
        found.extend(_difference(value, claim, quote, best))
    found.extend(_negation(claim, quote, sentences, aligned))
    return tuple(sorted(found, key=lambda d: d.claim_start))


def _states_otherwise(value: Value, best: _Rival | None) -> bool:
    """Tell whether the aligned sentence says otherwise, in the claim's words, what a value stated elsewhere says.

    Never for a name: a sentence names many, in any order. (Even a name of its own kind there, "Mersenne prime"
    for "Fermat prime", was tried: it marked more supported claims than it found changed names.)
    """
    return best is not None and value.kind != "name" and best.context >= _STRONG


def with_differences(claim: str, passages: Sequence[Passage], around: Callable[[Passage], str]) -> list[Passage]:
    """Return the passages, each with where it differs from the claim (`around`: what each is about, `differences`)."""
    return [replace(p, differences=differences(claim, p.text, around(p))) for p in passages]


def _aligned(claim: str, quote: str, sentences: Sequence[Span]) -> Span:
    """Return the quote's sentence sharing most of the claim's words (the first of equals)."""
    words = set(tokenize(claim))
    held = [words & set(tokenize(quote[s:e])) for s, e in sentences]
    spread = {w: sum(w in h for h in held) for w in words}
    shared = [sum(1.0 / spread[w] for w in h) for h in held]
    return sentences[shared.index(max(shared))]


def _stated(value: Value, stated: list[Value], words: tuple[set[str], str]) -> bool:
    """Tell whether a text states a claim's value (a name by its words, other values by meaning)."""
    if value.kind == "name":
        return names_agree(value.text, *words)
    return any(same_value(value, v) for v in stated)


class _Rival(NamedTuple):
    """A quote's value that a claim's value may stand for, with what speaks for it."""

    score: int  # the claim's words around it, and one more when it is the nearest (`_nearest`)
    alike: int  # 1 when written alike (`_alike`)
    order: int  # minus its place: the first of equals wins
    context: int  # the claim's words around it
    value: Value

    def rank(self) -> tuple[int, int, int]:
        """Return what orders rivals, the best greatest."""
        return self.score, self.alike, self.order


def _rival(
    value: Value, claim: str, claimed: list[Value], quote: str, nearby: list[Value], stated: list[Value]
) -> _Rival | None:
    """Return the quote's value that a claim's value stands for, or None when none can be told.

    That is the aligned sentence's value of its kind said in most of the claim's words around it, or nearest
    the claim's (or its only one); else the quote's said in most of them.
    """
    here = _rivals(value, claim, claimed, quote, nearby)
    best = max(here, key=_Rival.rank, default=None)
    if best is not None and (best.score > 0 or (len(here) == 1 and not value.initial)):
        return best
    best = max(_rivals(value, claim, claimed, quote, stated), key=_Rival.rank, default=None)
    return best if best is not None and best.context > 0 else None


def _rivals(value: Value, claim: str, claimed: list[Value], quote: str, nearby: list[Value]) -> list[_Rival]:
    """Return the aligned sentence's values of the claim value's kind that the claim does not state."""
    others = words_of(f"{claim[: value.start]} {claim[value.end :]}")[0]  # the claim's words, its value's aside
    kept = [
        v
        for v in nearby
        if v.kind == value.kind
        and not any(same_value(c, v) for c in claimed if c.kind != "name")
        and not (v.kind == "name" and shares_a_name_word(v.text, others))  # the claim names it
    ]
    near = _nearest(value, kept)
    rivals = []
    for i, v in enumerate(kept):
        context = _shared_context(claim, value, quote, v)
        rivals.append(_Rival(context + (i in near), _alike(value, v), -i, context, v))
    return rivals


def _nearest(value: Value, rivals: list[Value]) -> set[int]:
    """Return the rivals nearest a claim's value: a wrong figure or name is most often near the right one.

    That is the figure nearest the claim's, and the names sharing a word with the claim's ("Northern Europe").
    """
    if value.kind == "name":
        mine = name_words(value.text)
        # Sharing a word, each with one of its own: "Philo" is Philo of Byzantium, not a rival of his name.
        return {
            i
            for i, v in enumerate(rivals)
            for theirs in [name_words(v.text)]
            if theirs & mine and theirs - mine and mine - theirs
        }
    if value.amount is None:
        return set()
    gaps = [
        (abs(v.amount - value.amount) / max(abs(v.amount), abs(value.amount), 1e-9), i)
        for i, v in enumerate(rivals)
        if v.amount is not None
    ]
    return {min(gaps)[1]} if gaps else set()


def _alike(value: Value, rival: Value) -> int:
    """Return 1 when two values are written alike (digits as digits, of one magnitude; names of as many words)."""
    if value.kind == "name":
        return int(len(value.text.split()) == len(rival.text.split()))
    digits = [sum(c.isdigit() for c in v.text.split(".")[0]) for v in (value, rival)]
    return int(digits[0] == digits[1])


def _difference(value: Value, claim: str, quote: str, best: _Rival | None) -> list[Difference]:
    """Pair a claim's value the quote does not state with its best rival, or say the quote leaves it out."""
    if best is not None:
        rival = best.value
        end = _with_unit(claim, value, quote, rival)
        return [Difference(value.kind, value.text, value.start, value.end, rival.start, end)]
    if (value.kind == "name" and not value.initial) or any(c.isdigit() for c in value.text):
        # A sentence's first word may be a common one ("People"): never said to be missing.
        # A number in words ("twelve") left unsaid is too often said in other words: not worth a line.
        return [Difference(value.kind, value.text, value.start, value.end)]
    return []


def _words_around(text: str, start: int, end: int) -> set[str]:
    """Return the stems of the words within _CONTEXT words of a span, the span's own left out (no stop words)."""
    before = _WORD.findall(text[:start])[-_CONTEXT:]
    after = _WORD.findall(text[end:])[:_CONTEXT]
    return {s for s in tokenize(" ".join(before + after)) if not s.isdigit()}


def _shared_context(claim: str, value: Value, quote: str, rival: Value) -> int:
    """Count the claim's words (its value's aside) that are also around a quote's value."""
    mine = {s for s in tokenize(claim[: value.start] + " " + claim[value.end :]) if not s.isdigit()}
    return len(mine & _words_around(quote, rival.start, rival.end))


def _with_unit(claim: str, value: Value, quote: str, rival: Value) -> int:
    """Return where a differing value ends, with the words after it that the claim also has after its own."""
    if value.kind not in ("number", "ordinal"):
        return rival.end
    end = rival.end
    theirs = list(_WORD.finditer(claim[value.end :]))[:_UNIT_WORDS]
    for mine in theirs:
        nxt = _WORD.search(quote, end)
        if nxt is None or fold(nxt.group()) != fold(mine.group()) or quote[end : nxt.start()].strip():
            break
        end = nxt.end()
    return end


def _negation(claim: str, quote: str, sentences: Sequence[Span], aligned: Span) -> list[Difference]:
    """Return a negation the claim makes and the quote does not, or the other way round.

    A claim's negation differs when no sentence holding words it negates says "not" in any words; it is marked
    where the sentence holding most of them ("not kept in black and white") states it. The quote's negation
    differs when it is in the aligned sentence and negates the claim's words ("does not require valves").
    """
    said = negations(claim)
    if said:
        start, end = said[0]
        scope = set(tokenize(" ".join(_WORD.findall(claim[end:])[: 2 * _SCOPE])))
        held = [len(scope & set(tokenize(quote[s:e]))) for s, e in sentences]
        if any(n >= max(held) - 1 and n and negative(quote[s:e]) for n, (s, e) in zip(held, sentences, strict=True)):
            return []  # "did not" for "failed to" or "refused": said in other words
        sentence = aligned if held[sentences.index(aligned)] == max(held) else sentences[held.index(max(held))]
        target = _negated_words(claim, (start, end), scope, quote, sentence)
        return [Difference("negation", claim[start:end], start, end, *(target or (None, None)))]
    if negative(claim):
        return []  # "refused ever to" for "would never": said in other words
    claim_stems = set(tokenize(claim))
    for start, end in negations(quote[aligned[0] : aligned[1]], implied=True):
        start, end = aligned[0] + start, aligned[0] + end
        following = " ".join(_WORD.findall(quote[end:])[: 3 * _SCOPE])
        negated = set(tokenize(following)[:_SCOPE])  # its next words of substance, not "of the"
        if negated and len(claim_stems & negated) >= min(2, len(negated)):
            return [Difference("negation", "", 0, 0, start, end)]  # the source negates what the claim states
    return []


def _negated_verb(claim: str, start: int, end: int) -> set[str]:
    """Return the stems of the word a claim's negation bears on: the first after it, or a verb just before.

    "does not usually measure": "usually"; "tends not to push": "tends" too. Auxiliaries are skipped.
    """
    after = next((w for w in _WORD.findall(claim[end:]) if fold(w) not in _AUXILIARIES), "")
    before = _WORD.findall(claim[:start])[-1:]
    stems = set(tokenize(after))
    if before and fold(before[0]) not in _AUXILIARIES:
        stems.update(tokenize(before[0]))
    return stems


def _negated_words(claim: str, said: Span, scope: set[str], quote: str, sentence: Span) -> Span | None:
    """Return the sentence's words for what a claim's negation negates.

    That is the negated word itself where the sentence has it ("needed" for "does not need"); else the words
    between those the claim has before its negation and after it ("is poisonous" for "Oxygen gas is not toxic
    to the bacteria"); else the run of the claim's next words (`scope`: their stems) in the sentence.
    """
    words = list(_WORD.finditer(quote, sentence[0], sentence[1]))
    stems = [set(tokenize(w.group())) for w in words]
    held = [i for i, s in enumerate(stems) if scope & s]
    verb = _negated_verb(claim, *said)
    anchors = [i for i, s in enumerate(stems) if verb & s]
    if anchors:
        first = anchors[0]
        last = max((i for i in held if 0 <= i - first <= _SCOPE), default=first)
        return words[first].start(), words[last].end()
    gap = _between(set(tokenize(claim[: said[0]])), held, stems)
    if gap is not None:
        return words[gap[0]].start(), words[gap[1]].end()
    if not held:
        return None
    first = held[0]
    last = max(i for i in held if i - first <= _SCOPE)
    before = words[first - 1] if first > 0 else None
    if before is not None and stems[first - 1] and not quote[before.end() : words[first].start()].strip():
        first -= 1  # the verb of "accompany students"
    return words[first].start(), words[last].end()


def _between(lead: set[str], held: list[int], stems: list[set[str]]) -> tuple[int, int] | None:
    """Return the first and last word between a word the claim has before its negation and one it has after.

    `held`: the places of the words it has after; at most _GAP words between, stop words trimmed.
    """
    for right in held:
        if stems[right] <= lead:
            continue  # a word the claim has on both sides of its negation anchors nothing
        lefts = [i for i in range(max(0, right - _GAP - 1), right - 1) if lead & stems[i]]
        if lefts:
            inner = list(itertools.takewhile(lambda i: not stems[i] & lead, range(lefts[-1] + 1, right)))
            kept = [i for i in inner if stems[i]] or inner
            if kept:
                return kept[0], kept[-1]
    return None
