"""Fit the ranking from labelled questions: fusion weights (listwise) and the decline rule (logistic).

The fusion weights maximise the softmax likelihood of the right chunk among each question's
candidates, which rewards putting it first, unlike a pairwise loss that rewards every pair
equally. The decline rule is a logistic regression whose output is read as a confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .ranking import DECLINE_FEATURES, FEATURES, Ranker

__all__ = ["Labelled", "choose_threshold", "fit_ranker", "fit_rule"]

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Labelled:
    """One answerable question's candidates: feature values and which rows are right."""

    values: Matrix  # (candidates, len(FEATURES))
    gold: npt.NDArray[np.bool_]  # (candidates,)
    weight: float = 1.0  # how much this question counts in the fit


def _softmax_loss(weights: Matrix, values: Matrix, gold: Matrix, counts: Matrix) -> tuple[float, Matrix]:
    """Return the weighted mean negative log-likelihood of the gold candidates, and its gradient."""
    z = values @ weights
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p_gold = (p * gold).sum(axis=1) + 1e-12
    loss = -float((counts * np.log(p_gold)).mean())
    share = p * gold / p_gold[:, None]
    grad = -(np.einsum("q,qc,qcf->f", counts, share, values) - np.einsum("q,qc,qcf->f", counts, p, values))
    return loss, grad / len(values)


def fit_ranker(questions: Sequence[Labelled], *, l2: float = 1e-3) -> Ranker:
    """Fit fusion weights on answerable questions whose right chunk is among the candidates."""
    from scipy.optimize import minimize  # fitting only: the query path never imports scipy

    usable = [q for q in questions if q.gold.any()]
    if not usable:
        raise ValueError("no labelled question has its answer among the candidates")
    width = max(len(q.gold) for q in usable)
    values = np.zeros((len(usable), width, len(FEATURES)))
    gold = np.zeros((len(usable), width))
    mask = np.full((len(usable), width), -1e9)  # padding never wins
    for i, q in enumerate(usable):
        values[i, : len(q.gold)] = q.values
        gold[i, : len(q.gold)] = q.gold
        mask[i, : len(q.gold)] = 0.0
    padded = np.concatenate([values, mask[:, :, None]], axis=2)  # a fixed-weight column carries the mask
    counts = np.array([q.weight for q in usable])
    counts = counts / counts.mean()

    def loss(w: Matrix) -> tuple[float, Matrix]:
        value, grad = _softmax_loss(np.append(w, 1.0), padded, gold, counts)
        return value + l2 * float(w @ w), grad[:-1] + 2 * l2 * w

    result = minimize(loss, np.ones(len(FEATURES)), jac=True, method="L-BFGS-B", bounds=[(0, None)] * len(FEATURES))
    return Ranker(tuple(round(float(w), 4) for w in result.x))


def fit_rule(
    evidence: Matrix, answerable: npt.NDArray[np.bool_], weights: Matrix | None = None, *, l2: float = 1e-2
) -> tuple[tuple[float, ...], float]:
    """Fit a weighted logistic regression of answerability on the evidence; return (coefficients, intercept)."""
    from scipy.optimize import minimize

    x = np.column_stack([evidence, np.ones(len(evidence))])
    y = answerable.astype(np.float64)
    w = np.ones(len(y)) if weights is None else weights / weights.mean()

    def loss(beta: Matrix) -> tuple[float, Matrix]:
        z = x @ beta
        p = 1 / (1 + np.exp(-np.clip(z, -50, 50)))
        nll = -float(np.mean(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))))
        grad = x.T @ (w * (p - y)) / len(y)
        penalty = np.append(beta[:-1], 0.0)  # the intercept is not shrunk
        return nll + l2 * float(penalty @ penalty), grad + 2 * l2 * penalty

    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    beta = result.x
    if len(beta) != len(DECLINE_FEATURES) + 1:
        raise ValueError(f"evidence must have {len(DECLINE_FEATURES)} columns")
    return tuple(round(float(b), 4) for b in beta[:-1]), round(float(beta[-1]), 4)


def choose_threshold(
    confidence: Matrix, answerable: npt.NDArray[np.bool_], max_declined: float, groups: Sequence[str] | None = None
) -> float:
    """Return the highest threshold declining at most `max_declined` of the answerable questions, groups alike.

    The share declined is averaged over the groups (corpora), each weighing the same: not "at most that share
    of every group", where the smallest group (the seed's 35 paraphrases) would set the cut alone.
    """
    if not 0.0 <= max_declined < 1.0:
        raise ValueError(f"max_declined must be in [0, 1), got {max_declined}")
    labels = np.asarray(groups if groups is not None else [""] * len(confidence))
    names = sorted(set(labels[answerable].tolist()))
    if not names:
        raise ValueError("no answerable question to set the threshold on")
    members = [np.sort(confidence[answerable & (labels == name)]) for name in names]
    best = float(min(float(m[0]) for m in members))  # declining none is always allowed
    for cut in np.unique(confidence[answerable]):
        declined = np.mean([np.searchsorted(m, cut, side="left") / m.size for m in members])
        if declined <= max_declined + 1e-12:
            best = float(cut)
    return round(best - 1e-4, 4)
