"""Scoring a QA model on a dataset: SQuAD EM/F1 and BioASQ factoid strict/lenient/MRR."""
from __future__ import annotations

from pathlib import Path

from .data import bioasq_coverage, has_unanswerable, load_squad
from .metrics import bioasq_factoid_metrics, squad_metrics
from .reader import answer_many, load_reader


# ---------------------------------------------------------------- predicting and evaluating datasets

def predict_squad(model, dataset, tokenizer=None, allow_null: bool = False, **kwargs) -> dict[str, str]:
    """``{id: best answer text}`` for a SQuAD-style dataset (``""`` when the null answer wins)."""
    ranked = answer_many(dataset["question"], dataset["context"], model=model, tokenizer=tokenizer,
                         top_k=1, allow_null=allow_null, **kwargs)
    return {qid: (r[0]["text"] if r else "") for qid, r in zip(dataset["id"], ranked)}


def evaluate_squad(model, data, tokenizer=None, allow_null: bool | None = None, max_samples: int | None = None,
                   **kwargs) -> dict:
    """SQuAD EM/F1 (percent) of ``model`` on a SQuAD JSON file or dataset; adds which model ran.

    ``allow_null`` defaults to "the data has unanswerable questions" (SQuAD v2).
    """
    from ..models import describe, device_of

    model, tokenizer = load_reader(model, tokenizer)
    ds = load_squad(data) if isinstance(data, (str, Path, list)) else data
    if max_samples is not None:
        ds = ds.select(range(min(max_samples, len(ds))))
    allow_null = has_unanswerable(ds) if allow_null is None else allow_null
    preds = predict_squad(model, ds, tokenizer, allow_null=allow_null, **kwargs)
    refs = {qid: a["text"] for qid, a in zip(ds["id"], ds["answers"])}
    return {**squad_metrics(preds, refs), "model": describe(model), "device": device_of(model)}


def predict_bioasq(model, dataset, tokenizer=None, top_k: int = 5, **kwargs) -> dict[str, list[str]]:
    """``{question_id: [ranked answer strings]}``: each question answered from all its snippets."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for qid, q, c in zip(dataset["question_id"], dataset["question"], dataset["context"]):
        groups.setdefault(qid, (q, []))[1].append(c)
    qids = list(groups)
    ranked = answer_many([groups[q][0] for q in qids], [groups[q][1] for q in qids], model=model,
                         tokenizer=tokenizer, top_k=top_k, **kwargs)
    return {qid: [a["text"] for a in r] for qid, r in zip(qids, ranked)}


def select_questions(dataset, max_questions: int | None):
    """The rows of the first ``max_questions`` BioASQ questions (all snippets of each)."""
    if max_questions is None:
        return dataset
    keep, seen = [], []
    for i, qid in enumerate(dataset["question_id"]):
        if qid not in seen:
            if len(seen) == max_questions:
                break
            seen.append(qid)
        keep.append(i)
    return dataset.select(keep)


def evaluate_bioasq(model, dataset, tokenizer=None, top_k: int = 5, max_questions: int | None = None, **kwargs) -> dict:
    """BioASQ factoid strict/lenient/MRR (percent) of ``model`` on a :func:`load_bioasq` dataset.

    Also reports the answer-locating coverage and which model ran. ``max_questions`` evaluates
    only the first questions (fast mode); the scores are then over those questions.
    """
    from ..models import describe, device_of

    model, tokenizer = load_reader(model, tokenizer)
    ds = select_questions(dataset, max_questions)
    ranked = predict_bioasq(model, ds, tokenizer, top_k=top_k, **kwargs)
    golden = dict(zip(ds["question_id"], ds["golden"]))
    return {**bioasq_factoid_metrics(ranked, golden, top_k=top_k), "coverage": bioasq_coverage(ds),
            "model": describe(model), "device": device_of(model)}
