"""Labels, word-piece alignment and overlapping windows: every word gets exactly one prediction."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..data import tag_names

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
        if overlap + sizes[end] > capacity:  # the overlap would leave no room for the next word: a window
            nxt = end                         # that adds nothing new; start after this one instead
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
