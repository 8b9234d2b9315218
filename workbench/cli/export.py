"""``python -m workbench export FOLDER OUT [--int8]``: a fine-tuned folder to ONNX (:mod:`workbench.runtime`)."""
from __future__ import annotations

from pathlib import Path

from . import print_json


def _cmd_export(args) -> int:
    from ..deploy import folder_size_mb
    from ..models import read_meta
    from ..runtime import export_onnx, is_onnx_folder, quantize_onnx

    folder = Path(args.folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such model folder")
    if args.keep_embeddings_fp32 and not args.int8:
        raise ValueError("--keep-embeddings-fp32 goes with --int8")
    embeddings = not args.keep_embeddings_fp32
    if is_onnx_folder(folder):
        if not args.int8:
            raise ValueError(f"{folder} is already an ONNX export (add --int8 to make an int8 copy of it)")
        out = quantize_onnx(folder, args.out, embeddings=embeddings)
    else:
        out = export_onnx(folder, args.out, int8=args.int8, embeddings=embeddings)
    meta = read_meta(out)
    print_json({"out": str(out), "task": meta.get("task"), "onnx": meta.get("onnx"),
                "size_mb": round(folder_size_mb(out), 1), "load_with": _load_hint(meta.get("task"), out)})
    return 0


def _load_hint(task: str | None, out: Path) -> str:
    return {"ner": f"wb.ner.load_tagger({str(out)!r})  |  python -m workbench ner predict --model {out}",
            "question-answering": f"wb.qa.answer(question, contexts, model={str(out)!r})",
            "relation-classification": f"wb.relations.RelationClassifier.from_pretrained({str(out)!r})"}.get(task, "")


def register_cli(subparsers) -> None:
    """``python -m workbench export FOLDER OUT [--int8]``."""
    p = subparsers.add_parser("export", help="export a fine-tuned NER/QA/RE folder to ONNX (optionally int8)")
    p.add_argument("folder", help="fine-tuned workbench model folder (or an ONNX export, with --int8)")
    p.add_argument("out", help="new folder for model.onnx, the tokenizer and the metadata")
    p.add_argument("--int8", action="store_true", help="int8 weights and embeddings (ONNX Runtime dynamic quantisation)")
    p.add_argument("--keep-embeddings-fp32", action="store_true",
                   help="with --int8: quantise only the matrix multiplications, not the embedding tables")
    p.set_defaults(func=_cmd_export)
