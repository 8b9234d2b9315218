"""Environment checks: which device you have, what it means, and fast mode.

Taught in 00_setup_and_gpu_check.
"""
from __future__ import annotations

import dataclasses
import html
import logging
import os
import platform
import random
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

FAST_ENV = "WORKBENCH_FAST"
"""Environment variable: ``1`` shrinks data and epochs, ``0`` runs the full recipe.
Unset: fast on a CPU, full on a GPU."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


RUNS_ENV = "WORKBENCH_RUNS"
REHEARSAL_ENV = "WORKBENCH_REHEARSAL"
"""Environment variable: ``1`` in the CI full-mode rehearsal (set by ``tests/rehearsal.py``), whose models are
tiny *random* models under the real names; see :func:`check`."""


def runs_dir(*parts: str) -> Path:
    """Where notebooks and commands write models and outputs: ``$WORKBENCH_RUNS`` or ``./runs``."""
    path = Path(os.environ.get(RUNS_ENV, "runs")).expanduser().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def fast_mode() -> bool:
    """Is fast mode on? ``WORKBENCH_FAST=1/0`` decides; unset means "fast unless a GPU is present"."""
    value = os.environ.get(FAST_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value:
        raise ValueError(f"{FAST_ENV}={value!r}: use 1 (fast) or 0 (full recipe)")
    return not _cuda_available()


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@dataclass(frozen=True)
class RunSizes:
    """How much data and training one notebook or command uses -- the one place fast mode changes.

    ``warmup`` is the fraction of optimizer steps with a rising learning rate; ``doc_stride`` (QA only)
    is the overlap of context windows in tokens. ``max_*_samples`` None means the whole split.
    """

    epochs: float
    max_train_samples: int | None
    max_eval_samples: int | None
    batch_size: int
    max_length: int
    fast: bool
    learning_rate: float = 5e-5
    warmup: float = 0.0
    weight_decay: float = 0.01
    doc_stride: int | None = None

    def table(self) -> list[dict]:
        """The sizes as rows ``{"setting", "value"}`` (for a DataFrame in notebook 00)."""
        return [{"setting": f.name, "value": getattr(self, f.name)} for f in dataclasses.fields(self)]


# Full sizes follow the published recipes (BioBERT: lr 5e-5, batch 32, 3-5 epochs; SQuAD windows of 384
# tokens with a 128-token stride); fast sizes keep every notebook to a few minutes on 2 CPU cores (a small
# model on little data learns faster with a higher learning rate).
_SIZES = {
    "ner": dict(full=dict(epochs=5, max_train_samples=None, max_eval_samples=None, batch_size=32, max_length=192),
                fast=dict(epochs=6, max_train_samples=300, max_eval_samples=200, batch_size=16, max_length=128,
                          learning_rate=1e-4)),
    "qa": dict(full=dict(epochs=3, max_train_samples=None, max_eval_samples=None, batch_size=24, max_length=384,
                         warmup=0.1, doc_stride=128),
               fast=dict(epochs=2, max_train_samples=400, max_eval_samples=100, batch_size=8, max_length=256,
                         learning_rate=2e-4, warmup=0.1, doc_stride=85)),
    "re": dict(full=dict(epochs=3, max_train_samples=None, max_eval_samples=None, batch_size=32, max_length=128,
                         warmup=0.1),
               fast=dict(epochs=2, max_train_samples=200, max_eval_samples=200, batch_size=8, max_length=128,
                         warmup=0.1)),
    # The use cases on real text (notebook 05): taggers trained on real corpora and the ADE/GAD classifiers.
    # Fast sizes fit five models into ~10 minutes of CPU training shared by the tests and notebook 05.
    "usecase-ner": dict(full=dict(epochs=5, max_train_samples=None, max_eval_samples=None, batch_size=32,
                                  max_length=192),
                        fast=dict(epochs=3, max_train_samples=450, max_eval_samples=100, batch_size=16,
                                  max_length=128, learning_rate=1e-4)),
    # The ADE drug/effect tagger gets more sentences: at 450 it found 46% of the effects exactly, at 1,500 70%
    # (and the ADE pipeline's pair F1 rose from 0.48 to 0.56).
    "usecase-ade-ner": dict(full=dict(epochs=5, max_train_samples=None, max_eval_samples=None, batch_size=32,
                                      max_length=192),
                            fast=dict(epochs=3, max_train_samples=1500, max_eval_samples=100, batch_size=16,
                                      max_length=128, learning_rate=1e-4)),
    # The ADE sentence screen reads every sentence of the training PubMed IDs it may see (about 6,700): on 3,000
    # it reached sentence F1 0.73 on the held-out IDs, on all of them 0.76 (and the screened pipeline 0.78).
    "usecase-ade-screen": dict(full=dict(epochs=3, max_train_samples=None, max_eval_samples=None, batch_size=32,
                                         max_length=128, warmup=0.1),
                               fast=dict(epochs=2, max_train_samples=None, max_eval_samples=None, batch_size=16,
                                         max_length=128, learning_rate=1e-4, warmup=0.1)),
    "usecase-re": dict(full=dict(epochs=3, max_train_samples=None, max_eval_samples=None, batch_size=32,
                                 max_length=128, warmup=0.1),
                       fast=dict(epochs=2, max_train_samples=2000, max_eval_samples=None, batch_size=16,
                                 max_length=128, learning_rate=1e-4, warmup=0.1)),
}
TASKS = tuple(_SIZES)


def run_sizes(task: str, fast: bool | None = None, **overrides) -> RunSizes:
    """Sizes for ``task`` ("ner", "qa", "re", "usecase-ner", "usecase-ade-ner",
    "usecase-ade-screen", "usecase-re") in fast or full mode (default: :func:`fast_mode`).

    ``overrides`` (e.g. ``epochs=1``) replace single sizes; ``None`` values are ignored, so a function's
    unset keyword arguments can be passed straight through.
    """
    if task not in _SIZES:
        raise ValueError(f"unknown task {task!r}; choose one of {sorted(_SIZES)}")
    fast = fast_mode() if fast is None else fast
    sizes = RunSizes(fast=fast, **_SIZES[task]["fast" if fast else "full"])
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(RunSizes)})
    if unknown:
        raise TypeError(f"run_sizes() got unknown sizes {unknown}")
    return dataclasses.replace(sizes, **{k: v for k, v in overrides.items() if v is not None})


def sizes_from(task: str, sizes: RunSizes | None = None, **overrides) -> RunSizes:
    """What a trainer runs with: ``sizes`` with the non-None ``overrides`` applied (the single arguments win).

    Without ``sizes`` the base is the full recipe, ``run_sizes(task, fast=False)`` -- the whole training and dev
    splits, the published epochs, batch size and learning rate -- whatever fast mode says: a call trains on the
    data it is given. Fast sizes are the caller's visible choice: ``sizes=wb.run_sizes(task)`` (fast on a CPU).
    """
    if sizes is not None and not isinstance(sizes, RunSizes):
        raise TypeError(f"sizes= must be a RunSizes such as wb.run_sizes({task!r}), got {type(sizes).__name__}")
    base = sizes if sizes is not None else run_sizes(task, fast=False)
    return dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None})


def sizes_table() -> list[dict]:
    """Every task's sizes side by side, fast and full: ``[{"task", "setting", "fast", "full"}, ...]``."""
    rows = []
    for task in _SIZES:
        f, full = run_sizes(task, fast=True), run_sizes(task, fast=False)
        for field_ in dataclasses.fields(RunSizes):
            if field_.name != "fast":
                rows.append({"task": task, "setting": field_.name, "fast": getattr(f, field_.name),
                             "full": getattr(full, field_.name)})
    return rows


def rehearsal() -> bool:
    """True in the full-mode rehearsal (``WORKBENCH_REHEARSAL=1``): every code path of full mode runs, on
    tiny random models, so the *quality* of a result means nothing there."""
    value = os.environ.get(REHEARSAL_ENV, "").strip().lower()
    if value and value not in _TRUE | _FALSE:
        raise ValueError(f"{REHEARSAL_ENV}={value!r}: use 1 (rehearsal) or unset it")
    return value in _TRUE


def check(condition, message: str) -> None:
    """``assert condition, message`` for a check that needs a *trained* model (an F1, a falling loss).

    In the rehearsal (:func:`rehearsal`) a failed check prints
    ``not checked in the rehearsal (random tiny model): <message>`` instead of raising; everywhere else it
    raises ``AssertionError(message)`` exactly as ``assert`` would.
    """
    if condition:
        return
    if not rehearsal():
        raise AssertionError(message)
    print(f"not checked in the rehearsal (random tiny model): {message}")


def choose(fast, full):
    """Pick ``fast`` in fast mode, ``full`` otherwise -- for one-off notebook parameters."""
    return fast if fast_mode() else full


@dataclass(repr=False)
class DeviceReport:
    """What this machine offers for training. Shown as a table in notebooks."""

    python: str
    torch: str
    transformers: str
    datasets: str
    device: str
    reason: str
    gpu_name: str | None = None
    gpu_memory_total_gb: float | None = None
    gpu_memory_free_gb: float | None = None
    compute_capability: str | None = None
    fp16: bool = False
    bf16: bool = False
    cpu_threads: int = 1
    ram_total_gb: float | None = None
    ram_available_gb: float | None = None
    colab: bool = False
    hub: str = "unknown"
    fast_mode: bool = True
    extras: dict = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        out = []
        for f in dataclasses.fields(self):
            if f.name == "extras":
                continue
            value = getattr(self, f.name)
            if value is None:
                continue
            out.append((f.name.replace("_", " "), _fmt(value)))
        return out

    def __str__(self) -> str:
        rows = self.rows()
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.rows()
        )
        return f"<table>{cells}</table>"

    def advice(self) -> str:
        """One line on what this hardware means for the notebooks."""
        mode = "fast mode" if self.fast_mode else "the full recipe"
        if self.device == "cuda":
            return (f"GPU {self.gpu_name}: the notebooks run {mode}"
                    + ("; fp16 training is available." if self.fp16 else "."))
        return (f"CPU only: the notebooks run {mode}; full BioBERT fine-tuning wants a GPU -- "
                "open the notebook in Colab (Runtime > Change runtime type > GPU).")


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except Exception:  # noqa: BLE001 - a missing package is a finding, not an error
        return "not installed"


def device_report(check_hub: bool = True) -> DeviceReport:
    """Collect versions, the device to use (and why), GPU/CPU/RAM facts and hub reachability."""
    import psutil
    import torch

    from .models import resolve_device

    device = resolve_device("auto")  # the same rule load_model(device="auto") follows
    reason = "no CUDA GPU found"
    gpu = {}
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        free, total = torch.cuda.mem_get_info(0)
        major, minor = props.major, props.minor
        gpu = dict(
            gpu_name=props.name,
            gpu_memory_total_gb=total / 1e9,
            gpu_memory_free_gb=free / 1e9,
            compute_capability=f"{major}.{minor}",
            fp16=major >= 6,
            bf16=bool(torch.cuda.is_bf16_supported()),
        )
        reason = f"CUDA available ({torch.cuda.device_count()} device(s))"
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        reason = "no CUDA GPU; an Apple GPU (MPS) is there but used only when asked for (device='mps')"
    mem = psutil.virtual_memory()
    hub = "not checked"
    if check_hub:
        from .models import hub_status

        hub = hub_status()
    return DeviceReport(
        python=platform.python_version(),
        torch=torch.__version__,
        transformers=_version("transformers"),
        datasets=_version("datasets"),
        device=device,
        reason=reason,
        cpu_threads=torch.get_num_threads(),
        ram_total_gb=mem.total / 1e9,
        ram_available_gb=mem.available / 1e9,
        colab=in_colab(),
        hub=hub,
        fast_mode=fast_mode(),
        **gpu,
    )


def set_seed(seed: int = 42) -> None:
    """Seed Python, NumPy and torch (CPU and GPU) for repeatable runs."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def in_ci() -> bool:
    """True on a CI runner (``CI`` set, as GitHub Actions, GitLab and most others do)."""
    return os.environ.get("CI", "").strip().lower() not in {"", *_FALSE}


def hub_download_bars(show: bool | None = None) -> bool:
    """Show huggingface_hub's download progress bars (default: yes, except on CI); returns the setting.

    A 440 MB BioBERT download without a bar looks like a hang. ``HF_HUB_DISABLE_PROGRESS_BARS``, when set,
    has the last word (huggingface_hub gives it priority).
    """
    from huggingface_hub import constants
    from huggingface_hub.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    show = not in_ci() if show is None else bool(show)
    if constants.HF_HUB_DISABLE_PROGRESS_BARS is None:
        # a group setting: other libraries' global switches (transformers, datasets) leave it alone
        (enable_progress_bars if show else disable_progress_bars)("huggingface_hub")
    return not are_progress_bars_disabled("huggingface_hub.http_get")


def quiet_libraries() -> None:
    """Keep notebook output readable: errors from transformers/datasets, no known-noise warnings and no
    per-step bars -- but hub download bars stay on (off on CI), so a first download does not look like a hang."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        # transformers >= 5 prints a "load report" table for every new head; we explain it in prose.
        transformers.logging.set_verbosity_error()
        # its "Loading weights" / "Writing model shards" bars; this also switches off all hub bars ...
        transformers.logging.disable_progress_bar()
    except ImportError:
        pass
    try:
        import datasets

        datasets.logging.set_verbosity_error()
        datasets.disable_progress_bars()
    except ImportError:
        pass
    hub_download_bars()  # ... so the download bars come back here
    logging.getLogger("transformers.modeling_utils").setLevel(logging.ERROR)
    for pattern in (".*TypedStorage is deprecated.*", ".*`resume_download` is deprecated.*",
                    ".*was not found in the vocabulary.*", ".*pin_memory.*"):
        warnings.filterwarnings("ignore", message=pattern)


def setup_notebook(seed: int = 42, show: bool = True) -> DeviceReport:
    """Seed everything, quiet the libraries, show the device report and what it means.

    The one call at the top of every notebook. Safe to re-run.
    """
    set_seed(seed)
    quiet_libraries()
    report = device_report()
    if show:
        _display(report)
        print(report.advice())
        if report.fast_mode:
            print(f"Fast mode is ON ({FAST_ENV}=0 before starting Jupyter runs the full recipe).")
        else:
            print(f"Fast mode is OFF: full recipe ({FAST_ENV}=1 shrinks data and epochs).")
        if rehearsal():
            print(f"REHEARSAL ({REHEARSAL_ENV}=1): tiny random models under the real names; "
                  "checks of a trained model's quality are reported, not made.")
    return report


def _display(obj) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(obj)
            return
    except ImportError:
        pass
    print(obj)
