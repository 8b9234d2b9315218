"""``python -m workbench re train|evaluate|predict``: the command line of :mod:`workbench.relations`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

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
from . import add_training_options


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
    import dataclasses

    from ..env import run_sizes

    sizes = run_sizes("re")
    if args.all_samples:  # the whole training split, whatever fast mode says
        sizes = dataclasses.replace(sizes, max_train_samples=None, max_eval_samples=None)
    data = _load_data(args.data, args.style)
    result = train_relation_classifier(
        data, args.model, args.out, sizes=sizes, style=args.style, entity_types=args.types.split(","),
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr, max_length=args.max_length,
        max_train_samples=args.max_train_samples, max_eval_samples=args.max_eval_samples, seed=args.seed,
        resume=args.resume)
    m = result.metrics
    if "f1" in m:
        print(f"{m['model']}: P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  ({m['convention']}, n={m['n']})")
    print(f"saved to {result.out_dir}")
    return 0


def _cmd_evaluate(args) -> int:
    clf = RelationClassifier.from_pretrained(args.model)
    data = _load_data(args.data, clf.style)
    if args.split not in data:
        raise ValueError(f"--split {args.split!r} not in {list(data)}")
    m = evaluate_relations(clf, data[args.split])
    if args.json:
        print(json.dumps({k: v for k, v in m.items() if k not in ("gold", "pred")}, indent=2))
        return 0
    print(f"model: {m['model']}\nmetric: {m['convention']}")
    print(f"precision {m['precision']:.4f}  recall {m['recall']:.4f}  F1 {m['f1']:.4f}  accuracy {m['accuracy']:.4f}  n={m['n']}")
    matrix = confusion_matrix(m["gold"], m["pred"], m["labels"])
    width = max(len(x) for x in m["labels"]) + 2
    print("confusion (rows gold, columns predicted):")
    print(" " * width + "".join(f"{x:>{width}}" for x in m["labels"]))
    for lab, row in zip(m["labels"], matrix):
        print(f"{lab:>{width}}" + "".join(f"{v:>{width}}" for v in row))
    return 0


def _cmd_predict(args) -> int:

    clf = RelationClassifier.from_pretrained(args.model)
    if args.input == "-":
        lines = sys.stdin.read().splitlines()
    else:
        lines = Path(args.input).read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line.strip()]
    if all(len(MASK.findall(line)) >= 2 or "[E1-" in line for line in lines):  # already marked
        for line, p in zip(lines, clf(lines)):
            print(json.dumps({"sentence": line, **p}))
        return 0
    pairs = [tuple(p.split(":")) for p in args.pairs]
    for r in extract_relations(lines, _ner_from_arg(args.ner), clf, pair_types=pairs, keep_negative=args.all):
        print(json.dumps({k: v for k, v in r.items() if k != "input"}))
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
    t.add_argument("--types", default="Gene,Disease", help="entity types for marker tokens (default %(default)s)")
    t.add_argument("--all-samples", action="store_true", help="train on the whole training split, even in fast mode")
    t.set_defaults(func=_cmd_train)
    e = sub.add_parser("evaluate", help="P/R/F1 (negative class excluded) and a confusion matrix")
    e.add_argument("--model", required=True, help="folder saved by 're train'")
    e.add_argument("--data", default="sample:gene_disease")
    e.add_argument("--split", default="test")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_cmd_evaluate)
    r = sub.add_parser("predict", help="classify marked sentences, or extract relations from raw text (one per line)")
    r.add_argument("--model", required=True, help="folder saved by 're train'")
    r.add_argument("--input", default="-", help="text file, one sentence/document per line (default stdin)")
    r.add_argument("--ner", default="lexicon", help="for raw text: lexicon (dictionary), sample (wb.ner.sample_tagger) or a tagger folder")
    r.add_argument("--pairs", nargs="+", default=["Gene:Disease"], help="head:tail entity types (default %(default)s)")
    r.add_argument("--all", action="store_true", help="also print pairs classified as no relation")
    r.set_defaults(func=_cmd_predict)
