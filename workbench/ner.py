"""Biomedical named-entity recognition: fine-tune, evaluate, and tag raw text. Taught in 02_ner_fine_tuning.

The pieces, in the order the notebook uses them:

* **Alignment** -- a word's label goes on its first word piece; the other pieces get ``-100``
  (ignored by the loss), or, with ``label_all_tokens``, the word's label with ``B-`` turned into ``I-``.
* **Windows** -- a sentence longer than ``max_length`` pieces is cut, on word boundaries, into
  overlapping windows (``stride`` pieces of overlap). Each word is predicted in the window where it
  has the most context on both sides, so **every word gets exactly one prediction** and nothing is
  lost to truncation (:func:`round_trip` proves it on gold labels).
* **Training** -- the Hugging Face ``Trainer`` with ``DataCollatorForTokenClassification`` (dynamic
  padding), word-level dev F1 each epoch, early stopping and the best checkpoint kept; optionally
  batches of similar length (``group_by_length=True``: less padding, faster on a CPU).
* **Evaluation** -- ``seqeval`` entity-level precision/recall/F1 (conlleval and strict IOB2), word
  accuracy, a per-type table and an error analysis (false positives/negatives, boundary, type errors).
* **Tagging raw text** -- :class:`Tagger` / :func:`predict_entities`: sentences -> words with
  character offsets -> windows -> entities ``{start, end, label, text, score}`` whose offsets index
  the *original* string.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .data import DataFormatError, load_ner_dataset, load_ner_sample, tag_names
from .models import describe
from .text import split_sentences, tags_to_spans, tokenize_with_offsets
from .training import TrainResult

DEFAULT_MAX_LENGTH = 128
"""Word pieces per window (special tokens included) when neither the call nor the saved model says."""
DEFAULT_STRIDE = 32
"""Word pieces shared by two consecutive windows of a long sentence (at most a quarter of a window)."""
IGNORE = -100
"""Label id the loss ignores (continuation pieces, special tokens, padding)."""

# ---------------------------------------------------------------- labels


def labels_of(model) -> list[str]:
    """The model's label names in id order."""
    id2label = model.config.id2label
    return [id2label[i] for i in range(len(id2label))]


def is_trained_for_ner(labels: Sequence[str]) -> bool:
    """False for a fresh head (``LABEL_0``, ``LABEL_1`` ...): its predictions mean nothing (notebook 01)."""
    return bool(labels) and not all(re.fullmatch(r"LABEL_\d+", lab) for lab in labels)


def check_label_set(data_labels: Iterable[str], model_labels: Sequence[str], where: str = "the data") -> None:
    """Raise a clear ``ValueError`` when ``data_labels`` has tags the model cannot predict."""
    if not is_trained_for_ner(model_labels):
        raise ValueError(
            f"the model's labels are {list(model_labels)[:4]}...: its classification head was never trained for NER. "
            "Fine-tune it first (wb.ner.train_ner) or load a fine-tuned folder.")
    missing = sorted(set(data_labels) - set(model_labels))
    if missing:
        raise ValueError(
            f"{where} has tags {missing} that the model does not know (model labels: {list(model_labels)}). "
            "Train on this label set, or read the data with the right entity type "
            "(bare B/I tags: entity_type='Disease').")


def window_stride(max_length: int, stride: int | None = None) -> int:
    """The overlap of consecutive windows: ``stride`` (default 32) but at most a quarter of ``max_length``."""
    return min(DEFAULT_STRIDE if stride is None else int(stride), max_length // 4)


def _continuation_ids(labels: Sequence[str]) -> list[int]:
    """For each label id, the id used on a word's later pieces: ``B-X`` -> ``I-X``."""
    index = {lab: i for i, lab in enumerate(labels)}
    return [index.get("I-" + lab[2:], i) if lab.startswith("B-") else i for i, lab in enumerate(labels)]


# ---------------------------------------------------------------- alignment and windows


@dataclass
class Window:
    """One model input: words ``[first_word, end_word)`` of sentence ``sentence``.

    ``positions[k]`` is the input position of the first piece of word ``first_word + k``;
    ``token_start``/``token_end`` locate the window in the sentence's piece sequence.
    """

    sentence: int
    first_word: int
    end_word: int
    token_start: int
    token_end: int
    sentence_tokens: int
    positions: list[int]
    input_ids: list[int]
    labels: list[int] | None = None


@dataclass
class Encoded:
    """Windows of a list of sentences, ready for the model (see :func:`encode`)."""

    windows: list[Window]
    n_words: list[int]

    @property
    def windowed_sentences(self) -> int:
        """How many sentences needed more than one window."""
        counts: dict[int, int] = {}
        for w in self.windows:
            counts[w.sentence] = counts.get(w.sentence, 0) + 1
        return sum(c > 1 for c in counts.values())

    def dataset(self):
        """A ``datasets.Dataset`` of ``input_ids``/``attention_mask`` (and ``labels``) for the Trainer."""
        import datasets

        cols = {"input_ids": [w.input_ids for w in self.windows],
                "attention_mask": [[1] * len(w.input_ids) for w in self.windows]}
        if all(w.labels is not None for w in self.windows):
            cols["labels"] = [w.labels for w in self.windows]
        return datasets.Dataset.from_dict(cols)


def _special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """Ids the tokenizer puts before and after a sequence (``[CLS]`` ... ``[SEP]`` for BERT)."""
    inner = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a", add_special_tokens=True)["input_ids"]
    for i in range(len(full) - len(inner) + 1):
        if full[i:i + len(inner)] == inner:
            return full[:i], full[i + len(inner):]
    raise ValueError(f"cannot locate the special tokens of {type(tokenizer).__name__}")


def word_pieces(tokenizer, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
    """Piece ids of every word of every sentence. A word the tokenizer drops (e.g. a zero-width space)
    becomes ``[UNK]``, so every word has at least one piece and therefore a prediction."""
    if not sentences:
        return []
    enc = tokenizer([list(s) for s in sentences], is_split_into_words=True, add_special_tokens=False)
    unk = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else 0
    out = []
    for i, words in enumerate(sentences):
        pieces: list[list[int]] = [[] for _ in words]
        for token_id, w in zip(enc["input_ids"][i], enc.word_ids(i)):
            if w is not None:
                pieces[w].append(token_id)
        out.append([p or [unk] for p in pieces])
    return out


def plan_windows(lengths: Sequence[int], capacity: int, stride: int) -> list[tuple[int, int]]:
    """Word ranges ``[start, end)`` covering all words, each at most ``capacity`` pieces, overlapping by
    up to ``stride`` pieces. ``lengths`` are pieces per word (a longer word is cut to ``capacity``)."""
    if capacity < 1:
        raise ValueError(f"max_length leaves no room for words (capacity {capacity})")
    if not 0 <= stride < capacity:
        raise ValueError(f"stride must be >= 0 and smaller than max_length minus special tokens ({capacity}), got {stride}")
    n = len(lengths)
    sizes = [min(length, capacity) for length in lengths]
    windows, start = [], 0
    while start < n:
        end, total = start, 0
        while end < n and total + sizes[end] <= capacity:
            total += sizes[end]
            end += 1
        windows.append((start, end))
        if end >= n:
            break
        nxt, overlap = end, 0
        while nxt - 1 > start and overlap + sizes[nxt - 1] <= stride:
            nxt -= 1
            overlap += sizes[nxt]
        start = nxt
    return windows


def encode(tokenizer, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[int]] | None = None, *,
           max_length: int = DEFAULT_MAX_LENGTH, stride: int = DEFAULT_STRIDE, label_all_tokens: bool = False,
           labels: Sequence[str] | None = None) -> Encoded:
    """Sentences (lists of words) -> windows of piece ids, with aligned labels when ``tags`` are given.

    ``tags`` are label ids per word; ``labels`` (the names) are needed only for ``label_all_tokens``.
    """
    prefix, suffix = _special_tokens(tokenizer)
    capacity = max_length - len(prefix) - len(suffix)
    if tags is not None and len(tags) != len(sentences):
        raise ValueError(f"{len(sentences)} sentences but {len(tags)} tag lists")
    cont = _continuation_ids(labels) if label_all_tokens and labels is not None else None
    if label_all_tokens and cont is None:
        raise ValueError("label_all_tokens needs the label names (labels=...)")
    windows: list[Window] = []
    all_pieces = word_pieces(tokenizer, sentences)
    for s, pieces in enumerate(all_pieces):
        if tags is not None and len(tags[s]) != len(pieces):
            raise ValueError(f"sentence {s}: {len(pieces)} words but {len(tags[s])} tags")
        sizes = [min(len(p), capacity) for p in pieces]
        starts = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        for first, end in plan_windows(sizes, capacity, stride):
            ids, positions, lab = list(prefix), [], [IGNORE] * len(prefix) if tags is not None else None
            for w in range(first, end):
                positions.append(len(ids))
                ids.extend(pieces[w][:capacity])
                if lab is not None:
                    tag = int(tags[s][w])
                    rest = cont[tag] if cont is not None else IGNORE
                    lab.extend([tag] + [rest] * (min(len(pieces[w]), capacity) - 1))
            ids.extend(suffix)
            if lab is not None:
                lab.extend([IGNORE] * len(suffix))
            windows.append(Window(s, first, end, starts[first], starts[end], starts[-1], positions, ids, lab))
    return Encoded(windows, [len(p) for p in all_pieces])


def merge_windows(encoded: Encoded, window_scores: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per-word scores of each sentence from per-window scores (``window_scores[i][k]`` = scores of the
    ``k``-th word of window ``i``). Each word takes the window where it has the most context:
    the larger of ``min(pieces to the left, pieces to the right)``, a real sentence edge counting as infinite."""
    if len(window_scores) != len(encoded.windows):
        raise ValueError(f"{len(window_scores)} score arrays for {len(encoded.windows)} windows")
    width = window_scores[0].shape[-1] if len(window_scores) else 0
    merged = [np.zeros((n, width), dtype=np.float32) for n in encoded.n_words]
    best = [np.full(n, -1.0) for n in encoded.n_words]
    for win, scores in zip(encoded.windows, window_scores):
        prefix = win.positions[0] if win.positions else 0
        for k, pos in enumerate(win.positions):
            w = win.first_word + k
            offset = win.token_start + pos - prefix  # piece index of the word in the sentence
            left = offset - win.token_start if win.token_start > 0 else math.inf
            right = win.token_end - 1 - offset if win.token_end < win.sentence_tokens else math.inf
            context = min(left, right)
            if context > best[win.sentence][w]:
                best[win.sentence][w] = context
                merged[win.sentence][w] = scores[k]
    for s, b in enumerate(best):
        if len(b) and b.min() < 0:  # cannot happen: every word is in some window
            raise RuntimeError(f"sentence {s}: words without a prediction")
    return merged


def round_trip(split, tokenizer, max_length: int = DEFAULT_MAX_LENGTH, stride: int | None = None) -> dict:
    """Gold tags through align -> windows -> merge; a correct implementation gives F1 1.0.

    Returns ``f1``, ``identical`` (sentences whose tags come back unchanged), ``sentences`` and
    ``windowed`` (sentences that needed more than one window at this ``max_length``).
    """
    from seqeval.metrics import f1_score

    stride = window_stride(max_length) if stride is None else stride
    names = tag_names(split)
    gold_ids = split["ner_tags"]
    encoded = encode(tokenizer, split["tokens"], gold_ids, max_length=max_length, stride=stride)
    eye = np.eye(len(names), dtype=np.float32)
    scores = [eye[[w.labels[p] for p in w.positions]] if w.positions else np.zeros((0, len(names)), np.float32)
              for w in encoded.windows]
    merged = merge_windows(encoded, scores)
    pred = [[names[i] for i in m.argmax(-1)] if len(m) else [] for m in merged]
    gold = [[names[i] for i in g] for g in gold_ids]
    return {"f1": float(f1_score(gold, pred)) if any(any(t != "O" for t in g) for g in gold) else 1.0,
            "identical": sum(p == g for p, g in zip(pred, gold)), "sentences": len(gold),
            "windowed": encoded.windowed_sentences}


# ---------------------------------------------------------------- inference


def batches(encoded: Encoded, batch_size: int, pad_id: int):
    """Length-sorted, padded batches: yields ``(window indices, input_ids, attention_mask)`` tensors."""
    import torch

    order = sorted(range(len(encoded.windows)), key=lambda i: len(encoded.windows[i].input_ids))
    for b in range(0, len(order), batch_size):
        idx = order[b:b + batch_size]
        width = max(len(encoded.windows[i].input_ids) for i in idx)
        ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for r, i in enumerate(idx):
            row = encoded.windows[i].input_ids
            ids[r, :len(row)] = torch.tensor(row)
            mask[r, :len(row)] = 1
        yield idx, ids, mask


def word_logits(model, tokenizer, sentences: Sequence[Sequence[str]], *, max_length: int = DEFAULT_MAX_LENGTH,
                stride: int = DEFAULT_STRIDE, batch_size: int = 32) -> list[np.ndarray]:
    """Logits ``(n_words, n_labels)`` for every word of every sentence -- windows in, one row per word out."""
    import torch

    encoded = encode(tokenizer, sentences, max_length=max_length, stride=stride)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    per_window: list[np.ndarray | None] = [None] * len(encoded.windows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    with torch.inference_mode():
        for idx, ids, mask in batches(encoded, batch_size, pad):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().cpu().numpy()
            for r, i in enumerate(idx):
                per_window[i] = logits[r, encoded.windows[i].positions]
    model.train(was_training)
    return merge_windows(encoded, per_window)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class Tagger:
    """A fine-tuned NER model as a function: ``tagger(texts) -> [[entity, ...], ...]``.

    Each entity is ``{"start", "end", "label", "text", "score"}`` with character offsets into the
    original text (``text[start:end] == entity["text"]``). Texts of any length: split into sentences,
    then words, then windows. ``tagger.predict_words(list_of_word_lists)`` returns IOB2 tags per word.
    """

    def __init__(self, model, tokenizer, *, max_length: int | None = None, stride: int | None = None,
                 batch_size: int = 32, sentences: bool = True):
        meta = _meta_of(model)
        self.model, self.tokenizer = model, tokenizer
        self.labels = labels_of(model)
        if not is_trained_for_ner(self.labels):
            check_label_set([], self.labels)  # raises with the explanation
        self.max_length = int(max_length or meta.get("max_length") or DEFAULT_MAX_LENGTH)
        self.stride = window_stride(self.max_length, stride if stride is not None else meta.get("stride"))
        self.batch_size = batch_size
        self.sentences = sentences
        self.folder: Path | None = None  # the saved model folder, when loaded from one

    @classmethod
    def from_pretrained(cls, path_or_name: str | Path, device: str | None = "auto", fp16: bool = False,
                        **kwargs) -> "Tagger":
        """Load a fine-tuned NER folder (or hub id) on ``device`` (``"auto"``: CUDA when present; ``fp16`` on CUDA)."""
        from .models import load_model, load_tokenizer

        model = load_model(str(path_or_name), task="token-classification", device=device, fp16=fp16)
        tagger = cls(model, load_tokenizer(str(path_or_name)), **kwargs)
        if Path(str(path_or_name)).expanduser().is_dir():
            tagger.folder = Path(str(path_or_name)).expanduser().resolve()
        return tagger

    @property
    def name(self) -> str:
        from .models import describe

        return describe(self.model)

    @property
    def device(self) -> str:
        """Where the model runs (``cpu``, ``cuda``...)."""
        from .models import device_of

        return device_of(self.model)

    def __repr__(self) -> str:
        types = sorted({lab[2:] for lab in self.labels if lab != "O"})
        return f"Tagger({self.name}; types {types}; max_length {self.max_length}; on {self.device})"

    def predict_words(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """IOB2 tags for pre-tokenised sentences: exactly one tag per word."""
        logits = word_logits(self.model, self.tokenizer, sentences, max_length=self.max_length, stride=self.stride,
                             batch_size=self.batch_size)
        return [[self.labels[i] for i in m.argmax(-1)] for m in logits]

    def units(self, texts: Sequence[str]) -> list[tuple[int, list[tuple[str, int, int]]]]:
        """What the model sees: ``(text index, [(word, start, end), ...])`` per sentence (per text when
        ``sentences=False``), offsets into the original text; empty sentences are skipped."""
        units = []
        for t, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{t}] is {type(text).__name__}, expected str")
            for s, e in split_sentences(text) if self.sentences else [(0, len(text))]:
                words = [(w, a + s, b + s) for w, a, b in tokenize_with_offsets(text[s:e])]
                if words:
                    units.append((t, words))
        return units

    def __call__(self, texts: str | Sequence[str]) -> list:
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        units = self.units(texts)
        logits = word_logits(self.model, self.tokenizer, [[w for w, _, _ in words] for _, words in units],
                             max_length=self.max_length, stride=self.stride, batch_size=self.batch_size)
        out: list[list[dict]] = [[] for _ in texts]
        for (t, words), lg in zip(units, logits):
            probs = _softmax(lg)
            best = probs.argmax(-1)
            tags = [self.labels[i] for i in best]
            offsets = [(a, b) for _, a, b in words]
            index = {a: k for k, (a, _) in enumerate(offsets)}
            for start, end, label in tags_to_spans(offsets, tags):
                first = index[start]
                last = next(k for k in range(first, len(offsets)) if offsets[k][1] == end)
                score = float(probs[np.arange(first, last + 1), best[first:last + 1]].mean())
                out[t].append({"start": start, "end": end, "label": label, "text": texts[t][start:end],
                               "score": round(score, 4)})
        return out[0] if single else out


def _meta_of(model) -> dict:
    from .models import read_meta

    resolved = getattr(model, "workbench", None)
    source = getattr(resolved, "source", None)
    return read_meta(source) if source and Path(source).is_dir() else {}


def load_tagger(path_or_name: str | Path, **kwargs) -> Tagger:
    """A :class:`Tagger` from a folder saved by :func:`train_ner` (or any fine-tuned NER checkpoint)."""
    return Tagger.from_pretrained(path_or_name, **kwargs)


def as_tagger(model, tokenizer=None, **kwargs) -> Tagger:
    """Accept a Tagger, a ``TrainResult`` of :func:`train_ner`, a folder/name, or a model (+ tokenizer)."""
    if isinstance(model, Tagger):
        return model
    if isinstance(model, TrainResult):
        return model.tagger(**kwargs)
    if isinstance(model, (str, Path)):
        return load_tagger(model, **kwargs)
    if tokenizer is None:
        raise ValueError("pass the tokenizer with a model object (or a Tagger / saved folder)")
    return Tagger(model, tokenizer, **kwargs)


def predict_entities(texts: str | Sequence[str], model, tokenizer=None, **kwargs) -> list:
    """Entities in raw ``texts`` with character offsets into each original text (see :class:`Tagger`).

    ``model``: a :class:`Tagger`, a saved folder, a ``TrainResult``, or a model with its ``tokenizer``.
    A single string gives one list of entities; a list of strings gives one list per text.
    """
    return as_tagger(model, tokenizer, **kwargs)(texts)


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


# ---------------------------------------------------------------- training


def as_dataset(data, entity_type: str = "Entity"):
    """A DatasetDict from a DatasetDict, ``"sample"`` (the project sample) or a folder of BioBERT TSV files."""
    if isinstance(data, (str, Path)):
        if str(data) == "sample":
            return load_ner_sample()
        return load_ner_dataset(data, entity_type=entity_type)
    if not hasattr(data, "keys") or "train" not in data:
        raise ValueError("data must be a DatasetDict with a 'train' split, a folder of train/devel/test .tsv "
                         "files, or 'sample'")
    return data


def dev_split(data):
    """The development split of a DatasetDict (``devel``, ``validation`` or ``dev``), or None."""
    return next((data[k] for k in ("devel", "validation", "dev") if k in data), None)


def folder_labels(path: str | Path) -> list[str]:
    """Label names stored in a saved model folder's ``config.json`` (empty for a registry name or hub id)."""
    config_file = Path(str(path)).expanduser() / "config.json"
    if not config_file.exists():
        return []
    id2label = json.loads(config_file.read_text(encoding="utf-8")).get("id2label") or {}
    return [id2label[k] for k in sorted(id2label, key=int)]


def _label_plan(model_name: str, data_labels: list[str]) -> list[str]:
    """Labels for the model: the data's, or -- continuing from a fine-tuned NER folder -- the folder's own."""
    existing = folder_labels(model_name)
    if is_trained_for_ner(existing):
        check_label_set(data_labels, existing, where="the training data")
        return existing
    return list(data_labels)


def _ids_for(split, labels: list[str]) -> list[list[int]]:
    names = tag_names(split)
    index = {lab: i for i, lab in enumerate(labels)}
    return [[index[names[t]] for t in tags] for tags in split["ner_tags"]]


def length_bucketed_order(lengths: Sequence[int], batch_size: int, generator=None, bucket_batches: int = 50) -> list[int]:
    """Training order whose consecutive ``batch_size`` slices are batches of similar length, in random order.

    Indices are shuffled, cut into buckets of ``bucket_batches`` batches, sorted by length inside each bucket and
    cut into batches; then the batches themselves are shuffled (a short last batch stays last, so the slices stay
    aligned). Padding falls as with the Trainer's ``group_by_length``, but without its order: that one yields
    each bucket longest-first, so every epoch ends on the shortest sentences, which costs F1 when training is short.
    """
    import torch

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = torch.randperm(len(lengths), generator=generator).tolist()
    size = bucket_batches * batch_size
    buckets = [sorted(order[i:i + size], key=lambda k: lengths[k]) for i in range(0, len(order), size)]
    batches = [bucket[i:i + batch_size] for bucket in buckets for i in range(0, len(bucket), batch_size)]
    full = [b for b in batches if len(b) == batch_size]
    short = [b for b in batches if len(b) < batch_size]  # at most one: only the last bucket can end short
    shuffled = [full[i] for i in torch.randperm(len(full), generator=generator).tolist()]
    return [k for b in shuffled + short for k in b]


def token_weighted_loss(tokens_per_step: float):
    """A Trainer ``compute_loss_func``: cross-entropy summed over labelled word pieces, divided by a constant
    (the mean labelled pieces per optimizer step), so every word counts the same in whatever batch it lands.
    The default mean per batch gives a batch of short sentences as much weight as one of long sentences --
    harmless with random batches, a bias with length buckets."""
    import torch.nn.functional as F

    def loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"]
        total = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1).to(logits.device),
                                ignore_index=IGNORE, reduction="sum")
        return total / tokens_per_step

    return loss


class LengthBucketSampler:
    """A sampler for the Trainer: ``length_bucketed_order`` anew each epoch (seeded through ``torch``)."""

    def __init__(self, lengths: Sequence[int], batch_size: int):
        self.lengths, self.batch_size = list(lengths), batch_size

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        return iter(length_bucketed_order(self.lengths, self.batch_size))


def train_ner(data, model: str = "biobert", out_dir: str | Path | None = None, *, sizes=None,
              epochs: float | None = None, learning_rate: float | None = None, batch_size: int | None = None,
              max_length: int | None = None, stride: int | None = None, max_train_samples: int | None = None,
              max_eval_samples: int | None = None, warmup: float | None = None, seed: int = 42,
              label_all_tokens: bool = False, early_stopping_patience: int | None = 2, entity_type: str = "Entity",
              group_by_length: bool = False, progress: bool = True, resume: bool = False,
              keep_checkpoints: bool = False) -> TrainResult:
    """Fine-tune ``model`` for NER on ``data`` and keep the checkpoint with the best dev F1.

    ``data``: a DatasetDict (``train``, ``devel``/``validation``, ``test``), a folder of BioBERT TSV files,
    or ``"sample"``. ``sizes`` (a ``wb.run_sizes("ner")``) and the single size arguments (``epochs``, ...)
    override fast/full mode's sizes; the full recipe is BioBERT's (lr 5e-5, batch 32, max length 192).
    The best model is saved to ``out_dir`` (default ``runs/ner/model``) with its labels, max length and
    dev scores, so ``load_tagger(out_dir)`` and ``python -m workbench ner predict`` can reuse it.
    Checkpoints go to ``out_dir/checkpoints``; ``resume=True`` continues an interrupted run.
    Batches are random, as in Hugging Face's ``run_ner.py``; ``group_by_length=True`` makes batches of
    similar length in random order (``length_bucketed_order``, with ``token_weighted_loss``): less padding,
    faster on a CPU, but slightly lower F1 on short budgets (``bench/ner.py`` measures both).
    """
    from torch.utils.data import SequentialSampler
    from transformers import DataCollatorForTokenClassification, EarlyStoppingCallback, Trainer

    from . import training
    from .env import run_sizes, runs_dir, set_seed
    from .models import load_model, load_tokenizer, save_model

    sizes = run_sizes("ner", **{**(vars(sizes) if sizes else {}), "epochs": epochs, "learning_rate": learning_rate,
                                "batch_size": batch_size, "max_length": max_length, "warmup": warmup,
                                "max_train_samples": max_train_samples, "max_eval_samples": max_eval_samples})
    stride = window_stride(sizes.max_length, stride)
    data = as_dataset(data, entity_type)
    out_dir = Path(out_dir) if out_dir is not None else runs_dir("ner", "model")
    set_seed(seed)

    train = training.subset(data["train"], sizes.max_train_samples, seed)
    dev = training.subset(dev_split(data), sizes.max_eval_samples, shuffle=False)
    data_labels = tag_names(data["train"])
    labels = _label_plan(model, data_labels)
    tokenizer = load_tokenizer(model)
    net = load_model(model, task="token-classification", labels=labels)

    enc_kw = dict(max_length=sizes.max_length, stride=stride, label_all_tokens=label_all_tokens, labels=labels)
    train_enc = encode(tokenizer, train["tokens"], _ids_for(train, labels), **enc_kw)
    dev_ids = _ids_for(dev, labels) if dev is not None else None
    dev_enc = encode(tokenizer, dev["tokens"], dev_ids, **enc_kw) if dev is not None else None
    dev_gold = [[labels[i] for i in tags] for tags in dev_ids] if dev is not None else None

    def compute_metrics(prediction):
        logits = prediction.predictions
        per_window = [logits[i, w.positions] for i, w in enumerate(dev_enc.windows)]
        pred = [[labels[i] for i in m.argmax(-1)] for m in merge_windows(dev_enc, per_window)]
        scores = entity_scores(dev_gold, pred)
        return {k: scores[k] for k in ("precision", "recall", "f1", "accuracy")}

    class _Trainer(Trainer):
        # Dev windows must come back in order to be merged into words; length grouping would shuffle them.
        def _get_eval_sampler(self, eval_dataset):
            return SequentialSampler(eval_dataset)

        def _get_train_sampler(self, train_dataset=None):
            if not group_by_length:
                return super()._get_train_sampler(train_dataset)
            return LengthBucketSampler([len(w.input_ids) for w in train_enc.windows],
                                       self.args.train_batch_size * self.args.gradient_accumulation_steps)

    steps = math.ceil(len(train_enc.windows) / sizes.batch_size)
    args = training.training_args(sizes, out_dir, evaluate=dev is not None, metric="f1", seed=seed,
                                  progress=progress, steps_per_epoch=steps)
    callbacks = [EarlyStoppingCallback(early_stopping_patience)] if dev is not None and early_stopping_patience else []
    loss_func = None  # the model's own mean per batch
    if group_by_length:  # length buckets: every labelled piece weighted the same (see token_weighted_loss)
        labelled = sum(sum(lab != IGNORE for lab in w.labels) for w in train_enc.windows)
        loss_func = token_weighted_loss(max(1.0, labelled / steps) * args.gradient_accumulation_steps)
    trainer = training.make_trainer(
        _Trainer, progress=progress, model=net, args=args, train_dataset=train_enc.dataset(),
        compute_loss_func=loss_func, eval_dataset=dev_enc.dataset() if dev_enc is not None else None,
        data_collator=DataCollatorForTokenClassification(tokenizer), processing_class=tokenizer,
        compute_metrics=compute_metrics if dev is not None else None, callbacks=callbacks)
    training.fit(trainer, out_dir, resume=resume)
    history = list(trainer.state.log_history)
    dev_scores = training.best_eval(history, "f1")
    settings = dict(max_length=sizes.max_length, stride=stride, epochs=sizes.epochs,
                    learning_rate=sizes.learning_rate, batch_size=sizes.batch_size, train_sentences=len(train),
                    windowed_train_sentences=train_enc.windowed_sentences)
    save_model(net, tokenizer, out_dir, task="ner", labels=labels, dev=dev_scores,
               **{k: v for k, v in settings.items() if k != "windowed_train_sentences"})
    training.finish(out_dir, keep_checkpoints)
    return TrainResult("ner", net, tokenizer, out_dir, trainer, history, dev_scores, {"model": describe(net)},
                       settings)


def sample_tagger(retrain: bool = False, model: str = "biobert", device: str | None = "auto") -> Tagger:
    """A tagger fine-tuned on the project sample (Disease, Chemical, Gene), cached under ``runs/ner/``.

    The first call trains it with the fast sizes (about a minute on a CPU) and says so; later calls load
    it. Offline this is the stand-in model -- useful for pipelines and demos, not BioBERT.
    """
    from . import training
    from .env import run_sizes

    def build(folder: Path) -> None:
        train_ner("sample", model, folder, sizes=run_sizes("ner", fast=True), progress=False)

    return load_tagger(training.cached_model("sample-tagger", model, build, retrain=retrain, task="ner"), device=device)

__all__ = ["DEFAULT_STRIDE", "ERROR_KINDS", "Encoded", "NERReport", "TrainResult", "Tagger", "Window", "as_tagger",
           "DEFAULT_MAX_LENGTH", "check_label_set", "encode", "entity_scores", "error_analysis", "evaluate_ner", "load_tagger",
           "merge_windows", "plan_windows", "predict_entities", "round_trip", "sample_tagger", "train_ner", "window_stride",
           "word_logits", "word_pieces", "DataFormatError"]
