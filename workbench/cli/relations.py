"""``python -m workbench re train|evaluate|predict``: the command line of :mod:`workbench.relations`."""
from __future__ import annotations

import contextlib
import json
import sys
from typing import Callable

from ..checks import check_model
from ..errors import UsageError
from ..files import read_user_text
from ..relations import (
    MASK,
    STYLES,
    RelationClassifier,
    confusion_matrix,
    evaluate_relations,
    extract_relations,
    load_pairs_dataset,
    load_re_dataset,
    load_re_sample,
    train_relation_classifier,
)
from ..text import split_lines
from . import add_training_options, check_training_args, print_json, print_json_line, training_sizes, type_list, type_pair


def _load_data(spec: str, style: str = "mask"):
    if spec.startswith("sample:"):
        return load_re_sample(spec.split(":", 1)[1], style)
    if style == "markers":
        return load_pairs_dataset(spec, style)
    return load_re_dataset(spec)


def _ner_from_arg(spec: str) -> Callable:
    if spec == "lexicon":
        from ..usecases import lexicon_tagger

        return lexicon_tagger()
    from .. import ner

    return ner.sample_tagger() if spec == "sample" else ner.load_tagger(spec)


def _cmd_train(args) -> int:
    check_training_args(args, "re")
    sizes = training_sizes(args, "re")
    data = _load_data(args.data, args.style)
    if "train" not in data or not len(data["train"]):
        raise UsageError(f"--data {args.data}: no training examples (train.tsv / train.jsonl missing or empty)")
    with contextlib.redirect_stdout(sys.stderr):  # what training prints; stdout stays pure JSON
        result = train_relation_classifier(data, args.model, args.out, sizes=sizes, style=args.style,
                                           entity_types=args.types, seed=args.seed, resume=args.resume)
    test = {k: v for k, v in result.metrics.items() if k in ("precision", "recall", "f1", "n", "convention")}
    print_json({"model": result.name, "out_dir": str(result.out_dir), **result.data_used,
                "epochs": result.settings["epochs"], "test": test})
    return 0


def _cmd_evaluate(args) -> int:
    check_model(args.model, "relation-classification")
    clf = RelationClassifier.from_pretrained(args.model)
    data = _load_data(args.data, clf.style)
    if args.split not in data:
        raise UsageError(f"--split {args.split!r} not in {list(data)}")
    m = evaluate_relations(clf, data[args.split])
    if args.json:
        print(json.dumps({k: v for k, v in m.items() if k not in ("gold", "pred")}, indent=2))
        return 0
    print(f"model: {m['model']}\nmetric: {m['convention']}")
    print(f"precision {m['precision']:.4f}  recall {m['recall']:.4f}  F1 {m['f1']:.4f}  accuracy {m['accuracy']:.4f}"
          f"  n={m['n']}")
    matrix = confusion_matrix(m["gold"], m["pred"], m["labels"])
    width = max(len(x) for x in m["labels"]) + 2
    print("confusion (rows gold, columns predicted):")
    print(" " * width + "".join(f"{x:>{width}}" for x in m["labels"]))
    for lab, row in zip(m["labels"], matrix):
        print(f"{lab:>{width}}" + "".join(f"{v:>{width}}" for v in row))
    return 0


def marking_of(line: str) -> str | None:
    """``"mask"`` (two ``@GENE$``-style masks), ``"markers"`` (``[E1-...]``) or None (raw text)."""
    if "[E1-" in line and "[E2-" in line:
        return "markers"
    masks = MASK.findall(line)
    return "mask" if len(masks) >= 2 or (masks and "-" in masks[0]) else None


def _cmd_predict(args) -> int:
    text = read_user_text(args.input)
    source = "<stdin>" if args.input == "-" else args.input
    lines = [(n, text[a:b]) for n, a, b in split_lines(text) if text[a:b].strip()]
    if not lines:
        raise UsageError(f"--input {source}: no text (every line is empty)")
    check_model(args.model, "relation-classification")
    raw = [(n, line) for n, line in lines if marking_of(line) is None]
    if raw and args.ner not in ("lexicon", "sample"):
        check_model(args.ner, "ner", "--ner")
    clf = RelationClassifier.from_pretrained(args.model)
    marked = [(n, line) for n, line in lines if marking_of(line) is not None]
    for n, line in marked:
        if marking_of(line) != clf.style:
            raise UsageError(f"{source}:{n}: the pair is marked in the {marking_of(line)} style, but the model was "
                             f"trained on the {clf.style} style; mark it as {'@GENE$' if clf.style == 'mask' else '[E1-GENE] ... [/E1-GENE]'}"
                             f" or give raw text")
    rows = [(n, {"line": n, "sentence": line, **p}) for (n, line), p in zip(marked, clf([x for _, x in marked]))]
    if raw:
        found = extract_relations([x for _, x in raw], _ner_from_arg(args.ner), clf, pair_types=args.pairs,
                                  keep_negative=args.all)
        rows += [(raw[r["doc"]][0], {"line": raw[r["doc"]][0], **{k: v for k, v in r.items() if k not in ("input", "doc")}})
                 for r in found]
    for _, row in sorted(rows, key=lambda x: x[0]):
        print_json_line(row)
    return 0


def register_cli(subparsers) -> None:
    """``python -m workbench re train|evaluate|predict``."""
    p = subparsers.add_parser("re", help="relation extraction: train, evaluate, predict")
    sub = p.add_subparsers(dest="re_command", metavar="ACTION", required=True)
    t = sub.add_parser("train", help="fine-tune a relation classifier (BioBERT RE TSV folder or sample:NAME)")
    t.add_argument("--data", default="sample:gene_disease",
                   help="folder with train.tsv/test.tsv, or sample:gene_disease|chemprot|ade (default %(default)s)")
    add_training_options(t, "re", "biobert")
    t.add_argument("--style", choices=STYLES, default="mask", help="mask (@GENE$) or markers ([E1-GENE]); markers needs jsonl data")
    t.add_argument("--types", type=type_list, default=["Gene", "Disease"],
                   help="entity types for marker tokens, comma-separated (default Gene,Disease)")
    t.set_defaults(func=_cmd_train)
    e = sub.add_parser("evaluate", help="P/R/F1 (negative class excluded) and a confusion matrix")
    e.add_argument("--model", required=True, help="folder saved by 're train'")
    e.add_argument("--data", default="sample:gene_disease")
    e.add_argument("--split", default="test")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_cmd_evaluate)
    r = sub.add_parser("predict", help="classify marked sentences, or extract relations from raw text (one per line)")
    r.add_argument("--model", required=True, help="folder saved by 're train'")
    r.add_argument("--input", default="-",
                   help="UTF-8 text file, one sentence/document per line (ended by \\n; default stdin); marked "
                        "lines are classified, raw lines go through --ner; output in line order with 'line'")
    r.add_argument("--ner", default="lexicon", help="for raw text: lexicon (dictionary), sample (wb.ner.sample_tagger) or a tagger folder")
    r.add_argument("--pairs", nargs="+", type=type_pair, default=[("Gene", "Disease")],
                   help="head:tail entity types (default Gene:Disease)")
    r.add_argument("--all", action="store_true", help="also print pairs classified as no relation")
    r.set_defaults(func=_cmd_predict)
