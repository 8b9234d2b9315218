"""biomedical-NLP workbench: the small package the notebooks rest on.

``import workbench as wb`` is cheap: torch/transformers load only when a function needs them.
Task modules: ``wb.ner``, ``wb.qa``, ``wb.relations``, ``wb.translate``, ``wb.widgets``;
real corpora on demand: ``wb.corpora``; ONNX Runtime export and int8: ``wb.runtime`` (also ``wb.deploy``).
"""

import importlib

from .env import FAST_ENV, choose, device_report, fast_mode, in_colab, run_sizes, runs_dir, set_seed, setup_notebook
from .models import REGISTRY, describe, load, load_model, load_tokenizer, resolve, save_model

__version__ = "0.1.0"

_SUBMODULES = {"env", "models", "data", "corpora", "viz", "ner", "qa", "relations", "translate", "widgets", "errors",
               "files", "checks", "deploy", "runtime", "annotations", "usecases", "cli", "text", "taggers", "training"}


def __getattr__(name: str):
    # Task modules import heavy libraries; load them on first use (wb.ner, wb.qa, ...).
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


__all__ = ["FAST_ENV", "REGISTRY", "choose", "describe", "device_report", "fast_mode", "in_colab",
           "load", "load_model", "load_tokenizer", "resolve", "run_sizes", "runs_dir", "save_model", "set_seed",
           "setup_notebook"]
