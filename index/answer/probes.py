"""A corpus's noise floor: how well questions it cannot answer match it, measured once per index.

How similar the best passage is to a question depends on the corpus as much as on the question: an
unrelated question finds a passage at cosine 0.0 in an 11-paragraph statement, 0.17 in 56 technical
manuals and 0.21 in 48 encyclopedia articles. A rule fitted on raw cosines therefore declined 40 % of the
answerable questions of a corpus it was not fitted on. The no-answer rule reads the evidence above this
floor instead: the mean evidence of everyday questions no team corpus is about.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["PROBES", "floor"]

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


Raw = Callable[[str, npt.NDArray[np.float32]], list[float] | None]  # a probe's raw evidence, None: no passage


def floor(evidence_of: Raw, vectors: npt.NDArray[np.float32]) -> tuple[float, ...]:
    """Return the mean raw evidence of the probe questions' best passages (empty when none has one)."""
    found = [e for e in (evidence_of(q, v) for q, v in zip(PROBES, vectors, strict=True)) if e is not None]
    return tuple(float(x) for x in np.mean(found, axis=0)) if found else ()
