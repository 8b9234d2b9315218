"""Tagging raw text: sentences -> words with offsets -> windows -> entities with exact character spans."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..text import length_batches, split_sentences, tags_to_spans, tokenize_with_offsets
from ..training import TrainResult
from .windows import (
    DEFAULT_MAX_LENGTH,
    DEFAULT_STRIDE,
    Encoded,
    check_label_set,
    encode,
    is_trained_for_ner,
    labels_of,
    merge_windows,
    window_stride,
)

# ---------------------------------------------------------------- inference


def batches(encoded: Encoded, batch_size: int, pad_id: int):
    """Length-sorted, padded batches: yields ``(window indices, input_ids, attention_mask)`` tensors."""
    import torch

    for idx in length_batches([len(w.input_ids) for w in encoded.windows], batch_size):
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
    device = model.device  # a transformers model or a wb.runtime.OnnxModel (CPU)
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
                        runtime: str = "auto", **kwargs) -> "Tagger":
        """Load a fine-tuned NER folder (or hub id) on ``device`` (``"auto"``: CUDA when present; ``fp16`` on CUDA).

        ``runtime``: ``"torch"``, ``"onnx"`` (a folder written by ``wb.deploy.export_onnx``, run by ONNX
        Runtime) or ``"auto"`` (ONNX for an exported folder, else PyTorch); the same tagging code runs on both.
        """
        from ..checks import check_model
        from ..models import load_tokenizer
        from ..runtime import load_model_for

        if Path(str(path_or_name)).expanduser().is_dir():  # an RE or QA folder would tag nothing, silently
            check_model(str(path_or_name), "ner", "model")
        model = load_model_for(path_or_name, "ner", runtime=runtime, device=device, fp16=fp16)
        tagger = cls(model, load_tokenizer(str(path_or_name)), **kwargs)
        if Path(str(path_or_name)).expanduser().is_dir():
            tagger.folder = Path(str(path_or_name)).expanduser().resolve()
        return tagger

    @property
    def name(self) -> str:
        from ..models import describe

        return describe(self.model)

    @property
    def device(self) -> str:
        """Where the model runs (``cpu``, ``cuda``...)."""
        from ..models import device_of

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
    from ..models import read_meta

    resolved = getattr(model, "workbench", None)
    source = getattr(resolved, "source", None)
    return read_meta(source) if source and Path(source).is_dir() else {}


def load_tagger(path_or_name: str | Path, **kwargs) -> Tagger:
    """A :class:`Tagger` from a folder saved by :func:`train_ner` (or any fine-tuned NER checkpoint), or its
    ONNX export (``runtime="onnx"``; see :meth:`Tagger.from_pretrained`)."""
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
