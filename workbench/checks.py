"""Checks made before expensive work: is this model folder trained for this task, can ``--out`` be written.

A saved folder says what it is in ``workbench_model.json`` (``"task"``: ``"ner"``,
``"question-answering"``, ``"relation-classification"``); a checkpoint without it is judged by the
architecture in its ``config.json``. :func:`check_model` turns "an NER folder given to ``qa predict``"
or "a base model with an untrained head" into a :class:`~workbench.errors.ModelTaskError` at once,
instead of predictions from random weights; a path that does not exist is "not found", never tried
as a hub id.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import ModelTaskError, ModelUnavailableError, UsageError
from .files import check_writable_folder  # noqa: F401  (one place for the checks)

TASKS = {"ner": "NER (token classification)", "question-answering": "question answering",
         "relation-classification": "relation classification", "translation": "translation"}
TRAIN_COMMAND = {"ner": "ner train", "question-answering": "qa train", "relation-classification": "re train"}
_ARCH = {"ForTokenClassification": "ner", "ForQuestionAnswering": "question-answering",
         "ForSequenceClassification": "relation-classification", "MTModel": "translation",
         "ForConditionalGeneration": "translation"}
# registry names whose published weights carry a trained head
_REGISTRY_TASKS = {"biobert-squad": "question-answering"}


def looks_like_path(spec: str) -> bool:
    """A spec meant as a local folder: ``./x``, ``/x``, ``~/x``, ``a/b/c``, or ``runs/x`` when ``runs/`` exists
    here. A hub id is ``org/name`` with an ``org`` that is not a local folder."""
    spec = str(spec)
    if spec.startswith((".", "/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", spec):
        return True
    parts = [p for p in re.split(r"[\\/]", spec) if p]
    return len(parts) > 2 or (len(parts) == 2 and Path(parts[0]).is_dir())


def saved_task(folder: str | Path) -> str:
    """What a saved model folder was trained for: a key of :data:`TASKS`, or ``"base"`` (no trained head)."""
    from .models import read_meta

    folder = Path(folder)
    task = read_meta(folder).get("task")
    if task:
        return {"qa": "question-answering", "re": "relation-classification"}.get(task, task)
    config_file = folder / "config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelUnavailableError(f"{config_file}: cannot be read ({err}); the folder is not a usable model") from None
    for arch in config.get("architectures") or []:
        for suffix, kind in _ARCH.items():
            if str(arch).endswith(suffix):
                return kind
    return "base"


def check_model(spec: str, task: str, flag: str = "--model") -> str:
    """``spec`` if it names a model trained for ``task`` (a key of :data:`TASKS`), else a clear error.

    * a path that does not exist, a file, or a folder without ``config.json``: not found / not a model;
    * a folder saved for another task, or a base checkpoint (untrained head): :class:`ModelTaskError`;
    * a registry name without a trained head (``biobert``, ``standin``...), or a hub id that cannot be
      reached (it would run as the untrained stand-in): :class:`ModelTaskError`.
    """
    from .models import REGISTRY, resolve

    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    spec = str(spec)
    if not spec.strip():
        raise UsageError(f"{flag}: empty; give a model folder")
    what, fix = TASKS[task], (f"train one with `python -m workbench {TRAIN_COMMAND[task]}`" if task in TRAIN_COMMAND
                              else "give a folder saved for it")
    local = Path(spec).expanduser()
    if local.exists() or looks_like_path(spec):
        if not local.exists():
            raise UsageError(f"{flag} {spec}: not found (no such folder)")
        if not local.is_dir():
            raise UsageError(f"{flag} {spec}: is a file; give the model folder (the one holding config.json)")
        if not (local / "config.json").exists():
            raise ModelUnavailableError(f"{flag} {spec}: this folder has no config.json, so it is not a saved model "
                                        f"(an interrupted save or the wrong folder?); {fix}")
        if not any(local.glob("*.safetensors")) and not any(local.glob("pytorch_model*.bin")) \
                and not (local / "model.onnx").exists():  # an ONNX export (wb.deploy.export_onnx) holds model.onnx
            raise ModelUnavailableError(f"{flag} {spec}: no weights in this folder (model.safetensors is missing): "
                                        f"the save was interrupted or the copy is incomplete; copy it again or {fix}")
        kind = saved_task(local)
        if kind == task:
            return spec
        if kind == "base":
            raise ModelTaskError(f"{flag} {spec}: a base model whose {what} head was never trained, so its answers "
                                 f"would be random; {fix}, or give a folder saved by it")
        raise ModelTaskError(f"{flag} {spec}: this folder holds a {TASKS.get(kind, kind)} model, not a {what} "
                             f"model; {fix}, or give a folder saved by it")
    card = REGISTRY.get(spec)
    if card is not None and _REGISTRY_TASKS.get(card.name) != task:
        raise ModelTaskError(f"{flag} {spec}: the registry model {spec!r} is a base model with no trained {what} "
                             f"head, so its answers would be random; {fix} from it and pass the saved folder")
    resolved = resolve(spec)
    if resolved.is_standin:
        raise ModelTaskError(f"{flag} {spec}: cannot be loaded here (offline, not in the cache), and the offline "
                             f"stand-in has no trained {what} head; connect to the internet, or {fix}")
    return spec
