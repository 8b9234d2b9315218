"""Benchmark: workbench relation extraction vs a plain-transformers reference on GAD fold 1.

    python bench/re.py [--model biobert] [--train 1000] [--epochs 1] [--sentences 300]

1. F1 after the same budget: the same model, seed, subset of training sentences (shuffled with the
   seed), epochs, batch size, learning rate and max length, trained (a) by
   ``wb.relations.train_relation_classifier`` and (b) by the standard Hugging Face
   sequence-classification recipe written out below (AutoModelForSequenceClassification + Trainer,
   plain truncation, default schedule). Both evaluated on the full GAD fold-1 test set with
   positive-class F1 (the GAD convention). Target: workbench >= reference.
2. Throughput of ``extract_relations`` (sentence split -> dictionary NER -> pairs -> masks ->
   classifier) on raw sentences, next to the classifier alone on the same, pre-marked inputs.

Offline the model is the stand-in (all-MiniLM-L6-v2), labelled as such. Timings depend on what
else runs on the machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench as wb  # noqa: E402
from workbench import relations as R  # noqa: E402


def positive_f1(gold, pred, positive=1) -> tuple[float, float, float]:
    """Precision, recall, F1 of the positive class -- written out independently of workbench."""
    tp = sum(g == p == positive for g, p in zip(gold, pred))
    n_pred, n_gold = sum(p == positive for p in pred), sum(g == positive for g in gold)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def reference_run(data, model_name: str, train_n: int, epochs: float, batch_size: int, lr: float,
                  max_length: int, seed: int) -> dict:
    """The standard HF recipe: tokenize with truncation, AutoModelForSequenceClassification, Trainer."""
    import numpy as np
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                              TrainingArguments, set_seed)
    from transformers.trainer_callback import PrinterCallback

    set_seed(seed)
    source = wb.resolve(model_name).source
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=2)
    train = data["train"].shuffle(seed=seed).select(range(min(train_n, len(data["train"]))))
    enc = lambda b: tokenizer(b["sentence"], truncation=True, max_length=max_length)  # noqa: E731
    train_tok = train.map(enc, batched=True, remove_columns=["id", "sentence"])
    test_tok = data["test"].map(enc, batched=True, remove_columns=["id", "sentence"])
    args = TrainingArguments(output_dir=str(wb.runs_dir("bench", "re_reference")), num_train_epochs=epochs,
                             learning_rate=lr, per_device_train_batch_size=batch_size, per_device_eval_batch_size=32,
                             seed=seed, save_strategy="no", report_to="none", disable_tqdm=True,
                             use_cpu=not torch.cuda.is_available(), logging_strategy="no")
    trainer = Trainer(model=model, args=args, train_dataset=train_tok, processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer))
    trainer.remove_callback(PrinterCallback)  # quiet; no effect on training
    train_s = trainer.train().metrics["train_runtime"]
    pred = np.argmax(trainer.predict(test_tok).predictions, axis=-1).tolist()
    p, r, f1 = positive_f1(data["test"]["label"], pred)
    return {"precision": p, "recall": r, "f1": f1, "train_s": train_s}


def workbench_run(data, model_name, train_n, epochs, batch_size, lr, max_length, seed) -> tuple[dict, object]:
    run = R.train_relation_classifier(data, model_name, None, style="mask", epochs=epochs, batch_size=batch_size,
                                      learning_rate=lr, max_length=max_length, max_train_samples=train_n, seed=seed,
                                      eval_split=None)
    train_s = next(h["train_runtime"] for h in run.trainer.state.log_history if "train_runtime" in h)
    pred = [int(p["label"]) for p in run.classifier(data["test"]["sentence"])]
    p, r, f1 = positive_f1(data["test"]["label"], pred)
    return {"precision": p, "recall": r, "f1": f1, "train_s": train_s}, run.classifier


def throughput(classifier, n: int) -> dict:
    """extract_relations on ``n`` raw sentences vs the classifier alone on the same marked inputs."""
    rows = []
    for split in ("train", "test"):
        rows += R.read_pairs_jsonl(wb.data.DATA_DIR / "re" / "gene_disease" / f"{split}.jsonl")
    texts = [r["text"] for r in rows[:n]]
    ner = wb.usecases.lexicon_tagger()
    classifier([R.mark_pair(texts[0], (0, 1, "Gene"), (2, 3, "Disease"))])  # warm-up
    t0 = time.perf_counter()
    records = R.extract_relations(texts, ner, classifier, keep_negative=True)
    full_s = time.perf_counter() - t0
    inputs = [r["input"] for r in records]
    t0 = time.perf_counter()
    classifier(inputs)
    clf_s = time.perf_counter() - t0
    return {"sentences": len(texts), "pairs": len(records), "extract_s": full_s, "classify_s": clf_s}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="biobert")
    ap.add_argument("--data", default=None, help="GAD fold folder (default: fold 1 of wb.data.corpus_dir('gad'))")
    ap.add_argument("--train", type=int, default=1000, help="training sentences (shuffled subset)")
    ap.add_argument("--epochs", type=float, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--sentences", type=int, default=300, help="raw sentences for the throughput test")
    args = ap.parse_args(argv)
    wb.env.quiet_libraries()
    data = R.load_re_dataset(args.data or wb.data.corpus_dir("gad") / "1")
    model_label = wb.resolve(args.model).display_name
    budget = (args.train, args.epochs, args.batch_size, args.lr, args.max_length, args.seed)
    print(f"GAD fold 1: train {len(data['train'])}, test {len(data['test'])}; model: {model_label}")
    print(f"budget: {args.train} train sentences, {args.epochs:g} epoch(s), batch {args.batch_size}, lr {args.lr:g}, "
          f"max_length {args.max_length}, seed {args.seed}; threads {__import__('torch').get_num_threads()}\n")
    ref = reference_run(data, args.model, *budget)
    ours, classifier = workbench_run(data, args.model, *budget)
    speed = throughput(classifier, args.sentences)

    rows = [("positive-class F1 (GAD test, 534)", ours["f1"], ref["f1"], "{:.4f}"),
            ("precision", ours["precision"], ref["precision"], "{:.4f}"),
            ("recall", ours["recall"], ref["recall"], "{:.4f}"),
            ("trainer.train() time, s", ours["train_s"], ref["train_s"], "{:.1f}")]
    print(f"| {'metric':<36} | {'workbench':>10} | {'HF reference':>12} | {'ratio':>6} |")
    print(f"|{'-' * 38}|{'-' * 12}|{'-' * 14}|{'-' * 8}|")
    for name, a, b, fmt in rows:
        print(f"| {name:<36} | {fmt.format(a):>10} | {fmt.format(b):>12} | {a / b if b else float('nan'):>6.3f} |")
    full = speed["sentences"] / speed["extract_s"]
    clf_only = speed["pairs"] / speed["classify_s"]
    print(f"\n| {'extract_relations throughput':<36} | {'value':>10} |")
    print(f"|{'-' * 38}|{'-' * 12}|")
    print(f"| {'raw sentences':<36} | {speed['sentences']:>10} |")
    print(f"| {'candidate pairs classified':<36} | {speed['pairs']:>10} |")
    print(f"| {'sentences/s, end to end':<36} | {full:>10.1f} |")
    print(f"| {'pairs/s, classifier alone':<36} | {clf_only:>10.1f} |")
    print(f"| {'end-to-end / classifier-only time':<36} | {speed['extract_s'] / speed['classify_s']:>10.2f} |")
    verdict = "meets" if ours["f1"] >= ref["f1"] else "BELOW"
    print(f"\nworkbench F1 {ours['f1']:.4f} {verdict} the reference {ref['f1']:.4f} ({model_label}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
