"""``python -m workbench ner train|evaluate|predict``: the command line of :mod:`workbench.ner`."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from ..checks import check_model
from ..data import load_ner_dataset
from ..errors import UsageError
from ..ner import as_dataset, evaluate_ner, folder_labels, load_tagger, train_ner
from . import (
    add_training_options,
    check_training_args,
    fraction,
    nonnegative_int,
    positive_int,
    print_json,
    print_json_line,
    training_sizes,
)


def _cmd_train(args) -> int:
    check_training_args(args, "ner")
    sizes = training_sizes(args, "ner")
    data = as_dataset(args.data, args.entity_type)
    if "train" not in data or not len(data["train"]):
        raise UsageError(f"--data {args.data}: the train split is empty (no sentences): nothing to learn from")
    with contextlib.redirect_stdout(sys.stderr):  # what training prints; stdout stays pure JSON
        run = train_ner(data, args.model, args.out, sizes=sizes, stride=args.stride, seed=args.seed,
                        entity_type=args.entity_type, label_all_tokens=args.label_all_tokens,
                        group_by_length=args.group_by_length, resume=args.resume)
    summary = {"model": run.name, "out_dir": str(run.out_dir), "labels": run.labels, **run.data_used,
               "epochs": run.settings["epochs"], "dev": run.dev}
    if "test" in data:
        summary["test"] = run.evaluate(data["test"]).as_dict()
        summary["test"].pop("errors", None)
    print_json(summary)
    return 0


def _entity_type_for(model_dir: str, given: str | None) -> str:
    if given:
        return given
    types = sorted({lab[2:] for lab in folder_labels(model_dir) if lab != "O"})
    return types[0] if len(types) == 1 else "Entity"


def _cmd_evaluate(args) -> int:
    check_model(args.model, "ner")
    data = load_ner_dataset(args.data, entity_type=_entity_type_for(args.model, args.entity_type))
    if args.split not in data:
        raise UsageError(f"--split {args.split}: {args.data} has no {args.split!r} split (found {sorted(data)})")
    if not len(data[args.split]):
        raise UsageError(f"--data {args.data}: the {args.split!r} split is empty: nothing to score")
    report = evaluate_ner(args.model, data[args.split], max_samples=args.max_samples, batch_size=args.batch_size)
    print_json(report.as_dict())
    return 0


PREDICT_CHUNK = 256  # texts tagged (and printed) together: big enough for full batches, small enough to stream


def _not_utf8(source: str, line: int, err: UnicodeDecodeError):
    from ..errors import DataFormatError

    return DataFormatError(f"{source}:{line}: not UTF-8 text ({err.reason} at byte {err.start}); save the file as UTF-8")


def _texts(paths: list[str], lines: bool, progress=None):
    """``{"source", ["line",] "text"}`` records one at a time: whole files, or (``lines``) every non-empty line;
    standard input when there are no paths. Nothing is read ahead of what is being tagged. Lines end at
    ``\n`` only; a line's ``\r\n`` is dropped with it; errors name the file and line."""
    for path in paths or [None]:
        source = path or "<stdin>"
        handle = open(path, "rb") if path else getattr(sys.stdin, "buffer", sys.stdin)
        try:
            if not lines:
                data = handle.read()
                if progress is not None:
                    progress.update(len(data))
                try:
                    text = data.decode("utf-8") if isinstance(data, bytes) else data
                except UnicodeDecodeError as err:
                    raise _not_utf8(source, data[:err.start].count(b"\n") + 1, err) from None
                yield {"source": source, "text": text}
                continue
            for n, raw in enumerate(handle, 1):  # bytes decoded line by line: errors name their line
                if progress is not None:
                    progress.update(len(raw))
                try:
                    line = (raw.decode("utf-8") if isinstance(raw, bytes) else raw).rstrip("\r\n")
                except UnicodeDecodeError as err:
                    raise _not_utf8(source, n, err) from None
                if line.strip():
                    yield {"source": source, "line": n, "text": line}
        finally:
            if path:
                handle.close()


def _chunks(records, size: int):
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cmd_predict(args) -> int:
    import os

    from tqdm.auto import tqdm

    for path in args.files:
        if Path(path).is_dir():
            raise IsADirectoryError(f"{path}: is a folder; give a text file")
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
    check_model(args.model, "ner")
    tagger = load_tagger(args.model, batch_size=args.batch_size)
    total = sum(os.path.getsize(p) for p in args.files) if args.files else None
    # a progress bar on stderr when it is a terminal (tqdm's rule); stdout carries only the JSON lines
    with tqdm(total=total, unit="B", unit_scale=True, desc="tagging", file=sys.stderr, disable=None,
              leave=False) as progress:
        for chunk in _chunks(_texts(args.files, args.lines, progress), PREDICT_CHUNK):
            for record, entities in zip(chunk, tagger([r["text"] for r in chunk])):
                if not args.with_text:
                    record.pop("text")
                print_json_line({**record, "entities": entities})
            sys.stdout.flush()
    return 0


def register_cli(subparsers) -> None:
    """``python -m workbench ner train|evaluate|predict``."""
    ner = subparsers.add_parser("ner", help="fine-tune, evaluate and run biomedical NER")
    sub = ner.add_subparsers(dest="ner_command", metavar="ACTION", required=True)

    p = sub.add_parser("train", help="fine-tune on a folder of train/devel/test .tsv (BioBERT format)")
    p.add_argument("--data", required=True, help="folder with train/devel/test .tsv, or 'sample'")
    add_training_options(p, "ner", "biobert")
    p.add_argument("--stride", type=nonnegative_int, default=None, help="overlap of windows in word pieces (default 32)")
    p.add_argument("--entity-type", default="Entity", help="type for bare B/I tags (NCBI-disease: Disease)")
    p.add_argument("--label-all-tokens", action="store_true", help="label every word piece (B->I on continuations)")
    p.add_argument("--group-by-length", action="store_true",
                   help="batches of similar length: faster on a CPU, slightly lower F1 on short budgets")
    p.add_argument("--warmup", type=fraction, default=None, help="fraction of steps with a rising learning rate")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="entity-level P/R/F1 of a fine-tuned model (JSON)")
    p.add_argument("--data", required=True, help="folder with train/devel/test .tsv")
    p.add_argument("--model", required=True, help="fine-tuned model folder")
    p.add_argument("--split", default="test", choices=("train", "devel", "test"))
    p.add_argument("--entity-type", default=None, help="type for bare B/I tags (default: the model's only type)")
    p.add_argument("--max-samples", type=positive_int, default=None, help="only the first N sentences")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("predict", help="entities with character offsets, one JSON object per document/line "
                                       "(streamed: any number of lines; a progress bar on a terminal)")
    p.add_argument("--model", required=True, help="fine-tuned model folder, or its ONNX export")
    p.add_argument("files", nargs="*", help="text files (default: read standard input)")
    p.add_argument("--lines", action="store_true",
                   help="every non-empty line (ended by \\n) is its own text; offsets index the line")
    p.add_argument("--with-text", action="store_true", help="repeat the text in each output record")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.set_defaults(func=_cmd_predict)
