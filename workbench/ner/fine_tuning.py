"""Fine-tuning an NER model on the shared recipe of ``workbench.training``, and the cached demo tagger."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

from ..data import load_ner_dataset, load_ner_sample, tag_names
from ..models import describe
from ..training import TrainResult
from .evaluation import entity_scores
from .tagger import Tagger, load_tagger
from .windows import (
    IGNORE,
    check_label_set,
    encode,
    is_trained_for_ner,
    merge_windows,
    window_stride,
)

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
    or ``"sample"``. Without ``sizes`` it trains on every training sentence with the full recipe, BioBERT's
    (``wb.run_sizes("ner", fast=False)``: lr 5e-5, batch 32, max length 192, whole dev split), whatever fast mode
    says; ``sizes=wb.run_sizes("ner")`` chooses the fast sizes on a CPU; the single size arguments (``epochs``,
    ``max_train_samples``, ...) override either. One printed line says how many sentences it uses of how
    many (also in ``result.settings`` and the saved metadata: ``train_used`` of ``train_total``, ``dev_used``
    of ``dev_total``).
    The best model is saved to ``out_dir`` (default ``runs/ner/model``) with its labels, max length and
    dev scores, so ``load_tagger(out_dir)`` and ``python -m workbench ner predict`` can reuse it.
    Checkpoints go to ``out_dir/checkpoints``; ``resume=True`` continues an interrupted run.
    Batches are random, as in Hugging Face's ``run_ner.py``; ``group_by_length=True`` makes batches of
    similar length in random order (``length_bucketed_order``, with ``token_weighted_loss``): less padding,
    faster on a CPU, but slightly lower F1 on short budgets (``bench/ner.py`` measures both).
    """
    from torch.utils.data import SequentialSampler
    from transformers import (
        DataCollatorForTokenClassification,
        EarlyStoppingCallback,
        Trainer,
    )

    from .. import training
    from ..env import runs_dir, set_seed, sizes_from
    from ..models import load_model, load_tokenizer, save_model

    sizes = sizes_from("ner", sizes, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size,
                       max_length=max_length, warmup=warmup, max_train_samples=max_train_samples,
                       max_eval_samples=max_eval_samples)
    stride = window_stride(sizes.max_length, stride)
    data = as_dataset(data, entity_type)
    out_dir = Path(out_dir) if out_dir is not None else runs_dir("ner", "model")
    set_seed(seed)

    train, dev, used = training.select_data(data["train"], dev_split(data), sizes, seed)
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
                    **used, windowed_train_sentences=train_enc.windowed_sentences)
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
    from .. import training
    from ..env import run_sizes

    def build(folder: Path) -> None:
        train_ner("sample", model, folder, sizes=run_sizes("ner", fast=True), progress=False)

    return load_tagger(training.cached_model("sample-tagger", model, build, retrain=retrain, task="ner"), device=device)
