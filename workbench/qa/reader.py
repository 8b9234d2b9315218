"""Reading a context: windows with offsets, vectorised n-best spans, merging snippets, answers with exact spans.

transformers 5 has no ``pipeline("question-answering")``; this is what it did, in the open.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..text import length_batches, past_marks
from .metrics import normalize_answer

MAX_LENGTH = 384
"""Tokens per window at inference when the call does not say (BioBERT's SQuAD setting)."""
DOC_STRIDE = 128  # with max_length 384; shorter windows overlap by a third (see stride_for)
MAX_ANSWER_LEN = 30  # word pieces
N_BEST = 20  # candidate spans kept per window


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


def context_offsets(enc, i: int) -> list:
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
        offs = context_offsets(enc, i)
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


def load_reader(model, tokenizer=None, device: str | None = "auto", fp16: bool = False, runtime: str = "auto"):
    """``(model, tokenizer)`` for answering: a QA model object (its tokenizer found if not given) or a
    name/folder, loaded once on ``device`` (``"auto"``: CUDA when present) and cached (a folder saved again
    is loaded again). ``runtime``: ``"torch"``, ``"onnx"`` (a folder written by ``wb.deploy.export_onnx``,
    run by ONNX Runtime) or ``"auto"`` (ONNX for an exported folder). Never trains: without a model this is
    an error that names :func:`wb.qa.sample_reader` (which fine-tunes a small one)."""
    from .. import models as wbm
    from ..runtime import choose_runtime, load_model_for

    if model is None:
        raise ValueError(
            "no QA model given: pass model= a fine-tuned QA folder or hub id (e.g. 'biobert-squad' online), "
            "or build the project's small demo reader first with `model, tokenizer = wb.qa.sample_reader()` "
            "(fine-tunes the stand-in on the project sample, about a minute on a CPU)")
    if isinstance(model, (str, Path)):
        chosen = choose_runtime(model, runtime)
        weights = ([f.stat().st_mtime for f in Path(model).glob("*.safetensors")] +
                   [f.stat().st_mtime for f in Path(model).glob("*.onnx")]) if Path(model).is_dir() else []
        key = (str(model), max(weights, default=0.0), wbm.resolve_device(device), fp16, chosen)
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = (load_model_for(key[0], "question-answering", runtime=chosen, device=device,
                                                fp16=fp16).eval(), wbm.load_tokenizer(key[0]))
        cached_model, cached_tok = _MODEL_CACHE[key]
        return cached_model, tokenizer or cached_tok
    if tokenizer is None:
        source = getattr(getattr(model, "workbench", None), "source", None) or model.config._name_or_path
        tokenizer = wbm.load_tokenizer(source)
    return model, tokenizer


def _token_budget(device_type: str) -> int:
    """Tokens per batch when no batch size is given: on 2 CPU cores long windows run fastest one or two at
    a time while short ones gain from batching (see bench/qa.py); a GPU wants large batches."""
    return 1024 if device_type == "cpu" else 16384


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
    pad_id = tokenizer.pad_token_id or 0
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            budget = None if batch_size else _token_budget(model.device.type)
            for sel in length_batches(lengths.tolist(), batch_size, budget):
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
    e_char = [past_marks(contexts[p], e) for p, e in zip(pair.tolist(), e_char.tolist())]  # keep NFD accents
    spans = [{"pair": int(p), "start": int(s), "end": int(e), "score": float(pr),
              "text": contexts[p][s:e]} for p, s, e, pr in zip(pair.tolist(), s_char.tolist(), e_char, probs)]
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
    model, tokenizer = load_reader(model, tokenizer)
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
    probability. ``model``: a QA model or a name/folder (see :func:`load_reader`; no default -- build the
    demo reader with ``wb.qa.sample_reader()``); options as in :func:`answer_many`.
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
    from ..viz import format_spans

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
    from ..viz import show_html

    fallback = "\n".join(f"{a['text']!r} ({a['score']:.3f})" for a in list(answers)[:n]) or "no answer"
    show_html(format_answer(answers, contexts, n), fallback=fallback)
