"""ONNX Runtime: export a fine-tuned folder, run it behind the same entry points, make it int8.

Taught in 08_deployment_and_memory.

* :func:`export_onnx` turns any fine-tuned workbench folder (NER, QA, RE) into ``model.onnx`` with
  dynamic batch and sequence axes, exported by ``torch.onnx.export(dynamo=True)`` -- PyTorch's
  maintained exporter (optimum's exporter needs transformers < 4.58; this project is on 5.x) -- and
  checks ONNX Runtime against PyTorch on inputs of another shape before it says it is done. The graph is
  then fused for ONNX Runtime (:func:`fuse_for_ort`: one MultiHeadAttention kernel per layer, LayerNorm with
  its residual add, GELU with its bias) by onnxscript's ORT fusion rules, the maintained companion of that
  exporter.
* :func:`quantize_onnx` makes an int8 copy with ONNX Runtime's dynamic quantisation: the weights of
  every matrix multiplication *and* the embedding tables stored as 8-bit integers.
* :class:`OnnxModel` runs an exported folder and is called exactly like the PyTorch model
  (``model(input_ids=..., attention_mask=...)`` -> ``.logits`` or ``.start_logits``/``.end_logits``),
  so the NER tagger, the QA reader and the relation classifier use one code path for both runtimes:
  ``wb.ner.load_tagger(folder, runtime="onnx")``, ``wb.qa.load_reader(folder, runtime="onnx")``,
  ``RelationClassifier.from_pretrained(folder, runtime="onnx")``.
"""
from __future__ import annotations

import collections
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

ONNX_FILE = "model.onnx"
RUNTIMES = ("auto", "torch", "onnx")
# workbench_model.json "task" -> (transformers task of the model class, names of the outputs)
TASKS = {"ner": ("token-classification", ("logits",)),
         "question-answering": ("question-answering", ("start_logits", "end_logits")),
         "relation-classification": ("sequence-classification", ("logits",))}
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FP32_TOLERANCE = 1e-3  # largest |ONNX Runtime - PyTorch| logit difference an fp32 export may show


def is_onnx_folder(path) -> bool:
    """True for a folder written by :func:`export_onnx` (it holds ``model.onnx``)."""
    return Path(str(path)).expanduser().joinpath(ONNX_FILE).is_file()


def choose_runtime(path, runtime: str = "auto") -> str:
    """``"torch"`` or ``"onnx"`` for loading ``path``: ``"auto"`` picks ONNX Runtime for an exported folder."""
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
    exported = isinstance(path, (str, Path)) and is_onnx_folder(path)
    if runtime == "auto":
        return "onnx" if exported else "torch"
    if runtime == "onnx" and not exported:
        raise ValueError(f"{path}: no {ONNX_FILE} here -- export the folder first with "
                         f"`python -m workbench export {path} OUT` (or wb.deploy.export_onnx) and load OUT")
    if runtime == "torch" and exported and not any(Path(str(path)).expanduser().glob("*.safetensors")):
        raise ValueError(f"{path} holds only an ONNX export: load it with runtime='onnx' (or 'auto'), or load the "
                         f"PyTorch folder it was exported from")
    return runtime


def _task_of(folder: Path, expected: str | None = None) -> str:
    from .models import META_FILE, read_meta

    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such model folder")
    task = read_meta(folder).get("task")
    if task not in TASKS:
        raise ValueError(f"{folder / META_FILE}: task is {task!r}; only fine-tuned workbench folders of the tasks "
                         f"{', '.join(TASKS)} can be exported to ONNX")
    if expected is not None and task != expected:
        raise ValueError(f"{folder} holds a {task} model, not a {expected} one")
    return task


# ---------------------------------------------------------------- running an export


class OnnxModel:
    """An exported folder run by ONNX Runtime on the CPU, called like the PyTorch model it came from.

    ``model(input_ids=..., attention_mask=..., token_type_ids=...)`` (torch tensors or numpy arrays)
    returns an object with the same output names (``logits``; ``start_logits``/``end_logits`` for QA)
    as CPU torch tensors. ``config``, ``device``, ``eval()`` and ``workbench`` are there so code written for
    a transformers model runs unchanged; it cannot be trained.
    """

    training = False

    def __init__(self, folder: str | Path, threads: int | None = None):
        import onnxruntime as ort
        import torch
        from transformers import AutoConfig

        from .models import ResolvedModel, read_meta

        self.folder = Path(folder).expanduser().resolve()
        self.task = _task_of(self.folder)
        meta = read_meta(self.folder)
        info = meta.get("onnx", {})
        self.precision = "int8" if info.get("int8") else "fp32"
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()  # the same cores PyTorch would use
        self.session = ort.InferenceSession(str(self.folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.config = AutoConfig.from_pretrained(self.folder)
        self.device = torch.device("cpu")
        base = meta.get("base_model", "unknown base model")
        self.workbench = ResolvedModel(str(self.folder), str(self.folder),
                                       f"{self.folder.name} (fine-tuned from {base}; ONNX Runtime {self.precision})",
                                       bool(meta.get("is_standin", False)))

    def __repr__(self) -> str:
        return f"OnnxModel({self.workbench.display_name}; inputs {self.input_names}; outputs {self.output_names})"

    def eval(self) -> "OnnxModel":
        return self

    def train(self, mode: bool = True) -> "OnnxModel":
        if mode:
            raise ValueError("an ONNX Runtime model cannot be trained: fine-tune the PyTorch folder it was exported from")
        return self

    def parameters(self):
        """No PyTorch parameters (the weights live in the ONNX graph)."""
        return iter(())

    def __call__(self, **inputs):
        import numpy as np
        import torch

        unknown = set(inputs) - set(self.input_names) - {"token_type_ids"}
        if unknown:
            raise ValueError(f"{self.folder / ONNX_FILE} takes {self.input_names}, not {sorted(unknown)}")
        if "input_ids" not in inputs:
            raise ValueError("input_ids are required")
        feed = {}
        for name in self.input_names:
            value = inputs.get(name)
            if value is None:
                if name != "token_type_ids":
                    raise ValueError(f"{self.folder / ONNX_FILE} needs {name!r}")
                value = np.zeros(tuple(inputs["input_ids"].shape), dtype=np.int64)  # BERT's default: one segment
            if isinstance(value, torch.Tensor):
                value = value.detach().cpu().numpy()
            feed[name] = np.asarray(value, dtype=np.int64)
        outputs = self.session.run(self.output_names, feed)
        return SimpleNamespace(**{n: torch.from_numpy(o) for n, o in zip(self.output_names, outputs)})

    forward = __call__


def load_onnx_model(folder, task: str | None = None, device: str | None = "auto", fp16: bool = False) -> OnnxModel:
    """:class:`OnnxModel` of an exported folder, checked to hold a ``task`` model; ONNX Runtime runs on the CPU."""
    folder = Path(str(folder)).expanduser()
    _task_of(folder, task)
    if fp16:
        raise ValueError("fp16=True is for PyTorch on a CUDA GPU; the ONNX export runs in fp32 or int8 "
                         "(wb.deploy.quantize_onnx)")
    if device not in (None, "auto", "cpu"):
        from .models import DeviceError

        raise DeviceError(f"device={device!r}: the ONNX Runtime backend here runs on the CPU "
                          f"(onnxruntime's CPU build); use device='cpu' or runtime='torch'")
    return OnnxModel(folder)


def load_model_for(path, task: str, runtime: str = "auto", device: str | None = "auto", fp16: bool = False):
    """The model of ``path`` for a workbench ``task`` (``ner``, ``question-answering``, ``relation-classification``)
    on ``runtime``: a transformers model (``"torch"``) or an :class:`OnnxModel` (``"onnx"``)."""
    if choose_runtime(path, runtime) == "onnx":
        return load_onnx_model(path, task, device=device, fp16=fp16)
    from .models import load_model

    return load_model(str(path), task=TASKS[task][0], device=device, fp16=fp16)


# ---------------------------------------------------------------- export and int8


def _example_inputs(tokenizer, task: str, texts: list[str]):
    if task == "question-answering":
        return tokenizer(["What causes it?"] * len(texts), texts, padding=True, return_tensors="pt")
    return tokenizer(texts, padding=True, return_tensors="pt")


EXAMPLE_TEXTS = ["BRCA1 mutations cause breast cancer.", "Aspirin"]
CHECK_TEXTS = ["Cisplatin induced nephrotoxicity in patients with ovarian cancer treated at two centres.",
               "TP53", "Mutations of the CFTR gene cause cystic fibrosis."]


def fuse_for_ort(path) -> dict[str, int]:
    """Fuse the BERT graph in ``path`` (a ``model.onnx``) in place for ONNX Runtime; the fusions made, by name.

    onnxscript's ORT rules: scaled-dot-product attention -> ``MultiHeadAttention`` (one kernel per layer,
    biases folded in), ``SkipLayerNormalization`` (residual add + LayerNorm), ``BiasGelu``. Measured on 2 cores
    (batch 32 x 384 tokens): 1.27x the unfused export. The query/key/value projections stay separate MatMuls
    on purpose: onnxscript's last step would pack them into one ``Attention`` node (9% faster in fp32), but
    ONNX Runtime's int8 quantiser cannot quantise a packed node, so the int8 copy would keep them in fp32.
    """
    import onnx_ir as ir
    import onnx_ir.passes.common as passes
    from onnxscript.optimizer import optimize
    from onnxscript.rewriter import rewrite
    from onnxscript.rewriter.ort_fusions import ORT_PATTERN_REWRITE_RULES, shape_optimization
    from onnxscript.rewriter.ort_fusions.bias_gelu import fuse_bias_gelu
    from onnxscript.rewriter.ort_fusions.erfgelu import fuse_erfgelu
    from onnxscript.rewriter.ort_fusions.gelu import fuse_gelu
    from onnxscript.rewriter.ort_fusions.mha import fuse_mha1, fuse_mha2
    from onnxscript.rewriter.ort_fusions.mha_bias import fuse_mha_bias
    from onnxscript.rewriter.ort_fusions.mha_scale import fuse_mha_scale
    from onnxscript.rewriter.ort_fusions.sdpa import fuse_sdpa
    from onnxscript.rewriter.ort_fusions.skip_normalization import fuse_skip_layer_normalization

    path = Path(str(path))
    model = ir.load(str(path))
    passes.ShapeInferencePass()(model)  # the steps of onnxscript's optimize_for_ort, less the QKV packing
    optimize(model)
    shape_optimization.rules.apply_to_model(model)
    optimize(model)
    counts = {"erf_gelu": fuse_erfgelu(model), "skip_layer_normalization": fuse_skip_layer_normalization(model),
              "sdpa": fuse_sdpa(model, apply_shape_inference=True)}
    for name, fuse in (("mha1", fuse_mha1), ("mha2", fuse_mha2), ("mha_scale", fuse_mha_scale),
                       ("mha_bias", fuse_mha_bias), ("gelu", fuse_gelu), ("bias_gelu", fuse_bias_gelu)):
        counts[name] = fuse(model)
    optimize(model)
    rewrite(model, ORT_PATTERN_REWRITE_RULES)
    passes.LiftConstantsToInitializersPass(lift_all_constants=False, size_limit=1)(model)
    passes.RemoveInitializersFromInputsPass()(model)
    passes.ShapeInferencePass()(model)
    ir.save(model, str(path))
    ops = collections.Counter(node.op_type for node in model.graph)
    return {op: ops[op] for op in ("MultiHeadAttention", "SkipLayerNormalization", "BiasGelu", "Gelu") if ops[op]}


def export_onnx(folder, out, *, int8: bool = False, embeddings: bool = True, check: bool = True,
                fuse: bool = True) -> Path:
    """Export the fine-tuned workbench folder ``folder`` (NER, QA or RE) to ``out/model.onnx``.

    ``out`` gets the ONNX graph (dynamic batch and sequence axes, up to the model's
    ``max_position_embeddings``), the tokenizer, ``config.json`` and ``workbench_model.json`` (with an
    ``onnx`` entry: inputs, outputs, exporter, the measured difference to PyTorch). ``check``: run ONNX
    Runtime and PyTorch on inputs of another batch size and length and fail if the logits differ by more than
    :data:`FP32_TOLERANCE` (the check runs on the fused graph). ``fuse``: :func:`fuse_for_ort` (a graph
    onnxscript cannot fuse stays unfused, and the meta says why). ``int8=True`` writes the int8 model instead
    (:func:`quantize_onnx`, which ``embeddings`` goes to).
    """
    import numpy as np
    import torch
    import transformers

    from .models import load_model, load_tokenizer, read_meta, write_meta

    folder, out = Path(str(folder)).expanduser(), Path(str(out)).expanduser()
    task = _task_of(folder)
    if is_onnx_folder(folder):
        raise ValueError(f"{folder} is already an ONNX export; for int8 use wb.deploy.quantize_onnx({str(folder)!r}, OUT)")
    if out.resolve() == folder.resolve():
        raise ValueError(f"export to a new folder, not into {folder} itself")
    if int8:
        with tempfile.TemporaryDirectory() as tmp:
            export_onnx(folder, Path(tmp) / "fp32", check=check, fuse=fuse)
            return quantize_onnx(Path(tmp) / "fp32", out, embeddings=embeddings)
    model_task, outputs = TASKS[task]
    model = load_model(str(folder), task=model_task, device="cpu").eval()
    tokenizer = load_tokenizer(str(folder))
    names = [n for n in INPUTS if n in tokenizer.model_input_names]
    if names != list(INPUTS[:len(names)]):
        raise ValueError(f"{folder}: the tokenizer gives {names}; the export expects input_ids, attention_mask "
                         f"[, token_type_ids]")

    class Logits(torch.nn.Module):  # the inputs in INPUTS order -> the output tensors, by name
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            result = self.net(input_ids=input_ids, attention_mask=attention_mask, **extra)
            return tuple(getattr(result, o) for o in outputs)

    example = _example_inputs(tokenizer, task, EXAMPLE_TEXTS)
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=model.config.max_position_embeddings)
    onnx_logger = logging.getLogger("torch.onnx")
    level = onnx_logger.level
    onnx_logger.setLevel(logging.ERROR)  # "torchvision is not installed" notes: not used by text models
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*axis name.*will not be used")
            warnings.filterwarnings("ignore", message=r".*LeafSpec.*is deprecated", category=FutureWarning)
            program = torch.onnx.export(Logits(model).eval(), tuple(example[n] for n in names), dynamo=True,
                                        input_names=names, output_names=list(outputs), optimize=True, verbose=False,
                                        dynamic_shapes={n: {0: batch, 1: sequence} for n in names})
    finally:
        onnx_logger.setLevel(level)
    out.mkdir(parents=True, exist_ok=True)
    program.save(str(out / ONNX_FILE))
    tokenizer.save_pretrained(out)
    model.config.save_pretrained(out)
    meta = read_meta(folder)
    meta["onnx"] = {"file": ONNX_FILE, "inputs": names, "outputs": list(outputs), "int8": False,
                    "exported_from": str(folder.resolve()),
                    "exporter": f"torch.onnx.export(dynamo=True), torch {torch.__version__}, "
                                f"transformers {transformers.__version__}"}
    if fuse:
        try:
            meta["onnx"]["fused"] = fuse_for_ort(out / ONNX_FILE)
        except Exception as exc:  # noqa: BLE001 - an unfused graph still runs; say why it is unfused
            program.save(str(out / ONNX_FILE))
            meta["onnx"]["fused"] = f"not fused: {type(exc).__name__}: {exc}"
            warnings.warn(f"{out / ONNX_FILE} left unfused (slower, same results): {exc}", stacklevel=2)
    if check:
        probe = _example_inputs(tokenizer, task, CHECK_TEXTS)
        with torch.inference_mode():
            expected = model(**{n: probe[n] for n in names})
        import onnxruntime as ort

        session = ort.InferenceSession(str(out / ONNX_FILE), providers=["CPUExecutionProvider"])
        got = session.run(list(outputs), {n: probe[n].numpy() for n in names})
        diff = max(float(np.abs(g - getattr(expected, o).numpy()).max()) for g, o in zip(got, outputs))
        if not diff <= FP32_TOLERANCE:
            (out / ONNX_FILE).unlink()
            raise RuntimeError(f"the ONNX export of {folder} differs from PyTorch by {diff:.2g} on a check batch "
                               f"(tolerance {FP32_TOLERANCE}): not written as a working export")
        meta["onnx"]["max_abs_diff_vs_torch"] = diff
    write_meta(out, meta)
    return out.resolve()


class _DropMessage(logging.Filter):
    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def filter(self, record) -> bool:
        return self.text not in record.getMessage()


def quantize_onnx(folder, out, *, embeddings: bool = True) -> Path:
    """An int8 copy of the fp32 export ``folder`` in ``out`` (ONNX Runtime dynamic quantisation).

    The weights of every MatMul -- and, with ``embeddings`` (default), the word/position embedding
    tables (``Gather``) -- are stored as signed 8-bit integers with one scale per output channel
    (per tensor, ONNX Runtime's default, flipped 3.7% of the word tags of a small NER model; per channel
    1.5%) and a 7-bit range (``reduce_range``: on CPUs without VNNI -- AVX2 only, like this project's -- ONNX
    Runtime's u8 x s8 kernel can saturate with full 8-bit weights; on NCBI-disease the full range cost
    1.48 F1 points, the 7-bit range 0.43). Activations are quantised on the fly at run time. About a
    quarter of the fp32 size; check the task metric (``bench/deploy.py`` measures F1 and agreement with fp32).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .models import META_FILE, read_meta, write_meta

    folder, out = Path(str(folder)).expanduser(), Path(str(out)).expanduser()
    _task_of(folder)
    meta = read_meta(folder)
    if not is_onnx_folder(folder):
        raise ValueError(f"{folder}: no {ONNX_FILE} -- export it first (wb.deploy.export_onnx)")
    if meta.get("onnx", {}).get("int8"):
        raise ValueError(f"{folder} is already int8")
    if out.resolve() == folder.resolve():
        raise ValueError(f"write the int8 model to a new folder, not into {folder} itself")
    out.mkdir(parents=True, exist_ok=True)
    for f in folder.iterdir():
        if f.is_file() and f.name not in (ONNX_FILE, META_FILE):
            shutil.copy2(f, out / f.name)
    ops = ["MatMul", "Gather"] if embeddings else ["MatMul"]
    root = logging.getLogger()
    advice = _DropMessage("consider to run pre-processing")  # its shape inference adds nothing here (measured)
    root.addFilter(advice)
    try:
        quantize_dynamic(str(folder / ONNX_FILE), str(out / ONNX_FILE), weight_type=QuantType.QInt8,
                         op_types_to_quantize=ops, per_channel=True, reduce_range=True,
                         extra_options={"DefaultTensorType": 1})  # float, for the fused ops' outputs
    finally:
        root.removeFilter(advice)
    meta["onnx"] = {**meta.get("onnx", {}), "int8": True, "quantized_ops": ops,
                    "quantizer": "onnxruntime.quantization.quantize_dynamic (QInt8 weights per channel, 7-bit "
                                 "range, activations quantised at run time)",
                    "quantized_from": str(folder.resolve())}
    meta["onnx"].pop("max_abs_diff_vs_torch", None)
    write_meta(out, meta)
    return out.resolve()
