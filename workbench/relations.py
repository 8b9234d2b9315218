"""Relation extraction, BioBERT style: mark the two entities of a pair, classify the sentence.

Taught in 04_relation_extraction (data, marking, fine-tuning, metrics) and
05_relation_use_cases (``extract_relations`` inside real pipelines).

* Data: the BioBERT RE TSV format -- entity mentions replaced by type masks (``@GENE$``,
  ``@DISEASE$``); ``train.tsv`` has no header, ``test.tsv`` has ``index<TAB>sentence<TAB>label``.
  Binary (GAD, EU-ADR: ``0``/``1``) and multi-class (ChemProt: ``CPR:3`` ... ``false``).
* Marking a pair in raw text: type masks (``@GENE$``) or typed entity-marker tokens
  (``[E1-GENE] BRCA1 [/E1-GENE]``) added to the tokenizer, with the model's embeddings resized.
* Metrics: precision/recall/F1 of the positive classes, the negative class excluded -- for a
  binary task that is P/R/F1 of the positive class (GAD/EU-ADR), for a multi-class task the
  micro average over the relation classes (ChemProt).
* ``extract_relations(texts, ner=..., classifier=...)``: sentences -> NER -> typed candidate
  pairs -> marked inputs -> classifier -> records with both entities' character spans.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from .data import DATA_DIR, DataFormatError
from .text import as_span, split_sentences

HEADER = ("index", "sentence", "label")
NEGATIVE_NAMES = ("0", "false", "none", "negative", "no_relation", "other")
STYLES = ("mask", "markers")
MASK = re.compile(r"@[A-Z][A-Z0-9_-]*\$")
DEFAULT_PAIRS = (("Gene", "Disease"),)


# ---------------------------------------------------------------- reading data


def read_re_tsv(path: str | Path, labels: Sequence[str] | None = None) -> list[dict]:
    """Rows of one BioBERT RE TSV file: ``[{"sentence", "label", "line"}, ...]``.

    A first line ``index<TAB>sentence<TAB>label`` means a header and three columns (the BioBERT
    test files); otherwise every row is ``sentence<TAB>label``. Each sentence must hold at least
    two entity masks such as ``@GENE$``. Bad rows raise :class:`DataFormatError` naming ``file:line``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    rows: list[dict] = []
    with path.open(encoding="utf-8") as fh:
        lines = [raw.rstrip("\r\n") for raw in fh]
    header = bool(lines) and tuple(c.strip().lower() for c in lines[0].split("\t")) == HEADER
    width = 3 if header else 2
    for lineno, line in enumerate(lines, 1):
        if (header and lineno == 1) or not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != width:
            hint = ("a file with the header 'index<TAB>sentence<TAB>label' needs 3 columns" if header else
                    "expected 'sentence<TAB>label' (a test file starts with the header 'index<TAB>sentence<TAB>label')")
            raise DataFormatError(f"{path}:{lineno}: {len(cols)} tab-separated columns; {hint}: {line[:80]!r}")
        sentence, label = cols[-2].strip(), cols[-1].strip()
        if not sentence:
            raise DataFormatError(f"{path}:{lineno}: empty sentence")
        if not label:
            raise DataFormatError(f"{path}:{lineno}: empty label")
        if labels is not None and label not in labels:
            raise DataFormatError(f"{path}:{lineno}: label {label!r} is not one of {list(labels)}")
        masks = MASK.findall(sentence)
        if len(masks) < 2 and not (masks and "-" in masks[0]):  # @CHEM-GENE$: one mention, both roles
            raise DataFormatError(f"{path}:{lineno}: the sentence needs two entity masks such as @GENE$ and "
                                  f"@DISEASE$, found {masks}: {sentence[:80]!r}")
        rows.append({"sentence": sentence, "label": label, "line": lineno})
    return rows


def negative_label(labels: Iterable[str]) -> str | None:
    """The "no relation" label of a label set (``0``, ``false``, ...), or None."""
    labels = list(labels)
    return next((lab for lab in labels if lab.lower() in NEGATIVE_NAMES), None)


def order_labels(labels: Iterable[str]) -> list[str]:
    """Negative label first, then the relation labels sorted (``["0", "1"]``, ``["false", "CPR:3", ...]``)."""
    labels = sorted(set(labels))
    neg = negative_label(labels)
    return ([neg] if neg else []) + [lab for lab in labels if lab != neg]


def _split_files(folder: Path, ext: str) -> dict[str, Path]:
    found = {}
    for split, aliases in {"train": ("train",), "devel": ("dev", "devel", "validation"), "test": ("test",)}.items():
        for alias in aliases:
            f = folder / f"{alias}{ext}"
            if f.exists() and f.stat().st_size > 0:  # GAD ships 0-byte dev files upstream
                found.setdefault(split, f)
    if not found:
        raise FileNotFoundError(f"{folder}: no train/test{ext} files found")
    return found


def load_re_dataset(folder: str | Path, labels: Sequence[str] | None = None):
    """A BioBERT RE folder (``train.tsv``, ``test.tsv``, optional ``dev.tsv``) as a ``DatasetDict``.

    Columns ``id``, ``sentence``, ``label`` (a ``ClassLabel``; negative class first). Taught in 04.
    """
    files = _split_files(Path(folder), ".tsv")
    splits = {split: read_re_tsv(path, labels) for split, path in files.items()}
    names = list(labels) if labels else order_labels(r["label"] for rows in splits.values() for r in rows)
    return _to_datasetdict(splits, names, extra={})


def _to_datasetdict(splits: dict[str, list[dict]], names: list[str], extra: dict[str, str]):
    import datasets

    features = datasets.Features({"id": datasets.Value("string"), "sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=names),
                                  **{k: datasets.Value(v) for k, v in extra.items()}})
    out = {}
    for split, rows in splits.items():
        cols = {"id": [f"{split}-{i}" for i in range(len(rows))], "sentence": [r["sentence"] for r in rows],
                "label": [names.index(r["label"]) for r in rows]}
        cols.update({k: [r[k] for r in rows] for k in extra})
        out[split] = datasets.Dataset.from_dict(cols, features=features)
    return datasets.DatasetDict(out)


def read_pairs_jsonl(path: str | Path) -> list[dict]:
    """Raw-text examples ``{"text", "head": {start, end, label}, "tail": {...}, "label"}``, one JSON per line."""
    path = Path(path)
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, head, tail, label = row["text"], row["head"], row["tail"], str(row["label"])
                _check_span(text, head, "head")
                _check_span(text, tail, "tail")
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise DataFormatError(f"{path}:{lineno}: {type(err).__name__}: {err}") from None
            rows.append({"text": text, "head": head, "tail": tail, "label": label, "line": lineno})
    return rows


def load_pairs_dataset(folder: str | Path, style: str = "mask", labels: Sequence[str] | None = None):
    """Raw-text pair examples (``train.jsonl``, ``test.jsonl``) marked with ``style`` as a ``DatasetDict``.

    The same examples become ``@GENE$ ... @DISEASE$`` (``mask``) or
    ``[E1-GENE] BRCA1 [/E1-GENE] ... [E2-DISEASE] ...`` (``markers``). Column ``text`` keeps the raw sentence.
    """
    files = _split_files(Path(folder), ".jsonl")
    splits = {}
    for split, path in files.items():
        rows = read_pairs_jsonl(path)
        splits[split] = [{"sentence": mark_pair(r["text"], r["head"], r["tail"], style), "label": r["label"],
                          "text": r["text"]} for r in rows]
    names = list(labels) if labels else order_labels(r["label"] for rows in splits.values() for r in rows)
    return _to_datasetdict(splits, names, extra={"text": "string"})


def load_re_sample(name: str = "gene_disease", style: str = "mask"):
    """A project-written sample from ``data/re/``: ``gene_disease`` (binary), ``chemprot``, ``ade``.

    ``gene_disease`` also exists as raw text with spans, so ``style="markers"`` works for it.
    """
    folder = DATA_DIR / "re" / name
    if not folder.is_dir():
        raise FileNotFoundError(f"no RE sample {name!r}: choose gene_disease, chemprot or ade")
    if style == "markers":
        return load_pairs_dataset(folder, style)
    _check_style(style)
    return load_re_dataset(folder)


# ---------------------------------------------------------------- marking a pair


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")


def _span(entity) -> tuple[int, int, str]:
    return as_span(entity)[:3]


def _check_span(text: str, entity, name: str) -> None:
    start, end, _ = _span(entity)
    if not 0 <= start < end <= len(text):
        raise ValueError(f"{name} span ({start}, {end}) is outside the text (length {len(text)})")


def mask_token(label: str) -> str:
    """``Gene`` -> ``@GENE$`` (the BioBERT RE convention)."""
    return f"@{re.sub(r'[^A-Za-z0-9]', '', label).upper()}$"


def marker_tokens(entity_types: Iterable[str]) -> list[str]:
    """The entity-marker tokens to add to a tokenizer: ``[E1-GENE]``, ``[/E1-GENE]``, ``[E2-GENE]``, ..."""
    out = []
    for role in ("E1", "E2"):
        for t in entity_types:
            name = re.sub(r"[^A-Za-z0-9]", "", t).upper()
            out += [f"[{role}-{name}]", f"[/{role}-{name}]"]
    return out


def mark_pair(text: str, head, tail, style: str = "mask") -> str:
    """Mark the pair ``head`` (E1) and ``tail`` (E2) in ``text``. Taught in 04.

    ``head``/``tail``: ``(start, end, label)`` or dicts with ``start``/``end``/``label``.
    ``mask`` replaces each mention by its type mask (``@GENE$``); ``markers`` wraps it in
    typed marker tokens (``[E1-GENE] BRCA1 [/E1-GENE]``) and keeps the words.
    """
    _check_style(style)
    _check_span(text, head, "head")
    _check_span(text, tail, "tail")
    (hs, he, hl), (ts, te, tl) = _span(head), _span(tail)
    if hs < te and ts < he:
        raise ValueError(f"head ({hs}, {he}) and tail ({ts}, {te}) overlap: a pair needs two separate mentions")
    edits = []
    for role, (s, e, label) in (("E1", (hs, he, hl)), ("E2", (ts, te, tl))):
        if style == "mask":
            edits.append((s, e, mask_token(label)))
        else:
            name = re.sub(r"[^A-Za-z0-9]", "", label).upper()
            edits.append((s, e, f"[{role}-{name}] {text[s:e]} [/{role}-{name}]"))
    for s, e, new in sorted(edits, reverse=True):
        text = text[:s] + new + text[e:]
    return text


def fit_window(text: str, tokenizer, max_length: int) -> str:
    """Crop a long marked sentence to a window of ``max_length`` word pieces around its entities.

    Plain truncation keeps the start of the sentence and may cut off the second entity, leaving
    the classifier nothing to decide on; this keeps the span from the first to the last mask or
    marker and fills the rest of the budget with context on both sides.
    """
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=False)
    if len(offsets) <= budget:
        return text
    anchors = [m.span() for m in re.finditer(r"@[A-Z][A-Z0-9_-]*\$|\[/?E[12]-[A-Z0-9]+\]", text)]
    if not anchors:
        return text
    first = next(i for i, (s, e) in enumerate(offsets) if e > anchors[0][0])
    last = max(i for i, (s, e) in enumerate(offsets) if s < anchors[-1][1])
    spare = max(budget - (last - first + 1), 0)
    lo = max(0, first - spare // 2)
    hi = min(len(offsets), lo + max(budget, last - first + 1))
    lo = max(0, hi - max(budget, last - first + 1))
    return text[offsets[lo][0]:offsets[hi - 1][1]]


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
    from .viz import plot_confusion_matrix

    return plot_confusion_matrix(confusion_matrix(gold, pred, labels), list(labels), ax=ax, title=title)


# ---------------------------------------------------------------- model, training, prediction


def prepare_model(model_name: str, labels: Sequence[str], style: str = "mask",
                  entity_types: Sequence[str] = ("Gene", "Disease")):
    """``(tokenizer, model)`` for sequence classification; for ``markers`` the marker tokens are
    added to the tokenizer as special tokens (never split or lower-cased) and the embeddings resized."""
    from .models import load_model, load_tokenizer

    _check_style(style)
    tokenizer = load_tokenizer(model_name)
    model = load_model(model_name, task="sequence-classification", labels=list(labels))
    if style == "markers":
        new = [t for t in marker_tokens(entity_types) if t not in tokenizer.get_vocab()]
        if new:
            import torch

            tokenizer.add_tokens(new, special_tokens=True)
            old = model.get_input_embeddings().weight.shape[0]
            # start the new rows at the mean embedding (cheap; transformers' default samples from a
            # fitted multivariate normal, which costs seconds for a 30k-word vocabulary)
            model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
            with torch.no_grad():
                weight = model.get_input_embeddings().weight
                weight[old:] = weight[:old].mean(0)
    return tokenizer, model


class RelationClassifier:
    """A fine-tuned relation classifier: ``clf(marked_sentences) -> [{"label", "score"}, ...]``.

    Knows its marking ``style``, its ``negative`` label and the ``labels``; :meth:`mark` marks a pair
    the way the model was trained. Load a saved one with :meth:`from_pretrained`. Taught in 04.
    """

    def __init__(self, model, tokenizer, style: str = "mask", max_length: int = 128, batch_size: int = 32):
        _check_style(style)
        self.model, self.tokenizer, self.style = model, tokenizer, style
        self.max_length, self.batch_size = max_length, batch_size
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.negative = negative_label(self.labels)

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = "auto", fp16: bool = False,
                        **kwargs) -> "RelationClassifier":
        """Load a classifier saved by :func:`train_relation_classifier` (or ``save``) on ``device``
        (``"auto"``: CUDA when present, else the CPU; ``fp16`` on CUDA only)."""
        from .models import load_model, load_tokenizer, read_meta

        meta = read_meta(path)
        model = load_model(str(path), task="sequence-classification", device=device, fp16=fp16)
        kwargs.setdefault("style", meta.get("style", "mask"))
        kwargs.setdefault("max_length", meta.get("max_length", 128))
        return cls(model, load_tokenizer(str(path)), **kwargs)

    @property
    def device(self) -> str:
        """Where the model runs (``cpu``, ``cuda``...)."""
        from .models import device_of

        return device_of(self.model)

    def save(self, out_dir: str | Path, **extra) -> Path:
        from .models import save_model

        return save_model(self.model, self.tokenizer, out_dir, task="relation-classification", style=self.style,
                          max_length=self.max_length, labels=self.labels, **extra)

    def describe(self) -> str:
        from .models import describe

        return describe(self.model)

    def mark(self, text: str, head, tail) -> str:
        return mark_pair(text, head, tail, self.style)

    def __call__(self, sentences: Sequence[str]) -> list[dict]:
        import torch

        sentences = [fit_window(s, self.tokenizer, self.max_length) for s in sentences]
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))  # similar lengths batch well
        out: list[dict] = [{}] * len(sentences)
        self.model.eval()
        device = next(self.model.parameters()).device
        with torch.no_grad():
            for k in range(0, len(order), self.batch_size):
                idx = order[k:k + self.batch_size]
                enc = self.tokenizer([sentences[i] for i in idx], truncation=True, max_length=self.max_length,
                                     padding=True, return_tensors="pt").to(device)
                probs = self.model(**enc).logits.softmax(-1)
                scores, best = probs.max(-1)
                for i, b, s in zip(idx, best.tolist(), scores.tolist()):
                    out[i] = {"label": self.labels[b], "score": float(s)}
        return out


def tokenize_dataset(dataset, tokenizer, max_length: int = 128):
    """Tokenize the ``sentence`` column (cropped around the entities with :func:`fit_window`)."""
    def encode(batch):
        texts = [fit_window(s, tokenizer, max_length) for s in batch["sentence"]]
        return tokenizer(texts, truncation=True, max_length=max_length)

    keep = {"label"}
    return dataset.map(encode, batched=True, remove_columns=[c for c in dataset.column_names if c not in keep])


def train_relation_classifier(data, model: str = "biobert", out_dir: str | Path | None = None, *, sizes=None,
                              style: str = "mask", entity_types: Sequence[str] = ("Gene", "Disease"),
                              epochs: float | None = None, batch_size: int | None = None,
                              learning_rate: float | None = None, max_length: int | None = None,
                              max_train_samples: int | None = None, max_eval_samples: int | None = None,
                              warmup: float | None = None, eval_split: str | None = "test", seed: int = 42,
                              progress: bool = False, resume: bool = False, keep_checkpoints: bool = False):
    """Fine-tune a sequence classifier on a marked RE ``DatasetDict`` (columns ``sentence``, ``label``).

    Dynamic padding, batches of similar length, linear decay with warm-up (the BioBERT recipe: lr 5e-5),
    entity-centred cropping of long sentences. Sizes come from ``wb.run_sizes("re")``, overridden by
    ``sizes`` and the single size arguments. Evaluates on ``eval_split`` with :func:`evaluate_relations`
    (``result.metrics``) and saves to ``out_dir`` (default ``runs/re/model``); ``resume=True`` continues an
    interrupted run. Returns a ``TrainResult`` whose ``classifier`` is the :class:`RelationClassifier`. Taught in 04.
    """
    from transformers import DataCollatorWithPadding

    from . import training
    from .env import run_sizes, runs_dir, set_seed

    sizes = run_sizes("re", **{**(vars(sizes) if sizes else {}), "epochs": epochs, "batch_size": batch_size,
                               "learning_rate": learning_rate, "max_length": max_length, "warmup": warmup,
                               "max_train_samples": max_train_samples, "max_eval_samples": max_eval_samples})
    out_dir = Path(out_dir) if out_dir is not None else runs_dir("re", "model")
    set_seed(seed)
    labels = data["train"].features["label"].names
    tokenizer, net = prepare_model(model, labels, style, entity_types)
    train = training.subset(data["train"], sizes.max_train_samples, seed)
    train_tok = tokenize_dataset(train, tokenizer, sizes.max_length)
    steps = -(-len(train_tok) // sizes.batch_size)
    args = training.training_args(sizes, out_dir, evaluate=False, seed=seed, progress=progress,
                                  steps_per_epoch=steps, lr_scheduler_type="linear",
                                  train_sampling_strategy="group_by_length")
    trainer = training.make_trainer(progress=progress, model=net, args=args, train_dataset=train_tok,
                                    processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer))
    training.fit(trainer, out_dir, resume=resume)
    classifier = RelationClassifier(net, tokenizer, style=style, max_length=sizes.max_length)
    metrics: dict = {"model": classifier.describe()}
    if eval_split and eval_split in data:
        metrics = evaluate_relations(classifier, training.subset(data[eval_split], sizes.max_eval_samples,
                                                                 shuffle=False))
    settings = dict(max_length=sizes.max_length, epochs=sizes.epochs, learning_rate=sizes.learning_rate,
                    batch_size=sizes.batch_size, train_examples=len(train), style=style)
    classifier.save(out_dir, metrics={k: v for k, v in metrics.items() if not isinstance(v, list)},
                    **{k: v for k, v in settings.items() if k not in ("max_length", "style")})
    training.finish(out_dir, keep_checkpoints)
    return training.TrainResult("re", net, tokenizer, out_dir, trainer, list(trainer.state.log_history), {},
                                metrics, settings, classifier)


def evaluate_relations(model, data, tokenizer=None) -> dict:
    """Predict every ``sentence`` of a labelled dataset; metrics plus ``gold``/``pred`` lists.

    ``model``: a :class:`RelationClassifier`, a folder saved by one, or a classification model with its
    ``tokenizer``. Uses :func:`relation_metrics` (negative class excluded) and adds the model that ran.
    """
    classifier = as_classifier(model, tokenizer)
    names = data.features["label"].names
    gold = [names[i] for i in data["label"]]
    pred = [p["label"] for p in classifier(data["sentence"])]
    negative = negative_label(names)
    metrics = relation_metrics(gold, pred, negative)
    metrics.update(labels=list(names), negative=negative, gold=gold, pred=pred,
                   convention="positive class (GAD/EU-ADR)" if len(names) == 2 else
                   "micro over relation classes, negative excluded (ChemProt)")
    if hasattr(classifier, "describe"):
        metrics["model"] = classifier.describe()
    if hasattr(classifier, "device"):
        metrics["device"] = classifier.device
    return metrics


def as_classifier(model, tokenizer=None):
    """A :class:`RelationClassifier` from one, a saved folder, a ``TrainResult``, or a model with its tokenizer;
    any other callable ``(marked sentences) -> [{"label", "score"}]`` is used as it is."""
    if isinstance(model, (str, Path)):
        return RelationClassifier.from_pretrained(model)
    if getattr(model, "task", None) == "re" and getattr(model, "predictor", None) is not None:
        return model.predictor
    if tokenizer is not None and hasattr(model, "config"):
        return RelationClassifier(model, tokenizer)
    if callable(model):
        return model
    raise TypeError(f"expected a RelationClassifier, a saved folder or a model with its tokenizer, "
                    f"got {type(model).__name__}")


TYPES_OF_SAMPLE = {"gene_disease": ("Gene", "Disease"), "chemprot": ("Chemical", "Gene"), "ade": ("Chemical", "Disease")}


def sample_classifier(name: str = "gene_disease", style: str = "mask", model_name: str = "biobert",
                      retrain: bool = False, device: str | None = "auto", **train_kwargs) -> RelationClassifier:
    """A classifier fine-tuned on a project sample (``gene_disease``, ``chemprot``, ``ade``), cached under runs/.

    The first call fine-tunes it with the fast sizes (``wb.run_sizes("re", fast=True)``; under a minute
    on a free CPU), says so and saves it; later calls load it. ``train_kwargs`` (e.g. ``epochs=1``) override
    the sizes when it is trained. Offline this is the stand-in model fine-tuned on template
    sentences -- fine for the pipelines, not BioBERT.
    """
    from . import training
    from .env import run_sizes

    def build(folder: Path) -> None:
        kwargs = dict(sizes=run_sizes("re", fast=True), entity_types=TYPES_OF_SAMPLE.get(name, ("Gene", "Disease")))
        kwargs.update(train_kwargs)
        train_relation_classifier(load_re_sample(name, style), model_name, folder, style=style, **kwargs)

    folder = training.cached_model(f"sample-classifier-{name}-{style}", model_name, build, retrain=retrain,
                                   task="re")
    return RelationClassifier.from_pretrained(folder, device=device)


# ---------------------------------------------------------------- from raw text to relations

def candidate_pairs(entities: Sequence[dict], pair_types=DEFAULT_PAIRS) -> list[tuple[dict, dict]]:
    """Typed candidate pairs ``(head, tail)`` among one sentence's entities, e.g. every Gene x Disease.

    Types compare case-insensitively; a mention never pairs with itself or with an overlapping one.
    """
    pairs = []
    for head_type, tail_type in pair_types:
        for h in entities:
            if h["label"].lower() != head_type.lower():
                continue
            for t in entities:
                if t is h or t["label"].lower() != tail_type.lower():
                    continue
                if h["start"] < t["end"] and t["start"] < h["end"]:
                    continue
                pairs.append((h, t))
    return pairs


def _entity(e: Mapping, offset: int, text: str) -> dict:
    start, end = int(e["start"]) + offset, int(e["end"]) + offset
    out = {"start": start, "end": end, "label": str(e["label"]), "text": text[start:end],
           "score": float(e.get("score", 1.0))}
    if "source" in e:
        out["source"] = e["source"]
    return out


def extract_relations(texts: str | Sequence[str], ner: Callable, classifier, pair_types=DEFAULT_PAIRS,
                      keep_negative: bool = False, min_score: float = 0.0) -> list[dict]:
    """Relations in raw ``texts``: sentences -> ``ner`` -> typed pairs -> marked inputs -> ``classifier``.

    * ``ner``: any callable ``ner(list_of_texts) -> [[{start, end, label, ...}, ...], ...]`` -- e.g.
      ``wb.ner.sample_tagger()``, a ``wb.taggers.DictionaryTagger``, or both via ``wb.taggers.combine_taggers``.
    * ``classifier``: a :class:`RelationClassifier`, a folder saved by one, or any callable
      ``classifier(marked_sentences) -> [{"label", "score"}]`` (its ``style`` attribute, default
      ``mask``, says how to mark pairs).
    * ``pair_types``: ``[(head_type, tail_type), ...]``; the head becomes E1, the tail E2.

    Returns one record per classified pair: ``doc``, ``head`` and ``tail`` (dicts with ``start``,
    ``end``, ``label``, ``text``, ``score``; character offsets into the original text), ``label``,
    ``score``, ``sentence`` (the evidence), ``sentence_start``, ``input`` (what the classifier saw).
    Pairs labelled negative are dropped unless ``keep_negative``. Taught in 05.
    """
    if isinstance(texts, str):
        texts = [texts]
    if not callable(ner):
        raise TypeError(f"ner must be a callable tagger (texts -> entity lists), got {type(ner).__name__}")
    if isinstance(classifier, (str, Path)):
        classifier = RelationClassifier.from_pretrained(classifier)
    if not callable(classifier):
        raise TypeError(f"classifier must be callable or a saved model folder, got {type(classifier).__name__}")
    style = getattr(classifier, "style", "mask")
    negative = getattr(classifier, "negative", None)
    sentences = [(d, s, e) for d, text in enumerate(texts) for s, e in split_sentences(text)]
    tagged = ner([texts[d][s:e] for d, s, e in sentences]) if sentences else []
    if len(tagged) != len(sentences):
        raise ValueError(f"ner returned {len(tagged)} entity lists for {len(sentences)} sentences")
    candidates = []
    for (d, s, e), ents in zip(sentences, tagged):
        sentence = texts[d][s:e]
        for h, t in candidate_pairs(list(ents), pair_types):
            head, tail = _entity(h, s, texts[d]), _entity(t, s, texts[d])
            marked = mark_pair(sentence, (h["start"], h["end"], h["label"]), (t["start"], t["end"], t["label"]), style)
            candidates.append({"doc": d, "head": head, "tail": tail, "sentence": sentence, "sentence_start": s,
                               "input": marked})
    predictions = classifier([c["input"] for c in candidates]) if candidates else []
    records = []
    for c, p in zip(candidates, predictions):
        if (p["label"] == negative and not keep_negative) or p["score"] < min_score:
            continue
        records.append({**c, "label": p["label"], "score": float(p["score"])})
    return records


def relations_table(records: Sequence[dict]):
    """Records from :func:`extract_relations` as a flat ``pandas.DataFrame`` (one row per pair)."""
    import pandas as pd

    rows = [{"doc": r["doc"], "head": r["head"]["text"], "head_type": r["head"]["label"],
             "head_start": r["head"]["start"], "head_end": r["head"]["end"], "tail": r["tail"]["text"],
             "tail_type": r["tail"]["label"], "tail_start": r["tail"]["start"], "tail_end": r["tail"]["end"],
             "label": r["label"], "score": round(r["score"], 3), "sentence": r["sentence"]} for r in records]
    return pd.DataFrame(rows, columns=["doc", "head", "head_type", "head_start", "head_end", "tail", "tail_type",
                                       "tail_start", "tail_end", "label", "score", "sentence"])
