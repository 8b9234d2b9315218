"""The one fine-tuning recipe behind ``wb.ner``, ``wb.qa`` and ``wb.relations``.

Every task trains the same way, so what you learn in notebook 02 carries over to 03 and 04:

* sizes are the full recipe (``wb.run_sizes(task, fast=False)``: every training and dev example) unless the
  caller passes ``sizes=`` (the notebooks pass ``wb.run_sizes(task)``, fast on a CPU) or single sizes;
* :func:`select_data` takes a seeded random subset of the training split and the first rows of the dev split
  (:func:`subset`) and says in one printed line how many of how many it uses (:func:`data_line`);
* :func:`training_args` builds the ``TrainingArguments`` (seed, warm-up fraction, weight decay, fp16 on a
  GPU, checkpoints every epoch under ``<out_dir>/checkpoints`` so an interrupted run can resume);
* :func:`fit` runs the ``Trainer`` -- resuming from the last checkpoint with ``resume=True`` -- and
  removes the checkpoints once the final model is saved;
* every trainer returns a :class:`TrainResult`, every evaluator is ``evaluate_*(model, data, tokenizer=None)``;
* :func:`cached_model` trains a small demo model once (``wb.ner.sample_tagger()``, ...) and reuses it.

``WORKBENCH_MAX_STEPS=N`` caps every training run at ``N`` optimizer steps: the one knob that lets the
full-mode rehearsal (real recipe, real corpora, tiny models) fit in CI. Unset, training is not capped.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

MAX_STEPS_ENV = "WORKBENCH_MAX_STEPS"
CHECKPOINTS = "checkpoints"


def max_steps_cap() -> int:
    """``$WORKBENCH_MAX_STEPS`` as an int (-1: no cap). A bad value is a clear error."""
    value = os.environ.get(MAX_STEPS_ENV, "").strip()
    if not value:
        return -1
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{MAX_STEPS_ENV}={value!r}: use a positive whole number of steps, or unset it")
    return int(value)


def subset(split, n: int | None, seed: int = 42, shuffle: bool = True):
    """At most ``n`` rows of ``split``: a seeded random subset (``shuffle``) or the first ``n`` rows."""
    if split is None or n is None or n >= len(split):
        return split
    if n < 1:
        raise ValueError(f"a subset needs at least 1 row, got {n}")
    return split.shuffle(seed=seed).select(range(n)) if shuffle else split.select(range(n))


DATA_USED = ("train_used", "train_total", "dev_used", "dev_total")
"""The keys of ``TrainResult.settings`` (and the saved model's ``workbench_model.json``) that say how much data a
run used: training examples used of how many, dev examples used of how many (None: no dev split)."""


def data_line(counts: dict, sizes, unit: str = "sentences", dev_name: str = "dev") -> str:
    """The one line a trainer prints before training: how much of each split it uses, what caps it, the recipe.

    ``counts`` has the :data:`DATA_USED` keys; ``sizes`` is the ``RunSizes`` the run uses. For example
    ``training on 300 of 2,000 sentences (max_train_samples=300), dev 200 of 500 sentences (max_eval_samples=200);
    6 epochs, batch 16, lr 0.0001, max_length 128 (base: fast sizes) -- capped: set sizes= or max_train_samples= ...``;
    uncapped: ``training on all 2,000 sentences, dev all 500 sentences; 5 epochs, ... (base: full recipe)``.
    """
    def part(used, total, limit, flag):
        return f"all {total:,} {unit}" if used >= total else f"{used:,} of {total:,} {unit} ({flag}={limit})"

    train = part(counts["train_used"], counts["train_total"], sizes.max_train_samples, "max_train_samples")
    has_dev = counts["dev_used"] is not None
    dev = part(counts["dev_used"], counts["dev_total"], sizes.max_eval_samples, "max_eval_samples") if has_dev else None
    cap = max_steps_cap()
    capped = counts["train_used"] < counts["train_total"] or (has_dev and counts["dev_used"] < counts["dev_total"])
    line = (f"training on {train}, " + (f"{dev_name} {dev}" if has_dev else f"no {dev_name} split")
            + f"; {sizes.epochs:g} epoch{'' if sizes.epochs == 1 else 's'}, batch {sizes.batch_size}, "
              f"lr {sizes.learning_rate:g}, "
              f"max_length {sizes.max_length} (base: {'fast sizes' if sizes.fast else 'full recipe'})")
    if cap > 0:
        line += f", at most {cap} optimizer steps ({MAX_STEPS_ENV}={cap})"
    if capped:
        line += (" -- capped: set sizes= or max_train_samples= / max_eval_samples= "
                 "(command line: --max-train-samples / --max-eval-samples)")
    return line


def select_data(train, dev, sizes, seed: int = 42, *, unit: str = "sentences", dev_name: str = "dev"):
    """The examples a run trains and scores on, said in one printed line (:func:`data_line`).

    A seeded random ``sizes.max_train_samples`` of ``train`` and the first ``sizes.max_eval_samples`` of ``dev``
    (None: all of it; ``dev`` may be None). Returns ``(train, dev, counts)``; ``counts`` (the :data:`DATA_USED`
    keys) goes into ``TrainResult.settings`` and the saved model's metadata.
    """
    train_used = subset(train, sizes.max_train_samples, seed)
    dev_used = subset(dev, sizes.max_eval_samples, shuffle=False)
    counts = dict(train_used=len(train_used), train_total=len(train),
                  dev_used=len(dev_used) if dev is not None else None, dev_total=len(dev) if dev is not None else None)
    print(data_line(counts, sizes, unit, dev_name))
    return train_used, dev_used, counts


def checkpoints_dir(out_dir: str | Path) -> Path:
    """Where a run keeps its Trainer checkpoints: ``<out_dir>/checkpoints``."""
    return Path(out_dir) / CHECKPOINTS


def last_checkpoint(out_dir: str | Path) -> Path | None:
    """The newest ``checkpoint-N`` folder of a run, or None."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = checkpoints_dir(out_dir)
    found = get_last_checkpoint(str(folder)) if folder.is_dir() else None
    return Path(found) if found else None


def training_args(sizes, out_dir: str | Path, *, evaluate: bool, metric: str | None = None, seed: int = 42,
                  progress: bool = True, steps_per_epoch: int | None = None, **overrides):
    """``TrainingArguments`` for one run: the shared recipe, with ``overrides`` for what a task needs.

    ``sizes`` (a ``RunSizes``) gives epochs, learning rate, batch size, warm-up fraction and weight decay.
    Checkpoints are written every epoch (needed to resume); with ``evaluate`` and a ``metric`` the best
    epoch is kept and loaded at the end. fp16 is used on a CUDA GPU; the CPU otherwise.
    """
    import torch
    from transformers import TrainingArguments

    cuda = torch.cuda.is_available()
    cap = max_steps_cap()
    steps = steps_per_epoch or 4
    log_every = max(1, math.ceil((min(steps, cap) if cap > 0 else steps) / 4))  # ~4 loss points per epoch or run
    best = bool(evaluate and metric)
    kwargs = dict(
        output_dir=str(checkpoints_dir(out_dir)), num_train_epochs=sizes.epochs, learning_rate=sizes.learning_rate,
        per_device_train_batch_size=sizes.batch_size, per_device_eval_batch_size=max(sizes.batch_size, 32),
        warmup_steps=sizes.warmup, weight_decay=sizes.weight_decay, seed=seed, data_seed=seed,
        eval_strategy="epoch" if evaluate else "no", save_strategy="epoch", save_total_limit=1,
        load_best_model_at_end=best, metric_for_best_model=metric if best else None, greater_is_better=True,
        logging_strategy="steps", logging_steps=log_every, report_to="none", disable_tqdm=not progress,
        use_cpu=not cuda, fp16=cuda, dataloader_pin_memory=cuda, dataloader_num_workers=0,
        max_steps=cap)
    kwargs.update(overrides)
    return TrainingArguments(**kwargs)


def make_trainer(trainer_class=None, *, progress: bool = True, **kwargs):
    """A ``Trainer`` (or subclass) that shows a progress bar instead of printing a dict every few steps;
    the losses stay in ``trainer.state.log_history`` (plot them with ``TrainResult.plot``)."""
    from transformers import PrinterCallback, ProgressCallback, Trainer

    trainer = (trainer_class or Trainer)(**kwargs)
    trainer.remove_callback(PrinterCallback)
    if trainer.pop_callback(ProgressCallback) is not None and progress:
        trainer.add_callback(_QuietProgress())
    return trainer


def _QuietProgress():
    from transformers import ProgressCallback

    class QuietProgress(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            pass

    return QuietProgress()


def fit(trainer, out_dir: str | Path, resume: bool = False) -> None:
    """Train; with ``resume`` continue from the last checkpoint under ``<out_dir>/checkpoints``
    (model, optimizer, scheduler, RNG and data position are restored), otherwise start afresh.

    Call :func:`finish` after saving the final model (it removes the checkpoints unless kept).
    """
    start = last_checkpoint(out_dir) if resume else None
    if not resume:
        shutil.rmtree(checkpoints_dir(out_dir), ignore_errors=True)  # a previous run's, not ours
    if resume and start is None:
        print(f"resume: no checkpoint under {checkpoints_dir(out_dir)} -- training from the start")
    elif start is not None:
        print(f"resume: continuing from {start}")
    trainer.train(resume_from_checkpoint=str(start) if start else None)


def finish(out_dir: str | Path, keep_checkpoints: bool = False) -> None:
    """Remove a finished run's checkpoints (the final model is saved in ``out_dir`` itself)."""
    if not keep_checkpoints:
        shutil.rmtree(checkpoints_dir(out_dir), ignore_errors=True)


def best_eval(history: list[dict], metric: str) -> dict:
    """The dev scores (``eval_`` prefix dropped) of the logged evaluation with the highest ``metric``."""
    evals = [h for h in history if f"eval_{metric}" in h]
    best = max(evals, key=lambda h: h[f"eval_{metric}"]) if evals else {}
    return {k[5:]: v for k, v in best.items() if k.startswith("eval_") and isinstance(v, (int, float))}


@dataclass
class TrainResult:
    """What every trainer returns (``train_ner``, ``train_qa``, ``train_relation_classifier``).

    ``model``/``tokenizer``: the trained model (also saved in ``out_dir``); ``dev``: the best dev scores;
    ``metrics``: scores on an evaluation split measured after training (RE) and the model that ran;
    ``settings``: the sizes and options used, and how much data (``data_used``); ``predictor``: the task's ready-to-use object (NER
    ``Tagger``, ``RelationClassifier``; for QA, pass ``model``/``tokenizer`` to ``wb.qa.answer``).
    """

    task: str
    model: object
    tokenizer: object
    out_dir: Path
    trainer: object = None
    history: list[dict] = field(default_factory=list)
    dev: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    predictor: object = None

    @property
    def name(self) -> str:
        """The model that ran (BioBERT, or the stand-in)."""
        from .models import describe

        return describe(self.model)

    @property
    def labels(self) -> list[str]:
        config = self.model.config
        return [config.id2label[i] for i in range(len(config.id2label))]

    @property
    def data_used(self) -> dict:
        """Training examples used of how many, dev examples used of how many (:data:`DATA_USED`)."""
        return {k: self.settings.get(k) for k in DATA_USED}

    @property
    def max_length(self) -> int:
        return self.settings["max_length"]

    @property
    def stride(self) -> int:
        return self.settings["stride"]

    @property
    def windowed_train_sentences(self) -> int:
        """NER: training sentences longer than ``max_length`` pieces (cut into windows)."""
        return self.settings.get("windowed_train_sentences", 0)

    @property
    def classifier(self):
        """RE: the trained ``RelationClassifier``."""
        return self.predictor

    def tagger(self, **kwargs):
        """NER: a ``Tagger`` on the trained model (same max length and stride as training)."""
        from .ner import Tagger

        kwargs.setdefault("max_length", self.max_length)
        kwargs.setdefault("stride", self.stride)
        return Tagger(self.model, self.tokenizer, **kwargs)

    def evaluate(self, data, **kwargs):
        """The task's evaluator on ``data``: ``evaluate_ner`` / ``evaluate_squad`` / ``evaluate_relations``."""
        if self.task == "ner":
            from .ner import evaluate_ner

            return evaluate_ner(self.tagger(), data, **kwargs)
        if self.task == "qa":
            from .qa import evaluate_squad

            return evaluate_squad(self.model, data, self.tokenizer, **kwargs)
        from .relations import evaluate_relations

        return evaluate_relations(self.predictor, data, **kwargs)

    def plot(self, ax=None, metric: str | None = None):
        """Training loss and the dev metric per epoch."""
        from .viz import plot_training_curve

        metric = metric or {"ner": "eval_f1", "qa": "eval_f1"}.get(self.task, "eval_f1")
        return plot_training_curve(self.history, metric=metric, ax=ax)


def cached_model(kind: str, model: str, build: Callable[[Path], object], retrain: bool = False,
                 task: str | None = None, data: str = "the project sample") -> Path:
    """Folder of a small demo model (``runs/<task>/<kind>-<model>``), built by ``build(folder)`` on first use.

    The build writes to a temporary folder that is renamed into place only when it succeeded, so an
    interrupted build never leaves a half-saved model behind. Says what it is doing (on ``data``): training is
    never silent.
    """
    from .env import runs_dir
    from .models import resolve

    resolved = resolve(model)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", resolved.display_name)[:60]
    parent = runs_dir(task or kind.split("-")[0])
    out = parent / f"{kind}-{safe}"
    if retrain or not (out / "config.json").exists():
        print(f"fine-tuning {resolved.display_name} for {kind} on {data} (saved to {out}) ...")
        tmp = Path(tempfile.mkdtemp(prefix=out.name + "-", dir=parent))
        try:
            build(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    return out
