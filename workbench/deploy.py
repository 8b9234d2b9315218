"""Deployment and memory: will it fit, how big is it, how fast is it, can it be smaller.

Taught in 08_deployment_and_memory. Smaller and faster on a CPU means ONNX Runtime: :func:`export_onnx`
and :func:`quantize_onnx` (int8 weights and embeddings) come from :mod:`workbench.runtime`; PyTorch's
``torch.ao.quantization.quantize_dynamic`` is deprecated and torchao's int8 is GPU-first (measured ~3x
slower than fp32 on this project's CPUs), so the workbench's int8 path is ONNX Runtime's.
"""
from __future__ import annotations

import copy
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .runtime import OnnxModel, export_onnx, is_onnx_folder, quantize_onnx  # noqa: F401 - public here too

BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


def count_parameters(model) -> int:
    """Number of parameters (trainable or not)."""
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class MemoryEstimate:
    """Rough GPU memory for fine-tuning with AdamW, in GB."""

    weights_gb: float
    gradients_gb: float
    optimizer_gb: float
    activations_gb: float

    @property
    def total_gb(self) -> float:
        return self.weights_gb + self.gradients_gb + self.optimizer_gb + self.activations_gb

    def fits(self, free_gb: float, headroom: float = 0.9) -> bool:
        """True if the estimate fits in ``headroom`` of ``free_gb``."""
        return self.total_gb <= free_gb * headroom


def estimate_training_memory(config, batch_size: int, seq_len: int, precision: str = "fp32",
                             n_params: int | None = None) -> MemoryEstimate:
    """Estimate fine-tuning memory of a BERT-style encoder from its config.

    Weights (+ an fp32 master copy with mixed precision), gradients, two AdamW moments, and the
    activations kept for the backward pass (~ layers x batch x seq x (34 h + 5 heads x seq) bytes,
    the standard transformer estimate). Good to about +-30%: use it to choose a batch size.
    """
    if precision not in ("fp32", "fp16", "bf16"):
        raise ValueError(f"precision must be fp32, fp16 or bf16, got {precision!r}")
    if batch_size < 1 or seq_len < 1:
        raise ValueError("batch_size and seq_len must be positive")
    h, layers, heads = config.hidden_size, config.num_hidden_layers, config.num_attention_heads
    if n_params is None:
        vocab, inter = config.vocab_size, config.intermediate_size
        n_params = vocab * h + config.max_position_embeddings * h + layers * (4 * h * h + 2 * h * inter)
    gb = 1e9
    mixed = precision != "fp32"
    weights = n_params * (BYTES[precision] + (4 if mixed else 0)) / gb
    grads = n_params * BYTES[precision] / gb
    optim = n_params * 8 / gb
    act_bytes_per_elem = BYTES[precision]
    acts = layers * batch_size * seq_len * (34 * h + 5 * heads * seq_len) * act_bytes_per_elem / 2 / gb
    return MemoryEstimate(weights, grads, optim, acts)


def largest_batch_size(config, seq_len: int, free_gb: float, precision: str = "fp32",
                       candidates=(64, 48, 32, 24, 16, 12, 8, 4, 2, 1)) -> int | None:
    """Largest batch size from ``candidates`` whose estimate fits in ``free_gb`` (None if none fits)."""
    for bs in sorted(candidates, reverse=True):
        if estimate_training_memory(config, bs, seq_len, precision).fits(free_gb):
            return bs
    return None


# The architecture part of each hub checkpoint's config.json (BERT-base: 12 layers, 768 hidden, 12 heads,
# 3072 intermediate, 512 positions) -- enough to plan memory without downloading any weights.
PUBLISHED_VOCAB_SIZES = {"biobert": 28996, "biobert-squad": 28996, "clinicalbert": 28996, "pubmedbert": 30522,
                         "scibert": 31090}


def architecture(name: str = "biobert"):
    """``(config, source)`` of a model's architecture, without loading weights.

    From the hub (or its cache) when reachable; offline, a registry model gets BERT-base with its
    published vocabulary size (``source`` says which); the stand-in and saved folders read their own
    ``config.json``.
    """
    from transformers import AutoConfig, BertConfig

    from .models import REGISTRY, in_hf_cache, hub_reachable, resolve

    card = REGISTRY.get(name)
    if card is not None and name in PUBLISHED_VOCAB_SIZES:
        if in_hf_cache(card.hub_id) or hub_reachable():
            return AutoConfig.from_pretrained(card.hub_id), f"config.json of {card.hub_id}"
        return (BertConfig(vocab_size=PUBLISHED_VOCAB_SIZES[name]),
                f"published BERT-base architecture of {card.hub_id} (offline: no weights needed)")
    resolved = resolve(name)
    return AutoConfig.from_pretrained(resolved.source), resolved.display_name


def parameters_of(config, task: str = "token-classification", num_labels: int = 3) -> int:
    """Exact parameter count of the model ``config`` describes, built on the ``meta`` device (no memory used)."""
    import torch

    from .models import model_class

    config = copy.deepcopy(config)
    config.num_labels = num_labels
    with torch.device("meta"):
        model = model_class(task).from_config(config)
    return count_parameters(model)


def training_memory_table(config, seq_lengths=(128, 256, 512), batch_sizes=(8, 16, 32),
                          precisions=("fp32", "fp16"), free_gb: float = 15.0, n_params: int | None = None):
    """Estimated fine-tuning memory for every (precision, max length, batch size), and whether it fits.

    ``free_gb``: the GPU's memory (a Colab T4 has about 15 GB). See :func:`estimate_training_memory`.
    """
    import pandas as pd

    rows = []
    for precision in precisions:
        for seq_len in seq_lengths:
            for bs in batch_sizes:
                est = estimate_training_memory(config, bs, seq_len, precision, n_params=n_params)
                rows.append({"precision": precision, "max_length": seq_len, "batch_size": bs,
                             "model+grads+AdamW GB": round(est.weights_gb + est.gradients_gb + est.optimizer_gb, 2),
                             "activations GB": round(est.activations_gb, 2), "total GB": round(est.total_gb, 2),
                             f"fits {free_gb:g} GB": est.fits(free_gb)})
    return pd.DataFrame(rows)


def training_state_gb(model, optimizer=None) -> dict:
    """Measured bytes of weights, gradients and optimizer state (after a training step), in GB."""
    import torch

    def nbytes(tensors):
        return sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor)) / 1e9

    params = list(model.parameters())
    state = [v for s in (optimizer.state.values() if optimizer is not None else []) for v in s.values()
             if isinstance(v, torch.Tensor) and v.dim() > 0]
    return {"weights_gb": nbytes(params), "gradients_gb": nbytes(p.grad for p in params if p.grad is not None),
            "optimizer_gb": nbytes(state)}


def tagger_speed(tagger, texts, batch_sizes=(1, 8, 32), repeat: int = 3):
    """Sentences per second of an NER tagger at several batch sizes (median of ``repeat`` runs)."""
    import pandas as pd

    keep = tagger.batch_size
    rows = []
    try:
        for bs in batch_sizes:
            tagger.batch_size = bs
            seconds = time_it(tagger, texts, repeat=repeat)
            rows.append({"batch_size": bs, "sentences/s": round(len(texts) / seconds, 1),
                         "ms per sentence": round(1000 * seconds / len(texts), 2)})
    finally:
        tagger.batch_size = keep
    return pd.DataFrame(rows)


def folder_size_mb(path: str | Path) -> float:
    """Total size of the files in a saved model folder, in MB."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def size_on_disk_mb(model) -> float:
    """Size of the model's ``state_dict`` saved with ``torch.save``, in MB."""
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pt"
        torch.save(model.state_dict(), path)
        return os.path.getsize(path) / 1e6


def time_it(fn, *args, repeat: int = 5, warmup: int = 1, **kwargs) -> float:
    """Median wall time of ``fn(*args, **kwargs)`` in seconds."""
    for _ in range(warmup):
        fn(*args, **kwargs)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _proc_status_mb(field: str) -> float | None:
    """A memory field of ``/proc/self/status`` (Linux) in MB, or None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux; elsewhere the peak)."""
    current = _proc_status_mb("VmRSS")
    return current if current is not None else peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    On Linux this is ``VmHWM``: ``getrusage``'s ``ru_maxrss`` survives ``exec``, so in a freshly
    started subprocess it can report the *parent's* peak.
    """
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3
