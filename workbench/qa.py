"""Extractive question answering, BioBERT/BioASQ style: data, windows, n-best spans, metrics, training.

Taught in 03_question_answering.

transformers 5 has no ``pipeline("question-answering")``, so this module does what it did, in the
open: cut long contexts into overlapping windows (``max_length`` 384, ``doc_stride`` 128) with
offset mappings, run ``AutoModelForQuestionAnswering``, take the best start/end pairs of every
window (vectorised top-k over all valid pairs), map them back to exact character spans of the
original context, and -- for BioASQ, where one question comes with many snippets -- merge the
candidates of all snippets (the same answer string accumulates its probability).

Metrics are written here too (``evaluate.load("squad")`` needs the hub): the official SQuAD v1.1/v2.0
normalisation, exact match and F1, and the BioASQ factoid measures -- strict accuracy (top-1),
lenient accuracy (top-5) and MRR against the golden synonym lists, case-insensitive.

Answers are dicts ``{"text", "start", "end", "score", "context", "label": "ANSWER", ...}``:
``start``/``end`` are character offsets into ``contexts[context]``.
"""
from __future__ import annotations

import collections
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .data import DataFormatError

# Published anchors, shown next to what actually ran, never in its place: Lee et al. 2020 (Bioinformatics
# 36:1234), QA table, BioBERT v1.1 fine-tuned on SQuAD, then on each year's BioASQ training questions.
# Compare 4b with 4b; the average is over the 472 test questions of 4b-6b (161 / 150 / 161).
ANCHORS = {
    "BioBERT v1.1 (published, BioASQ 4b)": {"strict_accuracy": 27.95, "lenient_accuracy": 44.10, "mrr": 34.72},
    "BioBERT v1.1 (published, BioASQ 5b)": {"strict_accuracy": 46.00, "lenient_accuracy": 60.00, "mrr": 51.64},
    "BioBERT v1.1 (published, BioASQ 6b)": {"strict_accuracy": 42.86, "lenient_accuracy": 57.77, "mrr": 48.43},
    "BioBERT v1.1 (published, 4b-6b average)": {"strict_accuracy": 38.77, "lenient_accuracy": 53.81, "mrr": 44.77},
}
MAX_LENGTH = 384
DOC_STRIDE = 128  # with max_length 384; shorter windows overlap by a third (see stride_for)
MAX_ANSWER_LEN = 30  # word pieces
N_BEST = 20  # candidate spans kept per window
# Fine-tuning recipe for the project sample in fast mode. Measured on 2 CPU cores: the stand-in
# reaches about 90 EM on the sample dev split in about a minute (batch 16 / lr 1e-4 needs 4 epochs).
SAMPLE_RECIPE = dict(epochs=2, batch_size=8, learning_rate=2e-4, max_train_samples=400)


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

def _flatten(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    out = []
    for item in value or []:
        out.extend(_flatten(item))
    return out


def _bioasq_key(text: str) -> str:
    return " ".join(str(text).lower().split())


def load_bioasq_golden(paths, types: Iterable[str] = ("factoid",)) -> dict[str, list[str]]:
    """``{question_id: [synonyms]}`` from official BioASQ golden file(s) (``exact_answer`` flattened)."""
    golden: dict[str, list[str]] = {}
    for path in _as_paths(paths):
        doc = _read_json(path)
        if not isinstance(doc, dict) or "questions" not in doc:
            raise DataFormatError(f"{path}: not a BioASQ golden file (no 'questions' list)")
        for i, q in enumerate(doc["questions"]):
            if q.get("type") not in set(types):
                continue
            if "id" not in q or "exact_answer" not in q:
                raise DataFormatError(f"{path}: question #{i} has no 'id' or 'exact_answer'")
            golden[q["id"]] = _flatten(q["exact_answer"])
    return golden


def bioasq_factoid_metrics(ranked: Mapping[str, Sequence[str]], golden, top_k: int = 5) -> dict:
    """BioASQ factoid strict accuracy (top-1), lenient accuracy (top-``top_k``) and MRR, in percent.

    ``ranked``: ``{question_id: [answer strings, best first]}``. ``golden``: golden file path(s) or
    ``{question_id: [synonyms]}``. An answer is right when it equals any synonym, ignoring case
    and surrounding/double spaces. Every golden question counts; one without predictions is wrong
    and counted in ``missing``.
    """
    gold = golden if isinstance(golden, Mapping) else load_bioasq_golden(golden)
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


# ---------------------------------------------------------------- loading SQuAD / BioASQ

def _as_paths(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = [Path(p) for p in paths]
    for p in out:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file")
    return out


def _read_json(path: Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataFormatError(f"{path}:{err.lineno}:{err.colno}: invalid JSON ({err.msg})") from None


def _features(extra: dict | None = None):
    import datasets

    cols = {"id": datasets.Value("string"), "title": datasets.Value("string"),
            "context": datasets.Value("string"), "question": datasets.Value("string"),
            "answers": {"text": datasets.Sequence(datasets.Value("string")),
                        "answer_start": datasets.Sequence(datasets.Value("int32"))}}
    cols.update(extra or {})
    return datasets.Features(cols)


def _squad_rows(path: Path) -> list[dict]:
    doc = _read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise DataFormatError(f"{path}: not SQuAD JSON (expected {{'data': [{{'paragraphs': ...}}]}})")
    rows = []
    for a, article in enumerate(doc["data"]):
        for p, para in enumerate(article.get("paragraphs", [])):
            where = f"{path}: data[{a}].paragraphs[{p}]"
            if "context" not in para or "qas" not in para:
                raise DataFormatError(f"{where}: needs 'context' and 'qas'")
            context = para["context"]
            if not isinstance(context, str) or not isinstance(para["qas"], list):
                raise DataFormatError(f"{where}: 'context' must be text and 'qas' a list")
            for k, qa in enumerate(para["qas"]):
                if not isinstance(qa, dict) or "id" not in qa or "question" not in qa:
                    raise DataFormatError(f"{where}.qas[{k}]: a question needs 'id' and 'question'")
                answers = [] if qa.get("is_impossible") else qa.get("answers", [])
                if not isinstance(answers, list):
                    raise DataFormatError(f"{where}: question {qa['id']}: 'answers' must be a list")
                texts, starts = [], []
                for ans in answers:
                    text, start = (ans.get("text"), ans.get("answer_start")) if isinstance(ans, dict) else (None, None)
                    if not isinstance(text, str) or not isinstance(start, int):
                        raise DataFormatError(f"{where}: question {qa['id']}: answers need 'text' and 'answer_start'")
                    if context[start:start + len(text)] != text:
                        raise DataFormatError(
                            f"{where}: question {qa['id']}: answer {text!r} is not at character {start} "
                            f"of the context (found {context[start:start + len(text)]!r})")
                    texts.append(text)
                    starts.append(start)
                rows.append({"id": str(qa["id"]), "title": str(article.get("title", "")), "context": context,
                             "question": qa["question"], "answers": {"text": texts, "answer_start": starts}})
    return rows


def load_squad(path):
    """SQuAD v1.1 / v2.0 JSON (one file or several) -> ``datasets.Dataset``.

    Columns ``id``, ``title``, ``context``, ``question``, ``answers`` (``{"text": [...],
    "answer_start": [...]}``; empty for v2 ``is_impossible`` questions and for files without
    answers). Every answer must sit at its ``answer_start``; errors name the file and question.
    """
    import datasets

    rows = [r for p in _as_paths(path) for r in _squad_rows(p)]
    return datasets.Dataset.from_list(rows, features=_features())


def sample_path(split: str = "train") -> Path:
    """The project-written QA sample file for ``split`` ("train" or "dev"), SQuAD v1.1 format."""
    from .data import sample_dir

    if split not in ("train", "dev"):
        raise ValueError(f"split must be 'train' or 'dev', got {split!r}")
    return sample_dir("qa") / f"{split}.json"


def load_sample():
    """The project QA sample as a ``DatasetDict`` with ``train`` and ``validation`` (questions about
    passages this project wrote; see ``data/README.md``)."""
    import datasets

    return datasets.DatasetDict(train=load_squad(sample_path("train")), validation=load_squad(sample_path("dev")))


def find_answer_spans(context: str, synonyms: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans where any synonym occurs in ``context`` (case-insensitive, whole words).

    Overlapping matches keep the earliest, then longest; the result is sorted by position.
    """
    hits = []
    for syn in {s.strip() for s in synonyms if s and s.strip()}:
        pattern = re.compile(r"(?<!\w)" + re.escape(syn) + r"(?!\w)", re.IGNORECASE)
        hits.extend((m.start(), m.end()) for m in pattern.finditer(context))
    out: list[tuple[int, int]] = []
    for start, end in sorted(hits, key=lambda h: (h[0], -h[1])):
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out


def bioasq_files(folder) -> list[tuple[Path, Path]]:
    """Pairs ``(test file, golden file)`` in a BioBERT BioASQ folder (``BioASQ-test-factoid-4b-1.json``
    with ``4B1_golden.json``, ...)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    pairs = []
    for test in sorted(folder.glob("BioASQ-test-factoid-*.json")):
        m = re.fullmatch(r"BioASQ-test-factoid-(\d+)b-(\d+)\.json", test.name)
        if not m:
            continue
        golden = folder / f"{m.group(1)}B{m.group(2)}_golden.json"
        if not golden.exists():
            raise FileNotFoundError(f"{test}: its golden file {golden.name} is missing")
        pairs.append((test, golden))
    if not pairs:
        raise FileNotFoundError(f"{folder}: no BioASQ-test-factoid-*.json files")
    return pairs


def question_id(row_id: str) -> str:
    """``'5a6a..25_003'`` -> ``'5a6a..25'``: BioASQ test rows repeat each question once per snippet."""
    head, sep, tail = row_id.rpartition("_")
    return head if sep and tail.isdigit() else row_id


def load_bioasq(test_files, golden_files):
    """BioASQ test file(s) + golden file(s) -> ``datasets.Dataset``, one row per (question, snippet).

    Extra columns: ``question_id`` (the id without ``_NNN``) and ``golden`` (the synonyms).
    ``answers`` holds every place in the snippet where the golden answer or a synonym occurs
    (case-insensitive); it is empty when the snippet does not contain it. See :func:`bioasq_coverage`.
    """
    import datasets

    gold = load_bioasq_golden(golden_files)
    rows = []
    for path in _as_paths(test_files):
        for row in _squad_rows(path):
            qid = question_id(row["id"])
            if qid not in gold:
                raise DataFormatError(f"{path}: question {row['id']} has no factoid entry in the golden file(s)")
            spans = find_answer_spans(row["context"], gold[qid])
            row.update(question_id=qid, golden=gold[qid],
                       answers={"text": [row["context"][s:e] for s, e in spans], "answer_start": [s for s, _ in spans]})
            rows.append(row)
    extra = {"question_id": datasets.Value("string"), "golden": datasets.Sequence(datasets.Value("string"))}
    return datasets.Dataset.from_list(rows, features=_features(extra))


def load_bioasq_folder(folder=None):
    """All batches of a BioASQ folder (default: the shared ``bioasq_4b``) as one dataset."""
    from .data import shared_corpus

    pairs = bioasq_files(folder or shared_corpus("bioasq_4b"))
    return load_bioasq([t for t, _ in pairs], [g for _, g in pairs])


def bioasq_coverage(dataset) -> dict:
    """How many questions/snippets contain a golden answer (the rest cannot be answered extractively)."""
    located_q: dict[str, bool] = {}
    located_rows = 0
    for qid, answers in zip(dataset["question_id"], dataset["answers"]):
        hit = bool(answers["text"])
        located_rows += hit
        located_q[qid] = located_q.get(qid, False) or hit
    n_q = len(located_q)
    n_loc = sum(located_q.values())
    return {"questions": n_q, "questions_located": n_loc, "questions_not_located": n_q - n_loc,
            "question_coverage": 100 * n_loc / n_q if n_q else 0.0,
            "snippets": len(dataset), "snippets_located": located_rows}


# ---------------------------------------------------------------- windows (features)

def stride_for(max_length: int, doc_stride: int | None = None) -> int:
    """``doc_stride`` or, when None, BioBERT's 128 for 384-token windows (a third for shorter ones)."""
    return min(DOC_STRIDE, max_length // 3) if doc_stride is None else doc_stride


def _check_tokenizer(tokenizer, max_length: int, doc_stride: int) -> None:
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("question answering needs a fast tokenizer (offset mappings)")
    if tokenizer.padding_side != "right":
        raise ValueError("this tokenizer pads on the left; the question-first layout here needs padding_side='right'")
    if not 0 <= doc_stride < max_length:
        raise ValueError(f"doc_stride ({doc_stride}) must be smaller than max_length ({max_length})")


def tokenize_windows(tokenizer, questions: Sequence[str], contexts: Sequence[str], max_length: int = MAX_LENGTH,
                     doc_stride: int | None = None, padding: bool | str = False):
    """Tokenise (question, context) pairs into windows of at most ``max_length`` tokens.

    A context longer than one window is cut into several that overlap by ``doc_stride`` tokens;
    ``overflow_to_sample_mapping`` says which pair each window came from and ``offset_mapping``
    maps its tokens back to characters.
    """
    doc_stride = stride_for(max_length, doc_stride)
    _check_tokenizer(tokenizer, max_length, doc_stride)
    questions = [q.lstrip() for q in questions]  # leading spaces waste window room
    try:
        return tokenizer(questions, list(contexts), truncation="only_second", max_length=max_length,
                         stride=doc_stride, return_overflowing_tokens=True, return_offsets_mapping=True,
                         padding="max_length" if padding is True else padding)
    except Exception as err:  # tokenizers raises a bare Exception when the question fills the window
        longest = max(range(len(questions)), key=lambda i: len(questions[i]))
        raise ValueError(
            f"cannot fit question #{longest} ({len(questions[longest])} characters) plus a context window "
            f"into max_length={max_length} with doc_stride={doc_stride}: shorten the question or raise "
            f"max_length ({err})") from None


def _context_offsets(enc, i: int) -> list:
    """Offsets of window ``i`` with ``None`` outside the context (question, special, padding)."""
    seq = enc.sequence_ids(i)
    return [o if s == 1 else None for o, s in zip(enc["offset_mapping"][i], seq)]


def prepare_train_features(examples: Mapping[str, list], tokenizer, max_length: int = MAX_LENGTH,
                           doc_stride: int | None = None) -> dict:
    """``datasets.map(batched=True)`` function: windows with ``start_positions``/``end_positions``.

    The first gold answer is used. A window that does not contain it entirely -- and any
    unanswerable question -- points at ``[CLS]`` (index 0), the SQuAD v2 convention.
    Also keeps ``example_id`` and context-only ``offset_mapping`` for post-processing.
    """
    enc = tokenize_windows(tokenizer, examples["question"], examples["context"], max_length, doc_stride)
    sample_map = enc["overflow_to_sample_mapping"]
    starts, ends, offsets, example_ids = [], [], [], []
    for i, sample in enumerate(sample_map):
        offs = _context_offsets(enc, i)
        offsets.append(offs)
        example_ids.append(examples["id"][sample])
        ans = examples["answers"][sample]
        ctx = [k for k, o in enumerate(offs) if o is not None]
        if not ans["text"] or not ctx:
            starts.append(0)
            ends.append(0)
            continue
        s_char = ans["answer_start"][0]
        e_char = s_char + len(ans["text"][0])
        first, last = ctx[0], ctx[-1]
        if offs[first][0] > s_char or offs[last][1] < e_char:
            starts.append(0)  # the answer is not (entirely) inside this window
            ends.append(0)
            continue
        s_tok = next(k for k in ctx if offs[k][1] > s_char)
        e_tok = next(k for k in reversed(ctx) if offs[k][0] < e_char)
        starts.append(s_tok)
        ends.append(e_tok)
    out = {k: enc[k] for k in enc.keys() if k not in ("offset_mapping", "overflow_to_sample_mapping")}
    out.update(start_positions=starts, end_positions=ends, offset_mapping=offsets, example_id=example_ids)
    return out


# ---------------------------------------------------------------- n-best spans (vectorised)

@dataclass
class Candidates:
    """Best spans of a set of windows: parallel arrays, one entry per candidate."""

    feature: "object"  # np.ndarray[int]
    start: "object"  # token index
    end: "object"  # token index (inclusive)
    log_score: "object"  # log p(start) + log p(end)
    null_log_score: "object" = None  # per window: log p(CLS) + log p(CLS), when allow_null


def span_candidates(start_logits, end_logits, context_mask, n_best: int = N_BEST,
                    max_answer_len: int = MAX_ANSWER_LEN, allow_null: bool = False) -> Candidates:
    """The ``n_best`` highest-scoring valid spans of every window, found with one ``topk``.

    ``start_logits``/``end_logits``/``context_mask``: ``(windows, tokens)``. A valid span starts and
    ends on context tokens, ``end >= start`` and spans at most ``max_answer_len`` tokens. Scores
    are ``log p(start) + log p(end)`` with softmaxes over the window's context tokens (plus
    ``[CLS]`` when ``allow_null``, whose pair score becomes the SQuAD v2 null score).
    Exact: it ranks all ``tokens x max_answer_len`` pairs, no pre-selection of starts or ends.
    """
    import numpy as np
    import torch

    s = torch.as_tensor(np.asarray(start_logits, dtype=np.float32))
    e = torch.as_tensor(np.asarray(end_logits, dtype=np.float32))
    mask = torch.as_tensor(np.asarray(context_mask, dtype=bool))
    if s.shape != e.shape or s.shape != mask.shape or s.ndim != 2:
        raise ValueError(f"logits and mask must share one (windows, tokens) shape: {tuple(s.shape)}, "
                         f"{tuple(e.shape)}, {tuple(mask.shape)}")
    if max_answer_len < 1 or n_best < 1:
        raise ValueError("max_answer_len and n_best must be at least 1")
    n_feat, length = s.shape
    ninf = float("-inf")
    norm = mask.clone()
    if allow_null:
        norm[:, 0] = True
    has_ctx = mask.any(dim=1, keepdim=True)
    ls = torch.log_softmax(s.masked_fill(~norm, ninf), dim=1).masked_fill(~has_ctx & ~norm, ninf)
    le = torch.log_softmax(e.masked_fill(~norm, ninf), dim=1).masked_fill(~has_ctx & ~norm, ninf)
    span_len = min(max_answer_len, length)
    ls_span = ls.masked_fill(~mask, ninf)
    le_span = torch.nn.functional.pad(le.masked_fill(~mask, ninf), (0, span_len - 1), value=ninf)
    scores = ls_span[:, :, None] + le_span.unfold(1, span_len, 1)  # [f, i, d] = start i, end i + d
    k = min(n_best, length * span_len)
    top, idx = scores.reshape(n_feat, -1).topk(k, dim=1)
    keep = torch.isfinite(top)
    feat = torch.arange(n_feat)[:, None].expand(-1, k)[keep]
    start = (idx // span_len)[keep]
    end = start + (idx % span_len)[keep]
    null = (ls[:, 0] + le[:, 0]).numpy() if allow_null else None
    return Candidates(feat.numpy(), start.numpy(), end.numpy(), top[keep].numpy(), null)


def _rank(groups: dict, top_k: int) -> list[dict]:
    ranked = sorted(groups.values(), key=lambda g: (-g["score"], g["context"], g["start"]))
    return ranked[:top_k]


def merge_candidates(spans: Iterable[dict], top_k: int = 5) -> list[dict]:
    """Merge candidate spans of one question into ranked answers.

    ``spans``: dicts with ``text``, ``start``, ``end``, ``score`` (a probability) and ``context``.
    The same span seen in two overlapping windows counts once (its best score); different spans
    with the same normalised text -- in one snippet or in several -- add up, as BioASQ systems do.
    The empty text (the SQuAD v2 null answer) keeps its best score instead of adding up.
    Each answer keeps the text and place of its best span, ``support`` (how many spans) and ``spans``.
    """
    best_span: dict[tuple, dict] = {}
    for sp in spans:
        key = (sp["context"], sp["start"], sp["end"])
        if key not in best_span or sp["score"] > best_span[key]["score"]:
            best_span[key] = sp
    groups: dict[str, dict] = {}
    for sp in sorted(best_span.values(), key=lambda x: (-x["score"], x["context"], x["start"])):
        key = normalize_answer(sp["text"]) or sp["text"].strip().lower()
        if key not in groups:
            groups[key] = {"text": sp["text"], "start": sp["start"], "end": sp["end"], "score": sp["score"],
                           "context": sp["context"], "label": "ANSWER", "support": 1,
                           "spans": [(sp["context"], sp["start"], sp["end"])]}
            continue
        g = groups[key]
        if key:
            g["score"] += sp["score"]
        g["support"] += 1
        g["spans"].append((sp["context"], sp["start"], sp["end"]))
    return _rank(groups, top_k)


# ---------------------------------------------------------------- running a model

_MODEL_CACHE: dict[tuple, tuple] = {}


def default_model():
    """The model :func:`answer` uses when none is given: ``biobert-squad`` when the hub (or the
    local cache) has it, otherwise the stand-in fine-tuned on the project sample (:func:`sample_reader`)."""
    from .models import resolve

    if not resolve("biobert-squad").is_standin:
        return "biobert-squad"
    return str(sample_reader_dir())


def _resolve_model(model, tokenizer):
    """Accept a model object or a name/folder (loaded once and cached); find its tokenizer."""
    from . import models as wbm

    if model is None:
        model = default_model()
    if isinstance(model, (str, Path)):
        weights = [f.stat().st_mtime for f in Path(model).glob("*.safetensors")] if Path(model).is_dir() else []
        key = (str(model), max(weights, default=0.0))  # a folder saved again is loaded again
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = (wbm.load_model(key[0], task="question-answering").eval(), wbm.load_tokenizer(key[0]))
        cached_model, cached_tok = _MODEL_CACHE[key]
        return cached_model, tokenizer or cached_tok
    if tokenizer is None:
        source = getattr(getattr(model, "workbench", None), "source", None) or model.config._name_or_path
        tokenizer = wbm.load_tokenizer(source)
    return model, tokenizer


def _batches(order, lengths, batch_size: int | None, device_type: str) -> list:
    """Split length-sorted window indices into batches: ``batch_size`` windows each, or (default)
    as many as fit a token budget -- measured on 2 CPU cores, long windows run fastest one or two
    at a time while short ones gain from batching; a GPU wants large batches."""
    if batch_size:
        return [order[b:b + batch_size] for b in range(0, len(order), batch_size)]
    budget = 1024 if device_type == "cpu" else 16384
    out, cur = [], []
    for i in order:  # ascending length: the newest window is the longest of its batch
        if cur and (len(cur) + 1) * lengths[i] > budget:
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    return out


def window_logits(model, tokenizer, enc, batch_size: int | None = None):
    """Start/end logits of every window in ``enc`` as ``(windows, max tokens)`` arrays (-inf padded).

    Windows run shortest first in batches padded only to their own longest window
    (``batch_size`` windows per batch; default: a token budget, see :func:`_batches`).
    """
    import numpy as np
    import torch

    ids = enc["input_ids"]
    names = [n for n in ("input_ids", "token_type_ids", "attention_mask") if n in enc]
    lengths = np.array([len(x) for x in ids])
    width = int(lengths.max()) if len(ids) else 0
    start = np.full((len(ids), width), -np.inf, dtype=np.float32)
    end = np.full((len(ids), width), -np.inf, dtype=np.float32)
    order = np.argsort(lengths, kind="stable")
    pad_id = tokenizer.pad_token_id or 0
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for sel in _batches(order, lengths, batch_size, model.device.type):
                n = int(lengths[sel].max())
                batch = {}
                for name in names:
                    fill = pad_id if name == "input_ids" else 0
                    batch[name] = torch.tensor([enc[name][i] + [fill] * (n - lengths[i]) for i in sel],
                                               device=model.device)
                out = model(**batch)
                s = out.start_logits.float().cpu().numpy()
                e = out.end_logits.float().cpu().numpy()
                for row, i in enumerate(sel):
                    start[i, :lengths[i]] = s[row, :lengths[i]]
                    end[i, :lengths[i]] = e[row, :lengths[i]]
    finally:
        model.train(was_training)
    return start, end


def _window_spans(enc, start_logits, end_logits, contexts, n_best, max_answer_len, allow_null) -> list[dict]:
    """Candidate spans (character offsets, probabilities) of every window, tagged with their pair index."""
    import numpy as np

    n_feat, width = start_logits.shape
    offsets = np.zeros((n_feat, width, 2), dtype=np.int64)
    mask = np.zeros((n_feat, width), dtype=bool)
    for i in range(n_feat):
        seq = enc.sequence_ids(i)
        offs = enc["offset_mapping"][i]
        ctx = [k for k, s in enumerate(seq) if s == 1]
        mask[i, ctx] = True
        offsets[i, :len(offs)] = offs
    cand = span_candidates(start_logits, end_logits, mask, n_best, max_answer_len, allow_null)
    pair = np.asarray(enc["overflow_to_sample_mapping"])[cand.feature]
    s_char = offsets[cand.feature, cand.start, 0]
    e_char = offsets[cand.feature, cand.end, 1]
    probs = np.exp(cand.log_score)
    spans = [{"pair": int(p), "start": int(s), "end": int(e), "score": float(pr),
              "text": contexts[p][s:e]} for p, s, e, pr in zip(pair.tolist(), s_char.tolist(), e_char.tolist(), probs)]
    if allow_null:
        # SQuAD v2: one null candidate per pair, with its windows' lowest null score.
        nulls: dict[int, float] = {}
        for i, p in enumerate(enc["overflow_to_sample_mapping"]):
            nulls[p] = min(nulls.get(p, 1.0), float(np.exp(cand.null_log_score[i])))
        spans += [{"pair": p, "start": 0, "end": 0, "score": sc, "text": ""} for p, sc in nulls.items()]
    return spans


def answer_many(questions: Sequence[str], contexts: Sequence[str | Sequence[str]], model=None, tokenizer=None,
                top_k: int = 5, n_best: int = N_BEST, max_answer_len: int = MAX_ANSWER_LEN,
                max_length: int = MAX_LENGTH, doc_stride: int | None = None, batch_size: int | None = None,
                allow_null: bool = False) -> list[list[dict]]:
    """:func:`answer` for many questions at once (windows of all questions share batches)."""
    if len(questions) != len(contexts):
        raise ValueError(f"{len(questions)} questions but {len(contexts)} context lists")
    model, tokenizer = _resolve_model(model, tokenizer)
    per_q = [[c] if isinstance(c, str) else list(c) for c in contexts]
    flat_q, flat_c, owner = [], [], []
    for qi, (q, cs) in enumerate(zip(questions, per_q)):
        if not isinstance(q, str) or not q.strip():
            raise ValueError(f"question #{qi} is empty")
        for ci, c in enumerate(cs):
            if not isinstance(c, str):
                raise ValueError(f"question #{qi}: context #{ci} is {type(c).__name__}, not text")
            flat_q.append(q)
            flat_c.append(c)
            owner.append((qi, ci))
    results: list[list[dict]] = [[] for _ in questions]
    if not flat_c:
        return results
    enc = tokenize_windows(tokenizer, flat_q, flat_c, max_length, doc_stride)
    start, end = window_logits(model, tokenizer, enc, batch_size)
    spans = _window_spans(enc, start, end, flat_c, n_best, max_answer_len, allow_null)
    by_q: dict[int, list[dict]] = collections.defaultdict(list)
    for sp in spans:
        qi, ci = owner[sp.pop("pair")]
        sp["context"] = ci
        by_q[qi].append(sp)
    for qi in range(len(questions)):
        results[qi] = merge_candidates(by_q.get(qi, []), top_k)
    return results


def answer(question: str, contexts: str | Sequence[str], top_k: int = 5, model=None, tokenizer=None,
           **kwargs) -> list[dict]:
    """Ranked answers to ``question`` from one context or several snippets.

    Returns up to ``top_k`` dicts ``{"text", "start", "end", "score", "context", "label", "support",
    "spans"}``, best first; ``start``/``end`` index ``contexts[context]`` (``context`` is 0 for a
    single string). With several snippets, the same answer found in several places adds up its
    probability. ``model``: a QA model or a name/folder (default: :func:`default_model`);
    options as in :func:`answer_many`.
    """
    return answer_many([question], [contexts], model=model, tokenizer=tokenizer, top_k=top_k, **kwargs)[0]


def answer_table(answers: Sequence[dict]):
    """The n-best list as a ``pandas.DataFrame`` (rank, answer, score, snippet, span, support)."""
    import pandas as pd

    return pd.DataFrame([{"rank": r, "answer": a["text"], "score": round(a["score"], 4), "context": a["context"],
                          "start": a["start"], "end": a["end"], "support": a.get("support", 1)}
                         for r, a in enumerate(answers, 1)])


def format_answer(answers: Sequence[dict], contexts: str | Sequence[str], n: int = 1) -> str:
    """HTML of the snippet(s) holding the best ``n`` answers, highlighted (``wb.viz.format_spans``)."""
    from .viz import format_spans

    contexts = [contexts] if isinstance(contexts, str) else list(contexts)
    by_ctx: dict[int, list[dict]] = collections.defaultdict(list)
    for rank, a in enumerate(list(answers)[:n], 1):
        if a["text"]:
            label = "ANSWER" if rank == 1 else f"#{rank}"
            by_ctx[a["context"]].append({"start": a["start"], "end": a["end"], "label": label, "score": a["score"]})
    if not by_ctx:
        return "<div class='wb-spans'><i>no answer</i></div>"
    return "".join(format_spans(contexts[c], spans, title=f"snippet {c}" if len(contexts) > 1 else None)
                   for c, spans in sorted(by_ctx.items()))


def show_answer(answers: Sequence[dict], contexts, n: int = 1) -> None:
    """Display :func:`format_answer` in a notebook (plain text outside Jupyter)."""
    from .viz import _show_html

    fallback = "\n".join(f"{a['text']!r} ({a['score']:.3f})" for a in list(answers)[:n]) or "no answer"
    _show_html(format_answer(answers, contexts, n), fallback=fallback)


# ---------------------------------------------------------------- predicting and evaluating datasets

def predict_squad(model, tokenizer, dataset, allow_null: bool = False, **kwargs) -> dict[str, str]:
    """``{id: best answer text}`` for a SQuAD-style dataset (``""`` when the null answer wins)."""
    ranked = answer_many(dataset["question"], dataset["context"], model=model, tokenizer=tokenizer,
                         top_k=1, allow_null=allow_null, **kwargs)
    return {qid: (r[0]["text"] if r else "") for qid, r in zip(dataset["id"], ranked)}


def _has_unanswerable(dataset) -> bool:
    return any(not a["text"] for a in dataset["answers"])


def evaluate_squad(model, tokenizer, data, allow_null: bool | None = None, max_samples: int | None = None,
                   **kwargs) -> dict:
    """SQuAD EM/F1 (percent) of ``model`` on a SQuAD JSON file or dataset; adds which model ran.

    ``allow_null`` defaults to "the data has unanswerable questions" (SQuAD v2).
    """
    from .models import describe

    model, tokenizer = _resolve_model(model, tokenizer)
    ds = load_squad(data) if isinstance(data, (str, Path, list)) else data
    if max_samples is not None:
        ds = ds.select(range(min(max_samples, len(ds))))
    allow_null = _has_unanswerable(ds) if allow_null is None else allow_null
    preds = predict_squad(model, tokenizer, ds, allow_null=allow_null, **kwargs)
    refs = {qid: a["text"] for qid, a in zip(ds["id"], ds["answers"])}
    return {**squad_metrics(preds, refs), "model": describe(model)}


def predict_bioasq(model, tokenizer, dataset, top_k: int = 5, **kwargs) -> dict[str, list[str]]:
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


def evaluate_bioasq(model, tokenizer, dataset, top_k: int = 5, max_questions: int | None = None, **kwargs) -> dict:
    """BioASQ factoid strict/lenient/MRR (percent) of ``model`` on a :func:`load_bioasq` dataset.

    Also reports the answer-locating coverage and which model ran. ``max_questions`` evaluates
    only the first questions (fast mode); the scores are then over those questions.
    """
    from .models import describe

    model, tokenizer = _resolve_model(model, tokenizer)
    ds = select_questions(dataset, max_questions)
    ranked = predict_bioasq(model, tokenizer, ds, top_k=top_k, **kwargs)
    golden = dict(zip(ds["question_id"], ds["golden"]))
    return {**bioasq_factoid_metrics(ranked, golden, top_k=top_k), "coverage": bioasq_coverage(ds),
            "model": describe(model)}


# ---------------------------------------------------------------- fine-tuning

@dataclass
class TrainResult:
    """What :func:`train` returns: the model, its tokenizer, the Trainer, metrics and where it was saved."""

    model: object
    tokenizer: object
    trainer: object
    metrics: dict = field(default_factory=dict)
    out_dir: Path | None = None

    @property
    def history(self) -> list[dict]:
        """``trainer.state.log_history``: loss and dev EM/F1 per epoch (``wb.viz.plot_training_curve``)."""
        return self.trainer.state.log_history


def _load_split(data, max_samples):
    ds = load_squad(data) if isinstance(data, (str, Path, list)) else data
    if max_samples is not None and max_samples < len(ds):
        ds = ds.shuffle(seed=42).select(range(max_samples))
    return ds


def train(model: str = "biobert-squad", train_data=None, out_dir=None, dev_data=None, *, epochs: float | None = None,
          batch_size: int | None = None, learning_rate: float | None = None, max_train_samples: int | None = -1,
          max_eval_samples: int | None = -1, max_length: int | None = None, doc_stride: int | None = None,
          seed: int = 42, disable_tqdm: bool | None = None) -> TrainResult:
    """Fine-tune a QA model with the ``transformers`` Trainer on SQuAD-format data.

    ``train_data``/``dev_data``: SQuAD JSON path(s) or :func:`load_squad` datasets (default: the
    project sample ``data/qa``). Unset sizes come from ``wb.run_sizes("qa")`` (fast or full).
    With dev data, SQuAD EM/F1 are computed after every epoch. Saved with :func:`wb.save_model`
    when ``out_dir`` is given (reload with ``wb.load_model(out_dir, task="question-answering")``).
    """
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from .env import choose, run_sizes, runs_dir, set_seed
    from .models import describe, load_model, load_tokenizer, save_model

    sizes = run_sizes("qa")
    epochs = sizes.epochs if epochs is None else epochs
    batch_size = batch_size or sizes.batch_size
    max_length = max_length or sizes.max_length
    doc_stride = stride_for(max_length, doc_stride)
    learning_rate = learning_rate or choose(SAMPLE_RECIPE["learning_rate"], 5e-5)  # small model, small data: larger step
    max_train_samples = sizes.max_train_samples if max_train_samples == -1 else max_train_samples
    max_eval_samples = sizes.max_eval_samples if max_eval_samples == -1 else max_eval_samples
    if train_data is None:
        train_data = sample_path("train")
        dev_data = dev_data or sample_path("dev")
    set_seed(seed)
    tokenizer = load_tokenizer(str(model))
    qa_model = load_model(str(model), task="question-answering")
    train_ds = _load_split(train_data, max_train_samples)
    dev_ds = _load_split(dev_data, max_eval_samples) if dev_data is not None else None

    def features(ds):
        return ds.map(prepare_train_features, batched=True, remove_columns=ds.column_names,
                      fn_kwargs=dict(tokenizer=tokenizer, max_length=max_length, doc_stride=doc_stride))

    train_feats = features(train_ds).remove_columns(["offset_mapping", "example_id"])
    dev_feats = features(dev_ds) if dev_ds is not None else None
    args = TrainingArguments(
        output_dir=str(runs_dir("qa", "trainer")), num_train_epochs=epochs, learning_rate=learning_rate,
        per_device_train_batch_size=batch_size, per_device_eval_batch_size=batch_size * 2,
        weight_decay=0.01, warmup_steps=0.1, eval_strategy="epoch" if dev_feats is not None else "no",
        logging_strategy="epoch", save_strategy="no", report_to="none", seed=seed,
        disable_tqdm=disable_tqdm, remove_unused_columns=True,
        fp16=torch.cuda.is_available(), dataloader_pin_memory=torch.cuda.is_available())
    trainer = Trainer(model=qa_model, args=args, train_dataset=train_feats,
                      eval_dataset=dev_feats, processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer),
                      compute_metrics=_squad_compute_metrics(dev_ds, dev_feats) if dev_feats is not None else None)
    trainer.train()
    qa_model.eval()
    metrics = {"model": describe(qa_model), "train_examples": len(train_ds), "epochs": epochs}
    if dev_ds is not None:
        final = [h for h in trainer.state.log_history if "eval_f1" in h]
        if final:
            metrics.update(exact_match=final[-1]["eval_exact_match"], f1=final[-1]["eval_f1"])
    out = None
    if out_dir is not None:
        out = save_model(qa_model, tokenizer, out_dir, task="question-answering", max_length=max_length,
                         doc_stride=doc_stride, train_data=str(train_data) if isinstance(train_data, (str, Path)) else "dataset",
                         metrics=metrics)
    return TrainResult(qa_model, tokenizer, trainer, metrics, out)


def _squad_compute_metrics(examples, feats):
    """``compute_metrics`` for the Trainer: windows' logits -> best span per question -> EM/F1."""
    import numpy as np

    ids = feats["example_id"]
    offsets = feats["offset_mapping"]
    index = {qid: i for i, qid in enumerate(examples["id"])}
    contexts = examples["context"]
    refs = {qid: a["text"] for qid, a in zip(examples["id"], examples["answers"])}

    def compute(pred) -> dict:
        start, end = pred.predictions[:2] if isinstance(pred.predictions, tuple) else pred.predictions
        width = start.shape[1]
        mask = np.zeros(start.shape, dtype=bool)
        offs = np.zeros(start.shape + (2,), dtype=np.int64)
        for i, row in enumerate(offsets):
            row = row[:width]
            for k, o in enumerate(row):
                if o is not None:
                    mask[i, k] = True
                    offs[i, k] = o
        cand = span_candidates(np.where(start == -100, -1e4, start), np.where(end == -100, -1e4, end), mask)
        spans = collections.defaultdict(list)
        for f, s, e, ls in zip(cand.feature, cand.start, cand.end, cand.log_score):
            qi = index[ids[f]]
            a, b = int(offs[f, s, 0]), int(offs[f, e, 1])
            spans[qi].append({"text": contexts[qi][a:b], "start": a, "end": b, "score": float(np.exp(ls)), "context": 0})
        preds = {}
        for qid, qi in index.items():
            best = merge_candidates(spans.get(qi, []), top_k=1)
            preds[qid] = best[0]["text"] if best else ""
        m = squad_metrics(preds, refs)
        return {"exact_match": m["exact_match"], "f1": m["f1"]}

    return compute


def sample_reader(retrain: bool = False, model: str = "biobert-squad"):
    """``(model, tokenizer)`` fine-tuned on the project QA sample (``data/qa``), cached under ``runs/qa/``.

    The first call trains with :data:`SAMPLE_RECIPE` (about a minute on a CPU); later calls load the
    saved folder. Offline ``model`` is the stand-in: fine for demos and pipelines, not BioBERT.
    Taught in 03_question_answering.
    """
    from .models import load_model, load_tokenizer

    out = str(sample_reader_dir(retrain, model))
    return load_model(out, task="question-answering").eval(), load_tokenizer(out)


def sample_reader_dir(retrain: bool = False, model: str = "biobert-squad") -> Path:
    """The folder of :func:`sample_reader`'s model (trained first if it is not there yet)."""
    import shutil
    import tempfile

    from .env import runs_dir
    from .models import resolve

    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", resolve(model).display_name)[:60]
    out = runs_dir("qa") / f"sample-reader-{safe}"
    if retrain or not (out / "config.json").exists():
        print(f"fine-tuning {resolve(model).display_name} on the project QA sample (saved to {out}) ...")
        tmp = Path(tempfile.mkdtemp(prefix=out.name + "-", dir=out.parent))
        train(model, None, tmp, epochs=SAMPLE_RECIPE["epochs"], batch_size=SAMPLE_RECIPE["batch_size"],
              learning_rate=SAMPLE_RECIPE["learning_rate"], max_train_samples=SAMPLE_RECIPE["max_train_samples"],
              disable_tqdm=True)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    return out
