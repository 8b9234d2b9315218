"""Ask the literature: retrieve passages, then read them (``wb.qa.ask``), with the evidence; BioASQ measures.

Taught in 09_ask_the_literature. ``ask(question, corpus, k=5, model=reader)`` ranks the corpus's
passages (:mod:`.retrieval`), lets the reader (:func:`wb.qa.answer_many`) pick answer spans in the ``k``
best, and returns ranked answers that say where they came from: passage and document id, the
character span in the passage *and* in the document, the reader's score and the passage's rank.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..text import split_sentences
from .reader import answer_many, load_reader
from .retrieval import MAX_WORDS, METHODS, Corpus, PassageIndex, build_index, load_index, make_corpus

# A word before the answer in its sentence that may deny it ("does not cause X"): readers ignore negation.
NEGATION_CUES = re.compile(r"\b(?:no|not|never|neither|nor|without|cannot|absence of|lack of|free of)\b|n't\b",
                           re.IGNORECASE)


def as_index(corpus, encoder="standin", **kwargs) -> PassageIndex:
    """A :class:`PassageIndex`: as it is, loaded from a saved folder, or built from a corpus, a JSON-lines
    file of abstracts or a list of documents (``kwargs`` go to :func:`build_index`)."""
    if isinstance(corpus, PassageIndex):
        return corpus
    if isinstance(corpus, (str, Path)) and Path(corpus).is_dir():
        return load_index(corpus)
    return build_index(corpus, encoder=encoder, **kwargs)


def answer_sentence(text: str, start: int) -> tuple[int, int]:
    """Character span of the sentence of ``text`` in which character ``start`` lies."""
    return next(((s, e) for s, e in split_sentences(text) if s <= start < e), (0, len(text)))


def negation_cue(text: str, start: int) -> str | None:
    """A negation word ("not", "no", "without", ...) before character ``start`` in its sentence, or None.

    A crude NegEx-like flag, not a negation detector: "does not cause hypoglycaemia" gives "not"."""
    s0, _ = answer_sentence(text, start)
    cue = NEGATION_CUES.search(text[s0:start])
    return cue.group() if cue else None


def _evidence(a: dict, hits: Sequence[dict]) -> dict:
    hit = hits[a["context"]]
    passage = hit["text"]
    s0, s1 = answer_sentence(passage, a["start"])
    return {"text": a["text"], "score": a["score"], "passage_id": hit["passage_id"], "doc_id": hit["doc_id"],
            "title": hit["title"], "passage": passage, "start": a["start"], "end": a["end"],
            "doc_start": hit["start"] + a["start"], "doc_end": hit["start"] + a["end"],
            "sentence": passage[s0:s1], "negation_cue": negation_cue(passage, a["start"]),
            "retrieval_rank": hit["rank"], "retrieval_score": hit["score"], "method": hit["method"],
            "support": a.get("support", 1),
            "spans": [(hits[c]["passage_id"], s, e) for c, s, e in a.get("spans", [(a["context"], a["start"], a["end"])])]}


def ask_many(questions: Sequence[str], corpus, k: int = 5, model=None, tokenizer=None, top_k: int = 5,
             method: str = "hybrid", encoder="standin", **reader_kwargs) -> list[list[dict]]:
    """:func:`ask` for several questions (retrieval and reading batched)."""
    model, tokenizer = load_reader(model, tokenizer)  # no reader is an error before any retrieval work
    index = as_index(corpus, encoder)
    hits = index.search_many(questions, k=k, method=method)
    ranked = answer_many(list(questions), [[h["text"] for h in hs] for hs in hits], model=model,
                         tokenizer=tokenizer, top_k=top_k, **reader_kwargs)
    return [[_evidence(a, hs) for a in answers] for answers, hs in zip(ranked, hits)]


def ask(question: str, corpus, k: int = 5, model=None, tokenizer=None, top_k: int = 5, method: str = "hybrid",
        encoder="standin", **reader_kwargs) -> list[dict]:
    """Ranked answers to ``question`` read from the ``k`` passages of ``corpus`` that best match it.

    ``corpus``: a :class:`PassageIndex` (fastest: build it once), a saved index folder, a :class:`Corpus`,
    a JSON-lines file of abstracts or a list of documents (indexed with ``encoder`` first). ``method``:
    ``"bm25"``, ``"dense"`` or ``"hybrid"``. ``model``/``tokenizer``: the reader (required; build the demo one
    with ``wb.qa.sample_reader()``). Each answer: ``text``, ``score`` (the reader's, summed over the places it
    was found), ``passage_id``, ``doc_id``, ``passage`` with ``start``/``end`` into it, ``doc_start``/``doc_end``
    into the document, ``sentence``, ``negation_cue`` (a word such as "not" before the answer in its sentence,
    else None), ``retrieval_rank``/``retrieval_score`` of the passage, ``support`` and ``spans``.
    """
    return ask_many([question], corpus, k=k, model=model, tokenizer=tokenizer, top_k=top_k, method=method,
                    encoder=encoder, **reader_kwargs)[0]


# ---------------------------------------------------------------- showing the evidence

def format_evidence(answers: Sequence[dict], n: int = 3) -> str:
    """HTML: each of the best ``n`` answers highlighted in its passage (``wb.viz.format_spans``), with where it
    came from; a negation cue before the answer is flagged."""
    from ..viz import format_spans

    if not answers:
        return "<div class='wb-spans'><i>no answer</i></div>"
    parts = []
    for rank, a in enumerate(list(answers)[:n], 1):
        head = (f"#{rank} {a['text']!r} -- reader score {a['score']:.3f}; passage {a['passage_id']} "
                f"(retrieval rank {a['retrieval_rank']}, {a['method']}); characters {a['doc_start']}-{a['doc_end']} "
                f"of {a['doc_id']}" + (f" -- {a['title']}" if a.get("title") else ""))
        warn = (f"<div style='color:#b00'>the sentence says {html.escape(repr(a['negation_cue']))} before this answer: "
                f"read it before trusting the answer</div>") if a.get("negation_cue") else ""
        parts.append(format_spans(a["passage"], [{"start": a["start"], "end": a["end"], "label": "ANSWER",
                                                  "score": a["score"]}], title=head) + warn)
    return "".join(parts)


def show_evidence(answers: Sequence[dict], n: int = 3) -> None:
    """Display :func:`format_evidence` in a notebook (plain text outside Jupyter)."""
    from ..viz import show_html

    fallback = "\n".join(f"{a['text']!r} ({a['score']:.3f}) from {a['passage_id']}: {a['sentence']}"
                         for a in list(answers)[:n]) or "no answer"
    show_html(format_evidence(answers, n), fallback=fallback)


def evidence_table(answers: Sequence[dict]):
    """The answers as a ``pandas.DataFrame``: answer, scores, where it was found, negation cue."""
    import pandas as pd

    return pd.DataFrame([{"rank": r, "answer": a["text"], "score": round(a["score"], 4), "doc_id": a["doc_id"],
                          "passage_id": a["passage_id"], "retrieval_rank": a["retrieval_rank"],
                          "doc_chars": f"{a['doc_start']}-{a['doc_end']}", "negation_cue": a["negation_cue"],
                          "support": a["support"]} for r, a in enumerate(answers, 1)])


# ---------------------------------------------------------------- BioASQ: every snippet in one pool

@dataclass
class BioASQPool:
    """All snippets of a BioASQ dataset as one corpus (a document per distinct snippet), the questions,
    their golden synonyms and ``relevant``: each question's own snippets that contain a golden answer."""

    corpus: Corpus
    questions: dict
    golden: dict
    relevant: dict

    def __repr__(self) -> str:
        located = sum(bool(v) for v in self.relevant.values())
        return (f"BioASQPool({len(self.questions)} questions, {located} with an answer-bearing snippet; "
                f"{self.corpus!r})")


def bioasq_pool(dataset, max_words: int = MAX_WORDS) -> BioASQPool:
    """Pool every snippet of every question of a ``wb.qa.load_bioasq`` dataset into one corpus."""
    doc_of: dict[str, str] = {}
    questions, golden, relevant = {}, {}, {}
    for row_id, qid, q, ctx, gold, ans in zip(dataset["id"], dataset["question_id"], dataset["question"],
                                              dataset["context"], dataset["golden"], dataset["answers"]):
        doc_id = doc_of.setdefault(ctx, row_id)  # the same snippet under two questions is one document
        questions[qid], golden[qid] = q, list(gold)
        relevant.setdefault(qid, [])
        if ans["text"] and doc_id not in relevant[qid]:
            relevant[qid].append(doc_id)
    corpus = make_corpus([{"doc_id": d, "text": t} for t, d in doc_of.items()], max_words)
    return BioASQPool(corpus, questions, golden, relevant)


def retrieval_recall(index: PassageIndex, pool: BioASQPool, ks: Sequence[int] = (1, 5, 10, 20),
                     methods: Sequence[str] = METHODS) -> list[dict]:
    """Per method: ``recall@k`` (share of a question's answer-bearing snippets among the ``k`` best documents)
    and ``hit@k`` (at least one of them there), averaged over the questions that have such a snippet."""
    qids = [q for q, docs in pool.relevant.items() if docs]
    if not qids:
        raise ValueError("no question has a snippet containing its golden answer")
    depth = min(len(index.corpus), max(ks) * 10)
    rows = []
    for method in methods:
        hits = index.search_many([pool.questions[q] for q in qids], k=depth, method=method)
        row = {"method": method, "questions": len(qids)}
        recall = {k: 0.0 for k in ks}
        found = {k: 0 for k in ks}
        for qid, hs in zip(qids, hits):
            docs = list(dict.fromkeys(h["doc_id"] for h in hs))
            gold = set(pool.relevant[qid])
            for k in ks:
                got = len(gold & set(docs[:k]))
                recall[k] += got / len(gold)
                found[k] += got > 0
        row.update({f"recall@{k}": 100 * recall[k] / len(qids) for k in ks})
        row.update({f"hit@{k}": 100 * found[k] / len(qids) for k in ks})
        rows.append(row)
    return rows


def evaluate_ask_bioasq(model, pool: BioASQPool, index: PassageIndex, tokenizer=None, k: int = 5,
                        method: str = "hybrid", top_k: int = 5, max_questions: int | None = None,
                        **reader_kwargs) -> dict:
    """BioASQ factoid strict/lenient/MRR (percent) when every question is answered from the ``k`` passages
    retrieved from the whole pool -- compare with ``wb.qa.evaluate_bioasq`` (the gold snippets)."""
    from ..models import describe
    from .metrics import bioasq_factoid_metrics

    model, tokenizer = load_reader(model, tokenizer)
    qids = list(pool.questions)[:max_questions]
    ranked = ask_many([pool.questions[q] for q in qids], index, k=k, model=model, tokenizer=tokenizer,
                      top_k=top_k, method=method, **reader_kwargs)
    metrics = bioasq_factoid_metrics({q: [a["text"] for a in r] for q, r in zip(qids, ranked)},
                                     {q: pool.golden[q] for q in qids}, top_k=top_k)
    return {**metrics, "retrieval": method, "passages": k, "model": describe(model),
            "encoder": index.dense.encoder.describe() if index.dense else None}
