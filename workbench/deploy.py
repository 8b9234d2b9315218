"""Deployment and memory: will it fit, how big is it, how fast is it, can it be smaller.

Taught in 08_deployment_and_memory.
"""
from __future__ import annotations

import copy
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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


def size_on_disk_mb(model) -> float:
    """Size of the model's ``state_dict`` saved with ``torch.save``, in MB."""
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pt"
        torch.save(model.state_dict(), path)
        return os.path.getsize(path) / 1e6


def quantize_dynamic(model):
    """A copy of ``model`` with its Linear layers quantised to int8 (CPU inference).

    Dynamic quantisation stores weights as int8 and quantises activations on the fly: about
    3-4x smaller Linear layers and often faster CPU inference, for a small accuracy cost.
    """
    import torch

    quantize = getattr(torch.ao.quantization, "quantize_dynamic", None)
    if quantize is None:  # pragma: no cover - very old torch
        raise RuntimeError("this torch build has no dynamic quantisation")
    model = copy.deepcopy(model).cpu().eval()
    quantized = quantize(model, {torch.nn.Linear}, dtype=torch.qint8)
    if hasattr(model, "workbench"):
        quantized.workbench = model.workbench
    return quantized


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


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3
