"""Benchmark: workbench NER vs plain transformers on NCBI-disease and BC5CDR (../shared/data).

    python bench/ner.py [--model biobert] [--corpora ncbi_disease bc5cdr_typed] [--train 1500]
                        [--epochs 1] [--seeds 42 43 44] [--infer-sentences 1000]

For each corpus, in one run:

1. Quality after the same budget, the mean over ``--seeds`` (at this small budget the seed moves F1 by a
   few hundredths). The same model, seed, shuffled subset of training sentences, epochs, batch size,
   learning rate and max length, trained (a) by ``wb.ner.train_ner`` and (b) by the standard Hugging
   Face token-classification recipe written out below (``tokenize_and_align_labels`` with truncation,
   ``DataCollatorForTokenClassification``, ``Trainer``); the workbench also with ``group_by_length=True``
   (batches of similar length: faster on a CPU; its F1 and training time are shown). All scored with
   seqeval (entity level, conlleval mode) on the whole test split against the *full* gold tags. The
   reference cannot predict words cut off by truncation, so they count as ``O``; the F1 it reports about
   itself (truncated gold, as ``run_ner.py`` does) is shown on its own row. Target: workbench >= reference.
2. Inference on raw text (the test sentences as strings), each in its own subprocess so peak RSS is
   its own: ``wb.ner.predict_entities`` vs ``pipeline("token-classification",
   aggregation_strategy="simple")``, same fine-tuned model and batch size, entities mapped back to
   the corpus words by character offsets and scored with seqeval. Target: >= 2x the pipeline's
   sentences/s at equal or better F1. In the workbench subprocess, the bare model forward on the same
   pre-built batches (``ner.encode`` + ``ner.batches``) is timed too, alternating with the tagger, and the
   time the tagger spends inside the model's forward is clocked during its own call: the overhead
   (sentence split, words, word pieces, windows, batching, merge, spans) is the rest, as a fraction of the
   forward -- target <= 15%. The machine's load drifts (2 shared cores), so the systems run alternately
   (``--rounds`` subprocesses each) and each timing is the best of its runs (timeit's rule).
3. Round trip: gold tags through align -> windows -> merge at max_length 128 on every split:
   F1 1.000, and how many sentences needed more than one window.

Offline the model is the stand-in (all-MiniLM-L6-v2), labelled as such -- not BioBERT. Timings
depend on what else runs on the machine (2 shared CPU cores when this was written).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench as wb  # noqa: E402
from tables import table  # noqa: E402
from workbench import ner  # noqa: E402


# ---------------------------------------------------------------- shared helpers (independent of workbench.ner)


def texts_and_offsets(sentences):
    """Each sentence's words joined by single spaces, and every word's character offsets."""
    texts, offsets = [], []
    for words in sentences:
        pos, offs = 0, []
        for w in words:
            offs.append((pos, pos + len(w)))
            pos += len(w) + 1
        texts.append(" ".join(words))
        offsets.append(offs)
    return texts, offsets


def entities_to_word_tags(entities, offsets, label_key):
    """IOB2 tags per word from character-offset entities; a word belongs to the first entity overlapping it."""
    tags = ["O"] * len(offsets)
    for ent in sorted(entities, key=lambda e: e["start"]):
        label = str(ent[label_key])
        label = label[2:] if label[:2] in ("B-", "I-") else label
        inside = [i for i, (a, b) in enumerate(offsets) if a < ent["end"] and b > ent["start"] and tags[i] == "O"]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + label
    return tags


def seqeval_f1(gold, pred) -> dict:
    from seqeval.metrics import f1_score, precision_score, recall_score

    return {"precision": float(precision_score(gold, pred, zero_division=0)),
            "recall": float(recall_score(gold, pred, zero_division=0)),
            "f1": float(f1_score(gold, pred, zero_division=0))}


def gold_tags(split) -> list[list[str]]:
    names = wb.data.tag_names(split)
    return [[names[t] for t in tags] for tags in split["ner_tags"]]


# ---------------------------------------------------------------- 1. quality after the same budget


def reference_run(data, model_name, train_n, epochs, batch_size, lr, max_length, seed) -> dict:
    """The standard HF token-classification recipe (course / run_ner.py), written out."""
    import numpy as np
    import torch
    from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification,
                              Trainer, TrainingArguments, set_seed)
    from transformers.trainer_callback import PrinterCallback

    set_seed(seed)
    labels = wb.data.tag_names(data["train"])
    source = wb.resolve(model_name).source
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForTokenClassification.from_pretrained(
        source, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={v: k for k, v in enumerate(labels)})

    def tokenize_and_align_labels(batch):
        enc = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
        all_labels = []
        for i, tags in enumerate(batch["ner_tags"]):
            previous, row = None, []
            for w in enc.word_ids(i):
                row.append(-100 if w is None or w == previous else tags[w])
                previous = w
            all_labels.append(row)
        enc["labels"] = all_labels
        return enc

    train = data["train"].shuffle(seed=seed).select(range(min(train_n, len(data["train"]))))
    columns = data["train"].column_names
    train_tok = train.map(tokenize_and_align_labels, batched=True, remove_columns=columns)
    test_tok = data["test"].map(tokenize_and_align_labels, batched=True, remove_columns=columns)
    args = TrainingArguments(output_dir=str(wb.runs_dir("bench", "ner_reference")), num_train_epochs=epochs,
                             learning_rate=lr, per_device_train_batch_size=batch_size, per_device_eval_batch_size=32,
                             weight_decay=0.01, seed=seed, save_strategy="no", report_to="none", disable_tqdm=True,
                             use_cpu=not torch.cuda.is_available(), logging_strategy="no")
    trainer = Trainer(model=model, args=args, train_dataset=train_tok, processing_class=tokenizer,
                      data_collator=DataCollatorForTokenClassification(tokenizer))
    trainer.remove_callback(PrinterCallback)
    train_s = trainer.train().metrics["train_runtime"]
    out = trainer.predict(test_tok)
    pred_ids = np.argmax(out.predictions, axis=-1)
    gold = gold_tags(data["test"])
    self_gold, self_pred, full_pred, cut = [], [], [], 0
    for i, g in enumerate(gold):
        keep = [k for k, lab in enumerate(out.label_ids[i]) if lab != -100]  # first pieces of the words kept
        words = [labels[pred_ids[i][k]] for k in keep]
        self_pred.append(words)
        self_gold.append(g[:len(words)])  # what run_ner.py compares against: the truncated gold
        full_pred.append(words + ["O"] * (len(g) - len(words)))
        cut += len(words) < len(g)
    return {**seqeval_f1(gold, full_pred), "self_reported_f1": seqeval_f1(self_gold, self_pred)["f1"],
            "train_s": train_s, "truncated_sentences": cut}


def workbench_run(data, model_name, train_n, epochs, batch_size, lr, max_length, seed, out_dir, **options) -> dict:
    run = ner.train_ner(data, model_name, out_dir, epochs=epochs, learning_rate=lr, batch_size=batch_size,
                        max_length=max_length, max_train_samples=train_n, max_eval_samples=500, seed=seed,
                        progress=False, **options)
    train_s = next(h["train_runtime"] for h in run.history if "train_runtime" in h)
    pred = run.tagger().predict_words(data["test"]["tokens"])
    return {**seqeval_f1(gold_tags(data["test"]), pred), "train_s": train_s,
            "windowed_sentences": run.windowed_train_sentences}


def mean_scores(runs: list[dict]) -> dict:
    """The mean of every numeric field over runs with different seeds."""
    return {k: sum(r[k] for r in runs) / len(runs) for k in runs[0] if isinstance(runs[0][k], (int, float))}


# ---------------------------------------------------------------- 2. inference, one subprocess per system


def _infer_child(system: str, model_dir: str, texts_file: str, batch_size: int, repeat: int) -> None:
    """Runs in a subprocess: loads the model, times one system on the texts, prints JSON to stdout."""
    import torch

    wb.env.quiet_libraries()
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    result: dict = {}
    if system == "workbench":
        tagger = ner.load_tagger(model_dir, batch_size=batch_size)
        tagger(texts[:8])  # warm-up
        rss_loaded = wb.deploy.rss_mb()
        # The bare forward on exactly the windows the tagger builds (its sentences and words, then encode).
        sentences = [[w for w, _, _ in words] for _, words in tagger.units(texts)]
        encoded = ner.encode(tagger.tokenizer, sentences, max_length=tagger.max_length, stride=tagger.stride)
        prepared = list(ner.batches(encoded, batch_size, tagger.tokenizer.pad_token_id))
        model = tagger.model.eval()
        inside = [0.0]  # seconds spent inside the model's forward during tagger calls
        forward = model.forward

        def timed_forward(*a, **kw):
            t = time.perf_counter()
            try:
                return forward(*a, **kw)
            finally:
                inside[0] += time.perf_counter() - t

        def bare():
            with torch.inference_mode():
                for _, ids, mask in prepared:
                    model(input_ids=ids, attention_mask=mask).logits.numpy()

        seconds, bare_s, split = float("inf"), float("inf"), (0.0, 0.0)
        for _ in range(repeat):  # alternate, keep the best of each (timeit's rule): same load for both
            model.forward, inside[0] = timed_forward, 0.0
            t0 = time.perf_counter()
            entities = tagger(texts)
            elapsed = time.perf_counter() - t0
            model.forward = forward
            if elapsed < seconds:
                seconds, split = elapsed, (inside[0], elapsed - inside[0])
            t0 = time.perf_counter()
            bare()
            bare_s = min(bare_s, time.perf_counter() - t0)
        result.update(bare_forward_s=bare_s, forward_in_call_s=split[0], rest_in_call_s=split[1])
        result["windows"] = len(encoded.windows)
    else:
        from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModelForTokenClassification.from_pretrained(model_dir)
        tag = pipeline("token-classification", model=model, tokenizer=tokenizer, aggregation_strategy="simple",
                       device=-1)
        tag(texts[:8], batch_size=batch_size)  # warm-up
        rss_loaded = wb.deploy.rss_mb()
        seconds = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            raw = tag(texts, batch_size=batch_size)
            seconds = min(seconds, time.perf_counter() - t0)
        entities = [[{"start": int(e["start"]), "end": int(e["end"]), "entity_group": e["entity_group"]} for e in ents]
                    for ents in raw]
    result.update(seconds=seconds, rss_loaded_mb=rss_loaded, peak_rss_mb=wb.deploy.peak_rss_mb(),
                  entities=entities,
                  threads=torch.get_num_threads())
    print(json.dumps(result))


def infer(system: str, model_dir: Path, texts: list[str], batch_size: int, repeat: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(texts, f)
    try:
        proc = subprocess.run([sys.executable, __file__, "--_infer", system, "--_model-dir", str(model_dir),
                               "--_texts", f.name, "--batch-size", str(batch_size),
                               "--repeat", str(repeat)],
                              capture_output=True, text=True, check=False)
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        raise RuntimeError(f"{system} inference subprocess failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report




def bench_corpus(name, args, model_label) -> dict:
    data = wb.data.load_corpus(name)
    counts = {k: len(v) for k, v in data.items()}
    print(f"\n=== {name}: {counts} sentences; types {sorted(wb.data.entity_counts(data['test']))}")
    t0 = time.perf_counter()
    seeds = {}  # seed -> (reference, workbench, workbench with the reference's schedule)
    for seed in args.seeds:
        budget = (args.train, args.epochs, args.batch_size, args.lr, args.max_length, seed)
        ref = reference_run(data, args.model, *budget)
        ours = workbench_run(data, args.model, *budget, wb.runs_dir("bench", f"ner_{name}_{seed}"))
        grouped = workbench_run(data, args.model, *budget, wb.runs_dir("bench", f"ner_{name}_{seed}_grouped"),
                                group_by_length=True)
        seeds[seed] = (ref, ours, grouped)
        print(f"seed {seed}: F1 workbench {ours['f1']:.4f}, reference {ref['f1']:.4f}, "
              f"workbench group_by_length {grouped['f1']:.4f}")
    print(f"(training and test predictions: {time.perf_counter() - t0:.0f} s)")
    ref, ours, grouped = (mean_scores([r[i] for r in seeds.values()]) for i in range(3))
    out_dir = wb.runs_dir("bench", f"ner_{name}_{args.seeds[0]}")  # the model timed below

    test = data["test"]
    n = min(args.infer_sentences or len(test), len(test))
    sentences = test["tokens"][:n]
    gold = gold_tags(test)[:n]
    texts, offsets = texts_and_offsets(sentences)
    runs = {"fast": [], "pipe": [], "pipe1": []}
    for _ in range(args.rounds):  # alternate the systems so each sees the same machine load; keep the best
        runs["fast"].append(infer("workbench", out_dir, texts, args.infer_batch_size, args.repeat))
        runs["pipe"].append(infer("pipeline", out_dir, texts, args.infer_batch_size, args.repeat))
        runs["pipe1"].append(infer("pipeline", out_dir, texts, 1, 1))  # as usually called: ner(texts)
    fast, pipe, pipe1 = (min(runs[k], key=lambda r: r["seconds"]) for k in ("fast", "pipe", "pipe1"))
    fast["bare_forward_s"] = min(r["bare_forward_s"] for r in runs["fast"])
    fast_f1 = seqeval_f1(gold, [entities_to_word_tags(e, o, "label") for e, o in zip(fast["entities"], offsets)])
    pipe_f1 = seqeval_f1(gold, [entities_to_word_tags(e, o, "entity_group")
                                for e, o in zip(pipe["entities"], offsets)])
    pipe1_f1 = seqeval_f1(gold, [entities_to_word_tags(e, o, "entity_group")
                                 for e, o in zip(pipe1["entities"], offsets)])

    tokenizer = wb.load_tokenizer(args.model)
    trips = {split: ner.round_trip(data[split], tokenizer, max_length=128) for split in data}

    seed_note = f"seed {args.seeds[0]}" if len(args.seeds) == 1 else f"mean of seeds {', '.join(map(str, args.seeds))}"
    per_seed = [[f"  seed {seed}: F1 (workbench / group_by_length)", f"{o['f1']:.4f} / {m['f1']:.4f}",
                 f"{r['f1']:.4f}", f"{o['f1'] / r['f1']:.3f}" if r["f1"] else "n/a"]
                for seed, (r, o, m) in seeds.items()] if len(seeds) > 1 else []
    table(f"{name} -- quality after the same budget ({model_label}; {seed_note})",
          ["metric", "workbench", "HF reference", "ratio"],
          [*per_seed, ["entity F1, test (full gold)", f"{ours['f1']:.4f}", f"{ref['f1']:.4f}", f"{ours['f1'] / ref['f1']:.3f}"
            if ref["f1"] else "n/a"],
           ["precision", f"{ours['precision']:.4f}", f"{ref['precision']:.4f}", ""],
           ["recall", f"{ours['recall']:.4f}", f"{ref['recall']:.4f}", ""],
           ["F1 the recipe reports (truncated gold)", "", f"{ref['self_reported_f1']:.4f}", ""],
           ["workbench, group_by_length=True (F1)", f"{grouped['f1']:.4f}", f"{ref['f1']:.4f}",
            f"{grouped['f1'] / ref['f1']:.3f}" if ref["f1"] else "n/a"],
           ["test sentences cut by truncation", "0", f"{ref['truncated_sentences']:g}", ""],
           ["trainer.train() time, s (workbench: + dev F1 on 500)", f"{ours['train_s']:.1f}", f"{ref['train_s']:.1f}",
            f"{ours['train_s'] / ref['train_s']:.3f}"],
           ["  the same, workbench with group_by_length=True", f"{grouped['train_s']:.1f}", f"{ref['train_s']:.1f}",
            f"{grouped['train_s'] / ref['train_s']:.3f}"]])
    overhead = fast["rest_in_call_s"] / fast["forward_in_call_s"]
    table(f"{name} -- inference on {n} raw test sentences, batch {args.infer_batch_size}, "
          f"{fast['threads']} threads",
          ["system", "sentences/s", "entity F1", "peak RSS MB", "RSS after load MB"],
          [["wb.ner.predict_entities", f"{n / fast['seconds']:.1f}", f"{fast_f1['f1']:.4f}",
            f"{fast['peak_rss_mb']:.0f}", f"{fast['rss_loaded_mb']:.0f}"],
           [f"pipeline(aggregation=simple), batch {args.infer_batch_size}", f"{n / pipe['seconds']:.1f}",
            f"{pipe_f1['f1']:.4f}", f"{pipe['peak_rss_mb']:.0f}", f"{pipe['rss_loaded_mb']:.0f}"],
           ["pipeline, default batch 1", f"{n / pipe1['seconds']:.1f}", f"{pipe1_f1['f1']:.4f}",
            f"{pipe1['peak_rss_mb']:.0f}", f"{pipe1['rss_loaded_mb']:.0f}"],
           [f"speed-up vs pipeline batch {args.infer_batch_size} (target >= 2x)",
            f"{pipe['seconds'] / fast['seconds']:.2f}x", "", "", ""],
           ["speed-up vs pipeline batch 1", f"{pipe1['seconds'] / fast['seconds']:.2f}x", "", "", ""],
           [f"bare forward alone, same {fast['windows']} windows", f"{n / fast['bare_forward_s']:.1f}", "", "", ""],
           ["predict_entities time / bare forward time", f"{fast['seconds'] / fast['bare_forward_s']:.2f}", "", "",
            ""],
           ["overhead: time outside forward / inside (target <= 15%)", f"{overhead:.1%}", "", "", ""]])
    table(f"{name} -- round trip of gold tags at max_length 128", ["split", "sentences", "identical", "windowed", "F1"],
          [[s, t["sentences"], t["identical"], t["windowed"], f"{t['f1']:.3f}"] for s, t in trips.items()])
    return {"ours": ours, "ref": ref, "fast": fast["seconds"], "pipe": pipe["seconds"], "fast_f1": fast_f1["f1"],
            "pipe_f1": pipe_f1["f1"], "overhead": overhead, "trips": trips}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="biobert")
    ap.add_argument("--corpora", nargs="+", default=["ncbi_disease", "bc5cdr_typed"])
    ap.add_argument("--train", type=int, default=1500, help="training sentences (shuffled subset)")
    ap.add_argument("--epochs", type=float, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4, help="1e-4 suits the small stand-in; BioBERT's recipe is 5e-5")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seeds", type=int, nargs="+", default=[42],
                    help="quality is the mean over these seeds (inference times the first seed's model)")
    ap.add_argument("--infer-sentences", type=int, default=1000, help="test sentences for inference (0 = all)")
    ap.add_argument("--infer-batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per inference subprocess (the best counts)")
    ap.add_argument("--rounds", type=int, default=2, help="inference subprocesses per system, alternating")
    ap.add_argument("--_infer", help=argparse.SUPPRESS)
    ap.add_argument("--_model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--_texts", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._infer:
        _infer_child(args._infer, args._model_dir, args._texts, args.batch_size, args.repeat)
        return 0
    wb.env.quiet_libraries()
    model_label = wb.resolve(args.model).display_name
    print(f"model: {model_label}; budget: {args.train} train sentences, {args.epochs:g} epoch(s), batch "
          f"{args.batch_size}, lr {args.lr:g}, max_length {args.max_length}, seeds {' '.join(map(str, args.seeds))}; "
          f"threads {__import__('torch').get_num_threads()}")
    results = {name: bench_corpus(name, args, model_label) for name in args.corpora}
    print()
    for name, r in results.items():
        checks = [("quality", r["ours"]["f1"] >= r["ref"]["f1"]), ("speed >= 2x", r["pipe"] / r["fast"] >= 2),
                  ("F1 >= pipeline", r["fast_f1"] >= r["pipe_f1"]), ("overhead <= 15%", r["overhead"] <= 0.15),
                  ("round trip", all(t["f1"] == 1.0 and t["identical"] == t["sentences"]
                                     for t in r["trips"].values()))]
        print(f"{name}: " + ", ".join(f"{c} {'meets' if ok else 'MISSES'}" for c, ok in checks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
