"""biomedical-NLP workbench: the small package the notebooks rest on.

``import workbench as wb`` is cheap: torch/transformers load only when a function needs them.
Task modules: ``wb.ner``, ``wb.qa``, ``wb.relations``, ``wb.translate``, ``wb.widgets``;
use cases: ``wb.usecases`` (on real text: ``wb.usecases_real``); real corpora on demand: ``wb.corpora``;
ONNX Runtime export and int8: ``wb.runtime`` (also ``wb.deploy``). Every module of the package is reachable
as ``wb.<name>``, imported on first use.
"""

import importlib
import pkgutil

from .env import FAST_ENV, choose, device_report, fast_mode, in_colab, run_sizes, runs_dir, set_seed, setup_notebook
from .models import REGISTRY, describe, load, load_model, load_tokenizer, resolve, save_model

__version__ = "0.1.0"

# Every module and sub-package of workbench/ (listed from the folder, nothing imported), so a new one is
# reachable as wb.<name> without being registered here.
_SUBMODULES = frozenset(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def __getattr__(name: str):
    # Task modules import heavy libraries; load them on first use (wb.ner, wb.qa, ...).
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)


__all__ = ["FAST_ENV", "REGISTRY", "choose", "describe", "device_report", "fast_mode", "in_colab",
           "load", "load_model", "load_tokenizer", "resolve", "run_sizes", "runs_dir", "save_model", "set_seed",
           "setup_notebook"]
