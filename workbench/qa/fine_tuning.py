"""Fine-tuning a QA reader (the shared recipe of ``workbench.training``) and the cached demo reader."""
from __future__ import annotations

import collections
from pathlib import Path

from .data import load_sample, load_squad
from .metrics import squad_metrics
from .reader import DOC_STRIDE, load_reader, merge_candidates, prepare_train_features, span_candidates, stride_for


# ---------------------------------------------------------------- fine-tuning


def _as_squad(data):
    ds = load_squad(data) if isinstance(data, (str, Path, list)) else data
    return ds


def qa_splits(data):
    """``(train, dev)`` datasets from ``"sample"``, a DatasetDict (``train`` + ``validation``/``devel``/``dev``),
    a ``(train, dev)`` pair, or one SQuAD JSON path/dataset (no dev split)."""
    if isinstance(data, str) and data == "sample":
        data = load_sample()
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError("give data as (train, dev): two SQuAD JSON paths or datasets")
        return _as_squad(data[0]), (_as_squad(data[1]) if data[1] is not None else None)
    if hasattr(data, "keys") and "train" in data:
        dev = next((data[k] for k in ("validation", "devel", "dev") if k in data), None)
        return data["train"], dev
    return _as_squad(data), None


def train_qa(data="sample", model: str = "biobert-squad", out_dir=None, *, sizes=None,
             epochs: float | None = None, batch_size: int | None = None, learning_rate: float | None = None,
             max_train_samples: int | None = None, max_eval_samples: int | None = None,
             max_length: int | None = None, doc_stride: int | None = None, seed: int = 42,
             progress: bool = True, resume: bool = False, keep_checkpoints: bool = False):
    """Fine-tune a QA model with the ``transformers`` Trainer on SQuAD-format data.

    ``data``: ``"sample"`` (the project sample ``data/qa``), a DatasetDict with ``train`` and
    ``validation``, a ``(train, dev)`` pair, or SQuAD JSON path(s). Without ``sizes`` it trains on every
    training question with the full recipe (``wb.run_sizes("qa", fast=False)``: BioBERT's windows of 384 tokens,
    stride 128), whatever fast mode says; ``sizes=wb.run_sizes("qa")`` chooses the fast sizes on a CPU; the
    single size arguments override either. One printed line says how many questions it uses of how many (also
    in ``result.settings`` and the saved metadata). With dev data, SQuAD EM/F1 are computed after every epoch.
    Saved to ``out_dir`` (default ``runs/qa/model``); ``resume=True`` continues an interrupted run.
    Returns a ``TrainResult`` (``.model``, ``.tokenizer``, ``.history``, ``.dev``).
    """
    from transformers import DataCollatorWithPadding

    from .. import training
    from ..env import runs_dir, set_seed, sizes_from
    from ..models import describe, load_model, load_tokenizer, save_model

    sizes = sizes_from("qa", sizes, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                       max_train_samples=max_train_samples, max_eval_samples=max_eval_samples, max_length=max_length)
    # an explicit doc_stride wins; the sizes' stride never exceeds a third of the window (shorter windows)
    stride = stride_for(sizes.max_length, doc_stride) if doc_stride is not None else min(
        sizes.doc_stride or DOC_STRIDE, stride_for(sizes.max_length))
    out_dir = Path(out_dir) if out_dir is not None else runs_dir("qa", "model")
    set_seed(seed)
    train_ds, dev_ds = qa_splits(data)
    train_ds, dev_ds, used = training.select_data(train_ds, dev_ds, sizes, seed, unit="questions")
    tokenizer = load_tokenizer(str(model))
    qa_model = load_model(str(model), task="question-answering")

    def features(ds):
        return ds.map(prepare_train_features, batched=True, remove_columns=ds.column_names,
                      fn_kwargs=dict(tokenizer=tokenizer, max_length=sizes.max_length, doc_stride=stride))

    train_feats = features(train_ds).remove_columns(["offset_mapping", "example_id"])
    dev_feats = features(dev_ds) if dev_ds is not None else None
    steps = -(-len(train_feats) // sizes.batch_size)
    args = training.training_args(sizes, out_dir, evaluate=dev_feats is not None, metric="f1", seed=seed,
                                  progress=progress, steps_per_epoch=steps, per_device_eval_batch_size=sizes.batch_size * 2)
    trainer = training.make_trainer(
        progress=progress, model=qa_model, args=args, train_dataset=train_feats, eval_dataset=dev_feats,
        processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=_squad_compute_metrics(dev_ds, dev_feats) if dev_feats is not None else None)
    training.fit(trainer, out_dir, resume=resume)
    qa_model.eval()
    history = list(trainer.state.log_history)
    dev = training.best_eval(history, "f1")
    settings = dict(max_length=sizes.max_length, stride=stride, doc_stride=stride, epochs=sizes.epochs,
                    learning_rate=sizes.learning_rate, batch_size=sizes.batch_size, train_examples=len(train_ds),
                    **used)
    save_model(qa_model, tokenizer, out_dir, task="question-answering", dev=dev,
               **{k: v for k, v in settings.items() if k != "stride"})
    training.finish(out_dir, keep_checkpoints)
    return training.TrainResult("qa", qa_model, tokenizer, out_dir, trainer, history, dev,
                                {"model": describe(qa_model)}, settings)


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


def sample_reader(retrain: bool = False, model: str = "biobert-squad", device: str | None = "auto"):
    """``(model, tokenizer)`` fine-tuned on the project QA sample (``data/qa``), cached under ``runs/qa/``.

    The first call trains with the fast sizes (``wb.run_sizes("qa", fast=True)``, about a minute on a
    CPU) and says so; later calls load the saved folder. Offline ``model`` is the stand-in: fine for
    demos and pipelines, not BioBERT. Taught in 03_question_answering.
    """
    return load_reader(str(sample_reader_dir(retrain, model)), device=device)


def sample_reader_dir(retrain: bool = False, model: str = "biobert-squad") -> Path:
    """The folder of :func:`sample_reader`'s model (trained first if it is not there yet)."""
    from .. import training
    from ..env import run_sizes

    def build(folder: Path) -> None:
        train_qa("sample", model, folder, sizes=run_sizes("qa", fast=True), progress=False)

    return training.cached_model("sample-reader", model, build, retrain=retrain, task="qa")
