"""The relation classifier: model preparation, fine-tuning on the shared recipe, evaluation, cached demo models."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..text import length_batches
from .data import load_re_sample, negative_label
from .marking import check_style, fit_window, mark_pair, marker_tokens
from .metrics import relation_metrics

# ---------------------------------------------------------------- model, training, prediction


def prepare_model(model_name: str, labels: Sequence[str], style: str = "mask",
                  entity_types: Sequence[str] = ("Gene", "Disease")):
    """``(tokenizer, model)`` for sequence classification; for ``markers`` the marker tokens are
    added to the tokenizer as special tokens (never split or lower-cased) and the embeddings resized."""
    from ..models import load_model, load_tokenizer

    check_style(style)
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
        check_style(style)
        self.model, self.tokenizer, self.style = model, tokenizer, style
        self.max_length, self.batch_size = max_length, batch_size
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.negative = negative_label(self.labels)
        self.folder: Path | None = None  # the saved model folder, when loaded from one
        self.min_score: float | None = None  # a decision threshold chosen when it was trained, if any

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = "auto", fp16: bool = False,
                        runtime: str = "auto", **kwargs) -> "RelationClassifier":
        """Load a classifier saved by :func:`train_relation_classifier` (or ``save``) on ``device``
        (``"auto"``: CUDA when present, else the CPU; ``fp16`` on CUDA only). ``runtime``: ``"torch"``,
        ``"onnx"`` (a folder written by ``wb.deploy.export_onnx``) or ``"auto"`` (ONNX for an exported folder)."""
        from ..checks import check_model
        from ..models import load_tokenizer, read_meta
        from ..runtime import load_model_for

        if Path(path).expanduser().is_dir():  # an NER or QA folder would classify with an untrained head
            check_model(str(path), "relation-classification", "model")
        meta = read_meta(path)
        model = load_model_for(path, "relation-classification", runtime=runtime, device=device, fp16=fp16)
        kwargs.setdefault("style", meta.get("style", "mask"))
        kwargs.setdefault("max_length", meta.get("max_length", 128))
        classifier = cls(model, load_tokenizer(str(path)), **kwargs)
        if Path(path).expanduser().is_dir():
            classifier.folder = Path(path).expanduser().resolve()
            classifier.min_score = (meta.get("threshold") or {}).get("min_score")
        return classifier

    @property
    def device(self) -> str:
        """Where the model runs (``cpu``, ``cuda``...)."""
        from ..models import device_of

        return device_of(self.model)

    def save(self, out_dir: str | Path, **extra) -> Path:
        from ..models import save_model

        return save_model(self.model, self.tokenizer, out_dir, task="relation-classification", style=self.style,
                          max_length=self.max_length, labels=self.labels, **extra)

    def describe(self) -> str:
        from ..models import describe

        return describe(self.model)

    def mark(self, text: str, head, tail) -> str:
        return mark_pair(text, head, tail, self.style)

    def __call__(self, sentences: Sequence[str]) -> list[dict]:
        import torch

        sentences = [fit_window(s, self.tokenizer, self.max_length) for s in sentences]
        out: list[dict] = [{}] * len(sentences)
        self.model.eval()
        device = self.model.device  # a transformers model or a wb.runtime.OnnxModel (CPU)
        with torch.no_grad():
            for idx in length_batches([len(s) for s in sentences], self.batch_size):  # similar lengths batch well
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
    entity-centred cropping of long sentences. Without ``sizes`` it trains on every training sentence with the
    full recipe (``wb.run_sizes("re", fast=False)``), whatever fast mode says; ``sizes=wb.run_sizes("re")``
    chooses the fast sizes on a CPU; the single size arguments override either. One printed line says how many
    sentences it uses of how many (also in ``result.settings`` and the saved metadata; ``dev_*`` count the
    ``eval_split``). Evaluates on ``eval_split`` with :func:`evaluate_relations` (``result.metrics``) and saves
    to ``out_dir`` (default ``runs/re/model``); ``resume=True`` continues an interrupted run. Returns a
    ``TrainResult`` whose ``classifier`` is the :class:`RelationClassifier`. Taught in 04.
    """
    from transformers import DataCollatorWithPadding

    from .. import training
    from ..env import runs_dir, set_seed, sizes_from

    sizes = sizes_from("re", sizes, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                       max_length=max_length, warmup=warmup, max_train_samples=max_train_samples,
                       max_eval_samples=max_eval_samples)
    out_dir = Path(out_dir) if out_dir is not None else runs_dir("re", "model")
    set_seed(seed)
    labels = data["train"].features["label"].names
    scored = data[eval_split] if eval_split and eval_split in data else None
    train, scored, used = training.select_data(data["train"], scored, sizes, seed, dev_name=eval_split or "eval")
    tokenizer, net = prepare_model(model, labels, style, entity_types)
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
    if scored is not None:
        metrics = evaluate_relations(classifier, scored)
    settings = dict(max_length=sizes.max_length, epochs=sizes.epochs, learning_rate=sizes.learning_rate,
                    batch_size=sizes.batch_size, train_examples=len(train), **used, style=style)
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
    known = getattr(classifier, "labels", None)
    unknown = sorted(set(gold) - set(known)) if known is not None else []
    if unknown:  # they could never be predicted, and would switch the metric convention unannounced
        raise ValueError(f"gold labels {unknown} are not among the model's labels {list(known)}: score the model "
                         f"on data with the label set it was trained on")
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
    from .. import training
    from ..env import run_sizes

    def build(folder: Path) -> None:
        kwargs = dict(sizes=run_sizes("re", fast=True), entity_types=TYPES_OF_SAMPLE.get(name, ("Gene", "Disease")))
        kwargs.update(train_kwargs)
        train_relation_classifier(load_re_sample(name, style), model_name, folder, style=style, **kwargs)

    folder = training.cached_model(f"sample-classifier-{name}-{style}", model_name, build, retrain=retrain,
                                   task="re")
    return RelationClassifier.from_pretrained(folder, device=device)
