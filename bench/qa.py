"""Benchmark: workbench question answering on BioASQ 4b (../shared/data/bioasq_4b).

    python bench/qa.py [--model PATH_OR_NAME] [--questions N] [--top-k 5]

1. Answer-locating coverage: how many of the 161 factoid questions have a golden answer (or a
   synonym) verbatim in at least one snippet -- the ceiling of any extractive system.
2. Strict accuracy (top-1), lenient accuracy (top-k) and MRR of the model, next to the published
   BioBERT v1.1 figures. Default model: ``wb.qa.sample_reader()`` -- offline, the stand-in
   (all-MiniLM-L6-v2) fine-tuned on the project's QA sample, NOT BioBERT.
3. Throughput (questions/s) of ``wb.qa.answer`` against a plain reference written below with the
   Hugging Face course recipe: tokenise with stride and offsets (padded to max_length), run the
   model on the features of the question, loop in Python over the n-best start x end indices of
   every feature. Same model, inputs, windows, n-best, top-k and merging rule (answers found in
   several snippets add up); each question is timed for both, alternately, so both see the same
   machine load. Target: >= 1.5x. The answers are compared: top-1 and whole top-k lists.

The model's forward pass is ~97% of the time and costs about the same per token whatever the batch
shape, so with identical (fp32) answers the speed-up is bounded by the padding the reference computes
(the "tokens through the model" row). Timings depend on what else runs on the machine (2 shared CPU
cores when this was written).
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench as wb  # noqa: E402
from tables import measures  # noqa: E402
from workbench import qa  # noqa: E402


def reference_answer(question, snippets, model, tokenizer, top_k=5, n_best=20, max_answer_len=30,
                     max_length=384, doc_stride=128):
    """The HF-course post-processing, written out: features padded to max_length, n-best loop per feature."""
    import numpy as np
    import torch

    enc = tokenizer([question] * len(snippets), snippets, truncation="only_second", max_length=max_length,
                    stride=doc_stride, return_overflowing_tokens=True, return_offsets_mapping=True,
                    padding="max_length")
    names = [n for n in ("input_ids", "token_type_ids", "attention_mask") if n in enc]
    with torch.inference_mode():
        out = model(**{n: torch.tensor(enc[n]) for n in names})
    start_logits, end_logits = out.start_logits.numpy(), out.end_logits.numpy()
    candidates = []
    for f in range(len(enc["input_ids"])):
        snippet = enc["overflow_to_sample_mapping"][f]
        seq = enc.sequence_ids(f)
        offsets = [o if s == 1 else None for o, s in zip(enc["offset_mapping"][f], seq)]
        ctx = [k for k, o in enumerate(offsets) if o is not None]
        # probabilities over the context tokens (so scores mean the same as in wb.qa)
        ls = start_logits[f, ctx] - np.logaddexp.reduce(start_logits[f, ctx])
        le = end_logits[f, ctx] - np.logaddexp.reduce(end_logits[f, ctx])
        log_start, log_end = dict(zip(ctx, ls)), dict(zip(ctx, le))
        starts = np.argsort(start_logits[f])[-1:-n_best - 1:-1].tolist()
        ends = np.argsort(end_logits[f])[-1:-n_best - 1:-1].tolist()
        feature = []
        for s in starts:
            for e in ends:
                if offsets[s] is None or offsets[e] is None or e < s or e - s + 1 > max_answer_len:
                    continue
                a, b = offsets[s][0], offsets[e][1]
                feature.append((float(np.exp(log_start[s] + log_end[e])), snippet, a, b))
        candidates += sorted(feature, reverse=True)[:n_best]
    best = {}
    for score, snippet, a, b in candidates:  # the same span seen in two windows counts once
        if score > best.get((snippet, a, b), -1.0):
            best[(snippet, a, b)] = score
    groups = collections.OrderedDict()
    for (snippet, a, b), score in sorted(best.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1])):
        text = snippets[snippet][a:b]
        key = qa.normalize_answer(text) or text.strip().lower()
        if key in groups:
            groups[key][1] += score
        else:
            groups[key] = [text, score, snippet, a]
    ranked = sorted(groups.values(), key=lambda g: (-g[1], g[2], g[3]))
    return [g[0] for g in ranked[:top_k]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="QA model name or folder (default: wb.qa.sample_reader())")
    parser.add_argument("--questions", type=int, help="only the first N questions (default: all 161)")
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args(argv)

    import torch

    data = qa.load_bioasq_folder()
    data = qa.select_questions(data, args.questions)
    cov = qa.bioasq_coverage(data)
    if args.model:
        model = wb.load_model(args.model, task="question-answering").eval()
        tokenizer = wb.load_tokenizer(args.model)
        label = wb.describe(model)
    else:
        model, tokenizer = qa.sample_reader()
        label = f"{wb.describe(model)}, fine-tuned on the project QA sample"
    groups = collections.OrderedDict()
    for qid, q, c in zip(data["question_id"], data["question"], data["context"]):
        groups.setdefault(qid, (q, []))[1].append(c)
    golden = dict(zip(data["question_id"], data["golden"]))

    qa.answer(*next(iter(groups.values())), top_k=args.top_k, model=model, tokenizer=tokenizer)  # warm-up
    reference_answer(*next(iter(groups.values())), model, tokenizer, top_k=args.top_k)
    ours, ref, t_ours, t_ref = {}, {}, 0.0, 0.0
    for i, (qid, (question, snippets)) in enumerate(groups.items()):
        for turn in ((0, 1) if i % 2 == 0 else (1, 0)):  # alternate who goes first
            t0 = time.perf_counter()
            if turn == 0:
                ours[qid] = [a["text"] for a in qa.answer(question, snippets, top_k=args.top_k, model=model,
                                                          tokenizer=tokenizer)]
                t_ours += time.perf_counter() - t0
            else:
                ref[qid] = reference_answer(question, snippets, model, tokenizer, top_k=args.top_k)
                t_ref += time.perf_counter() - t0
    n = len(groups)
    enc = qa.tokenize_windows(tokenizer, data["question"], data["context"])  # the windows both runs use
    tokens_ours, tokens_ref = sum(len(x) for x in enc["input_ids"]), len(enc["input_ids"]) * qa.MAX_LENGTH
    m_ours = qa.bioasq_factoid_metrics(ours, golden, top_k=args.top_k)
    m_ref = qa.bioasq_factoid_metrics(ref, golden, top_k=args.top_k)
    top1 = sum(ours[q][:1] == ref[q][:1] for q in groups)
    lists = sum(ours[q] == ref[q] for q in groups)

    rows = [
        ("BioASQ 4b questions / snippets", f"{cov['questions']} / {cov['snippets']}"),
        ("questions with an answer in a snippet", f"{cov['questions_located']} ({cov['question_coverage']:.1f}%)"),
        ("questions with no verbatim answer", f"{cov['questions_not_located']}"),
        ("snippets containing an answer", f"{cov['snippets_located']}"),
        ("model", label),
    ]
    for name, vals in qa.ANCHORS.items():
        rows.append((name, f"strict {vals['strict_accuracy']:.2f} / lenient {vals['lenient_accuracy']:.2f} / "
                           f"MRR {vals['mrr']:.2f}"))
    rows += [
        ("this model: strict / lenient / MRR", f"{m_ours['strict_accuracy']:.2f} / {m_ours['lenient_accuracy']:.2f} / "
                                               f"{m_ours['mrr']:.2f}  ({n} questions, top-{args.top_k})"),
        ("reference recipe: strict / lenient / MRR", f"{m_ref['strict_accuracy']:.2f} / {m_ref['lenient_accuracy']:.2f} / "
                                                     f"{m_ref['mrr']:.2f}"),
        ("answer() questions/s", f"{n / t_ours:.2f}  ({t_ours:.1f} s)"),
        ("reference questions/s", f"{n / t_ref:.2f}  ({t_ref:.1f} s)"),
        ("speed-up (target >= 1.5x)", f"{t_ref / t_ours:.2f}x"),
        ("tokens through the model: answer() / reference", f"{tokens_ours} / {tokens_ref} ({len(enc['input_ids'])} windows; "
                                                           f"ratio {tokens_ref / tokens_ours:.2f})"),
        ("identical top-1 answer", f"{top1}/{n}"),
        (f"identical top-{args.top_k} lists", f"{lists}/{n}"),
        ("torch threads / device", f"{torch.get_num_threads()} / {model.device}"),
    ]
    measures(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
