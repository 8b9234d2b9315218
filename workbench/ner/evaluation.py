"""Entity-level evaluation with seqeval (conlleval and strict IOB2), per-type table, error analysis."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..data import tag_names
from ..text import tags_to_spans
from .tagger import as_tagger
from .windows import check_label_set

# ---------------------------------------------------------------- evaluation


@dataclass
class NERReport:
    """Entity-level evaluation of one split (see :func:`evaluate_ner`)."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    strict_precision: float
    strict_recall: float
    strict_f1: float
    per_type: object  # pandas.DataFrame: type, precision, recall, f1, support
    errors: list[dict]
    sentences: int
    model: str = ""
    device: str = "cpu"

    def as_dict(self) -> dict:
        """Plain numbers (what ``python -m workbench ner evaluate`` prints)."""
        return {"model": self.model, "device": self.device, "sentences": self.sentences,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "accuracy": round(self.accuracy, 4),
                "strict": {"precision": round(self.strict_precision, 4), "recall": round(self.strict_recall, 4),
                           "f1": round(self.strict_f1, 4)},
                "per_type": {r["type"]: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                                         if k != "type"} for r in self.per_type.to_dict("records")},
                "errors": self.error_counts()}

    def error_counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in ERROR_KINDS}
        for e in self.errors:
            counts[e["kind"]] += 1
        return counts

    def error_table(self, kind: str | None = None, n: int = 10):
        """The first ``n`` errors (of one ``kind``) as a DataFrame, each with its sentence."""
        import pandas as pd

        if kind is not None and kind not in ERROR_KINDS:
            raise ValueError(f"kind must be one of {ERROR_KINDS}, got {kind!r}")
        rows = [e for e in self.errors if kind is None or e["kind"] == kind][:n]
        return pd.DataFrame(rows, columns=["kind", "gold", "predicted", "sentence", "index"])

    def __str__(self) -> str:
        return (f"{self.model} on {self.device}: entity P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(strict F1 {self.strict_f1:.3f}, word accuracy {self.accuracy:.3f}, {self.sentences} sentences)")


ERROR_KINDS = ("false positive", "false negative", "boundary", "type", "boundary+type")


def error_analysis(sentences: Sequence[Sequence[str]], gold: Sequence[Sequence[str]],
                   pred: Sequence[Sequence[str]]) -> list[dict]:
    """Every entity the model got wrong, classified, with its sentence (the span marked ``[[...]]``).

    * ``false positive``: predicted, overlaps no gold entity;  ``false negative``: gold, overlapped by no prediction;
    * ``boundary``: overlaps a gold entity of the same type with different edges;
    * ``type``: same edges, other type;  ``boundary+type``: overlaps, edges and type differ.
    """
    errors = []
    for s, (words, g_tags, p_tags) in enumerate(zip(sentences, gold, pred)):
        offs = [(i, i + 1) for i in range(len(words))]
        g_spans, p_spans = tags_to_spans(offs, g_tags), tags_to_spans(offs, p_tags)

        def shown(span):
            a, b, _ = span
            return " ".join(list(words[:a]) + ["[["] + list(words[a:b]) + ["]]"] + list(words[b:]))

        def name(span):
            return f"{' '.join(words[span[0]:span[1]])} [{span[2]}]"

        exact = set(g_spans) & set(p_spans)
        for p in p_spans:
            if p in exact:
                continue
            overlapping = [g for g in g_spans if g[0] < p[1] and p[0] < g[1] and g not in exact]
            if not overlapping:
                errors.append({"kind": "false positive", "gold": None, "predicted": name(p), "sentence": shown(p),
                               "index": s})
                continue
            g = overlapping[0]
            same_edges, same_type = (g[0], g[1]) == (p[0], p[1]), g[2] == p[2]
            kind = "type" if same_edges else ("boundary" if same_type else "boundary+type")
            errors.append({"kind": kind, "gold": name(g), "predicted": name(p), "sentence": shown(p), "index": s})
        for g in g_spans:
            if g not in exact and not any(g[0] < p[1] and p[0] < g[1] for p in p_spans):
                errors.append({"kind": "false negative", "gold": name(g), "predicted": None, "sentence": shown(g),
                               "index": s})
    return errors


def entity_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """seqeval precision/recall/F1 (conlleval mode and strict IOB2) and word accuracy."""
    from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    gold, pred = [list(g) for g in gold], [list(p) for p in pred]
    strict = dict(mode="strict", scheme=IOB2, zero_division=0)
    return {"precision": float(precision_score(gold, pred, zero_division=0)),
            "recall": float(recall_score(gold, pred, zero_division=0)),
            "f1": float(f1_score(gold, pred, zero_division=0)),
            "accuracy": float(accuracy_score(gold, pred)) if any(gold) else 1.0,
            "strict_precision": float(precision_score(gold, pred, **strict)),
            "strict_recall": float(recall_score(gold, pred, **strict)),
            "strict_f1": float(f1_score(gold, pred, **strict))}


def per_type_table(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]):
    """Precision, recall, F1 and support per entity type (seqeval's classification report)."""
    import pandas as pd
    from seqeval.metrics import classification_report

    report = classification_report([list(g) for g in gold], [list(p) for p in pred], output_dict=True,
                                   zero_division=0)
    rows = [{"type": t, "precision": float(v["precision"]), "recall": float(v["recall"]),
             "f1": float(v["f1-score"]), "support": int(v["support"])}
            for t, v in report.items() if not t.endswith(" avg")]
    return pd.DataFrame(rows, columns=["type", "precision", "recall", "f1", "support"])


def evaluate_ner(model, split, tokenizer=None, *, max_samples: int | None = None, **kwargs) -> NERReport:
    """Entity-level evaluation of ``model`` on a split (a Dataset with ``tokens`` and ``ner_tags``).

    ``model``: a saved folder, :class:`Tagger`, ``TrainResult``, or a model with its ``tokenizer``.
    Every word is predicted (long sentences through windows), so nothing is silently dropped.
    """
    tagger = as_tagger(model, tokenizer, **kwargs)
    if max_samples is not None:
        split = split.select(range(min(max_samples, len(split))))
    names = tag_names(split)
    gold = [[names[i] for i in tags] for tags in split["ner_tags"]]
    check_label_set({t for g in gold for t in g}, tagger.labels, where="the evaluation split")
    pred = tagger.predict_words(split["tokens"])
    scores = entity_scores(gold, pred)
    return NERReport(**scores, per_type=per_type_table(gold, pred),
                     errors=error_analysis(split["tokens"], gold, pred), sentences=len(gold), model=tagger.name,
                     device=tagger.device)
