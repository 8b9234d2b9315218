"""Relation metrics: P/R/F1 without the negative class (binary: positive class; multi-class: micro), confusion."""
from __future__ import annotations

from typing import Sequence

# ---------------------------------------------------------------- metrics


def relation_metrics(gold: Sequence[str], pred: Sequence[str], negative: str | None) -> dict:
    """Precision, recall, F1 over the relation classes, the ``negative`` class excluded.

    Binary (``0``/``1``): P/R/F1 of the positive class -- the GAD / EU-ADR convention.
    Multi-class: micro average over the relation classes -- the ChemProt convention. A prediction
    of the wrong relation class counts as both a false positive and a false negative.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    gold, pred = [str(g) for g in gold], [str(p) for p in pred]
    tp = sum(g == p and g != negative for g, p in zip(gold, pred))
    n_pred = sum(p != negative for p in pred)
    n_gold = sum(g != negative for g in gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy, "n": len(gold),
            "true_positives": tp, "predicted_positive": n_pred, "gold_positive": n_gold}


def per_class_metrics(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[dict]:
    """One row per label: precision, recall, F1, support."""
    rows = []
    for lab in labels:
        tp = sum(g == p == lab for g, p in zip(gold, pred))
        n_pred, n_gold = sum(p == lab for p in pred), sum(g == lab for g in gold)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        rows.append({"label": lab, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                     "support": n_gold})
    return rows


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]):
    """Counts, rows gold and columns predicted, in ``labels`` order (a numpy array)."""
    import numpy as np

    index = {lab: i for i, lab in enumerate(labels)}
    unknown = sorted({str(x) for x in [*gold, *pred]} - set(index))
    if unknown:
        raise ValueError(f"labels {unknown} are not in {list(labels)}")
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, pred):
        matrix[index[str(g)], index[str(p)]] += 1
    return matrix


def plot_confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str], ax=None, title: str = "Confusion matrix"):
    """Confusion-matrix heat map (``wb.viz.plot_confusion_matrix``) of gold vs predicted relation labels."""
    from ..viz import plot_confusion_matrix

    return plot_confusion_matrix(confusion_matrix(gold, pred, labels), list(labels), ax=ax, title=title)
