"""A corpus's noise floor: how well questions it cannot answer match it, measured once per index.

How similar the best passage is to a question depends on the corpus as much as on the question: an
unrelated question finds a passage at cosine 0.0 in an 11-paragraph statement, 0.17 in 56 technical
manuals and 0.21 in 48 encyclopedia articles. A rule fitted on raw cosines therefore declined 40 % of the
answerable questions of a corpus it was not fitted on. The no-answer rule reads the evidence above this
floor instead: the mean evidence of everyday questions no team corpus is about.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["PROBES", "PROBES_BY_LANGUAGE", "PROBES_MULTILINGUAL", "PROBE_LANGUAGES", "floor", "likeness"]

PROBES = (
    "How long should I bake a chicken breast at 200 degrees?",
    "What is the best time of year to visit Japan?",
    "How do I get rid of aphids on my roses?",
    "Who won the football world cup in 1998?",
    "What is a good stretch for lower back pain?",
    "How many calories are in a banana?",
    "Can dogs eat grapes safely?",
    "What is the tallest mountain in Africa?",
    "How do I remove a stripped screw?",
    "What are the symptoms of a vitamin D deficiency?",
    "How do I tune a guitar by ear?",
    "What is the plot of the novel Moby Dick?",
    "How often should I change the oil in my car?",
    "Which planets have rings around them?",
    "How do I make sourdough starter from scratch?",
    "What is the difference between a crocodile and an alligator?",
    "How should I store fresh basil?",
    "What is the capital of Canada?",
    "How do I teach my cat to use a scratching post?",
    "What causes the northern lights?",
    "How far can a hot air balloon travel in a day?",
    "What is the rule for the offside position in football?",
    "How do I clean a cast iron pan?",
    "When was the Eiffel Tower built?",
    "How many players are on a basketball team?",
    "What wine goes well with grilled salmon?",
    "How do I fold a fitted sheet?",
    "Why do leaves change colour in autumn?",
    "What is the fastest land animal?",
    "How do I prepare for a job interview?",
)


# The other-language path's floor is read with questions in other languages: a question and a passage in two
# languages match less well than two in one, so English probes would set the floor too high on an English
# corpus (0.23 on SQuAD, where the Chinese questions it answers start at 0.2).
PROBES_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "zh": (
        "鸡胸肉在200度下要烤多久？",
        "什么时候去日本旅游最好？",
        "怎样去除玫瑰上的蚜虫？",
        "1998年足球世界杯冠军是谁？",
        "缓解腰痛有什么好的拉伸动作？",
        "一根香蕉有多少卡路里？",
    ),
    "es": (
        "¿Cuánto tiempo hay que hornear una pechuga de pollo a 200 grados?",
        "¿Cuál es la mejor época del año para visitar Japón?",
        "¿Cómo elimino los pulgones de mis rosas?",
        "¿Quién ganó el Mundial de fútbol de 1998?",
        "¿Qué estiramiento es bueno para el dolor lumbar?",
        "¿Cuántas calorías tiene un plátano?",
    ),
    "ru": (
        "Сколько запекать куриную грудку при 200 градусах?",
        "Когда лучше всего ехать в Японию?",
        "Как избавиться от тли на розах?",
        "Кто выиграл чемпионат мира по футболу 1998 года?",
        "Какая растяжка помогает при боли в пояснице?",
        "Сколько калорий в банане?",
    ),
    "ar": (
        "كم من الوقت أحتاج لخبز صدر الدجاج على 200 درجة؟",
        "ما هو أفضل وقت في السنة لزيارة اليابان؟",
        "كيف أتخلص من حشرات المن على الورود؟",
        "من فاز بكأس العالم لكرة القدم عام 1998؟",
        "ما هو التمرين الجيد لآلام أسفل الظهر؟",
        "كم عدد السعرات الحرارية في الموزة؟",
    ),
    "de": (
        "Wie lange muss ich eine Hähnchenbrust bei 200 Grad backen?",
        "Wann ist die beste Reisezeit für Japan?",
        "Wie werde ich Blattläuse an meinen Rosen los?",
        "Wer hat die Fußballweltmeisterschaft 1998 gewonnen?",
        "Welche Dehnübung hilft bei Rückenschmerzen?",
        "Wie viele Kalorien hat eine Banane?",
    ),
    "fr": (
        "Combien de temps faut-il cuire un blanc de poulet à 200 degrés ?",
        "Quelle est la meilleure période pour visiter le Japon ?",
        "Comment se débarrasser des pucerons sur mes rosiers ?",
        "Qui a gagné la Coupe du monde de football 1998 ?",
        "Quel étirement soulage le mal de dos ?",
        "Combien de calories contient une banane ?",
    ),
}
PROBES_MULTILINGUAL = tuple(q for probes in PROBES_BY_LANGUAGE.values() for q in probes)
PROBE_LANGUAGES = tuple(lang for lang, probes in PROBES_BY_LANGUAGE.items() for _ in probes)


def floor(evidence: Sequence[list[float] | None]) -> tuple[float, ...]:
    """Return the mean raw evidence of the probe questions' best passages (empty when none has one)."""
    found = [e for e in evidence if e is not None]
    return tuple(float(x) for x in np.mean(found, axis=0)) if found else ()


def likeness(
    vectors: npt.ArrayLike, probe_vectors: npt.ArrayLike, languages: Sequence[str] = PROBE_LANGUAGES
) -> npt.NDArray[np.float64]:
    """Return how much each question reads like the everyday probes: the median over the languages of its best
    cosine to each language's probes (vectors unit-length, one row per question; `languages`, one per probe).

    A question of what no corpus is about is near one probe or another whatever the corpus; the best passage's
    cosine is not (multilingual-e5-small's cosines sit in a narrow band). Over the single best probe, a question
    in the probes' own language would look everyday for its language alone (11 % of the Chinese XQuAD questions
    declined at the same threshold); the median of the six languages' bests is not moved by the one language a
    question shares with its nearest probes: fitted as the foreign rule's `likeness` feature, it declined 4.3 %
    of the held-out Chinese XQuAD questions, the mean of the bests 6.5 %, for as many off-topic questions
    declined (docs/evaluation.md). The engine measures it on the other-language path (`QuoteEngine.likeness`).
    """
    cosines = np.atleast_2d(np.asarray(vectors, dtype=np.float64)) @ np.asarray(probe_vectors, dtype=np.float64).T
    labels = np.asarray(languages)
    if cosines.shape[1] != labels.size:
        raise ValueError(f"{cosines.shape[1]} probe vectors for {labels.size} probe languages")
    best = [cosines[:, labels == lang].max(axis=1) for lang in dict.fromkeys(labels.tolist())]
    return np.asarray(np.median(best, axis=0), dtype=np.float64)
