"""QA metrics, written by hand because ``evaluate.load("squad")`` needs the hub.

The official SQuAD v1.1/v2.0 normalisation, exact match and F1, and the BioASQ factoid measures --
strict accuracy (top-1), lenient accuracy (top-5) and MRR against the golden synonym lists.
"""
from __future__ import annotations

import collections
import re
import string
from typing import Mapping, Sequence


# ---------------------------------------------------------------- SQuAD metrics (official rules)

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """The official SQuAD normalisation: lower case, drop punctuation and articles, squeeze spaces."""
    text = "".join(ch for ch in str(text).lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> int:
    """1 if the normalised strings are equal (SQuAD EM), else 0."""
    return int(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    """Token-overlap F1 after normalisation (SQuAD v2 rule: two empty answers score 1)."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    same = sum((collections.Counter(pred) & collections.Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def squad_metrics(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict:
    """SQuAD exact match and F1 in percent, best over the gold answers of each question.

    ``predictions``: ``{id: answer text}`` (``""`` = no answer). ``references``: ``{id: [gold texts]}``;
    an empty list marks an unanswerable (SQuAD v2) question, which only ``""`` answers correctly.
    A question without a prediction scores 0 and is counted in ``missing``. With unanswerable
    questions present, ``HasAns_*``/``NoAns_*`` break the scores down as the v2 script does.
    """
    groups: dict[str, list[tuple[float, float]]] = {"all": [], "HasAns": [], "NoAns": []}
    missing = 0
    for qid, golds in references.items():
        golds = [g for g in golds if normalize_answer(g)] or [""]
        if qid not in predictions:
            missing += 1
        pred = predictions.get(qid, "")
        score = (max(exact_match(pred, g) for g in golds), max(f1(pred, g) for g in golds))
        if qid not in predictions:
            score = (0.0, 0.0)
        groups["all"].append(score)
        groups["HasAns" if golds != [""] else "NoAns"].append(score)

    def pct(rows, i):
        return 100.0 * sum(r[i] for r in rows) / len(rows) if rows else 0.0

    out = {"exact_match": pct(groups["all"], 0), "f1": pct(groups["all"], 1), "total": len(groups["all"]),
           "missing": missing}
    if groups["NoAns"]:
        for name in ("HasAns", "NoAns"):
            out.update({f"{name}_exact": pct(groups[name], 0), f"{name}_f1": pct(groups[name], 1),
                        f"{name}_total": len(groups[name])})
    return out


# ---------------------------------------------------------------- BioASQ factoid metrics

def flatten_synonyms(value) -> list[str]:
    """BioASQ ``exact_answer`` (nested lists of synonyms) as one flat list of strings."""
    if isinstance(value, str):
        return [value]
    out = []
    for item in value or []:
        out.extend(flatten_synonyms(item))
    return out


def _bioasq_key(text: str) -> str:
    return " ".join(str(text).lower().split())


def bioasq_factoid_metrics(ranked: Mapping[str, Sequence[str]], golden, top_k: int = 5) -> dict:
    """BioASQ factoid strict accuracy (top-1), lenient accuracy (top-``top_k``) and MRR, in percent.

    ``ranked``: ``{question_id: [answer strings, best first]}``. ``golden``: golden file path(s) or
    ``{question_id: [synonyms]}``. An answer is right when it equals any synonym, ignoring case
    and surrounding/double spaces. Every golden question counts; one without predictions is wrong
    and counted in ``missing``.
    """
    if not isinstance(golden, Mapping):
        from .data import load_bioasq_golden

        golden = load_bioasq_golden(golden)
    gold = golden
    if not gold:
        raise ValueError("no golden factoid questions to evaluate against")
    strict = lenient = rr = 0.0
    missing = 0
    for qid, synonyms in gold.items():
        keys = {_bioasq_key(s) for s in synonyms}
        answers = ranked.get(qid)
        if answers is None:
            missing += 1
            continue
        if isinstance(answers, str):
            raise ValueError(f"ranked[{qid!r}] must be a list of answer strings, got a string")
        hit = next((i for i, a in enumerate(list(answers)[:top_k]) if _bioasq_key(a) in keys), None)
        if hit is not None:
            strict += hit == 0
            lenient += 1
            rr += 1.0 / (hit + 1)
    n = len(gold)
    return {"strict_accuracy": 100 * strict / n, "lenient_accuracy": 100 * lenient / n, "mrr": 100 * rr / n,
            "questions": n, "missing": missing}
