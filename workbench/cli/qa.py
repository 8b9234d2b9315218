"""``python -m workbench qa train|evaluate|predict|index|ask``: the command line of :mod:`workbench.qa`."""
from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from ..checks import check_model, check_writable_folder
from ..errors import UsageError
from ..files import read_user_text
from ..qa import (
    ENCODERS,
    MAX_ANSWER_LEN,
    MAX_LENGTH,
    answer,
    ask,
    bioasq_pool,
    build_index,
    evaluate_bioasq,
    evaluate_squad,
    index_size,
    load_abstracts,
    load_bioasq,
    load_bioasq_folder,
    load_index,
    load_squad,
    train_qa,
)
from . import (
    add_training_options,
    check_training_args,
    nonempty_text,
    nonnegative_int,
    positive_int,
    print_json,
    training_sizes,
)


def _cmd_train(args) -> int:
    check_training_args(args, "qa")
    for flag, path in (("--data", args.data), ("--dev", args.dev)):
        if path and not len(load_squad(path)):  # malformed files fail here too, naming the question
            raise UsageError(f"{flag} {path}: holds no questions: nothing to {'learn from' if flag == '--data' else 'score'}")
    _check_windows(args)
    sizes = training_sizes(args, "qa")
    with contextlib.redirect_stdout(sys.stderr):  # what training prints; stdout stays pure JSON
        result = train_qa((args.data, args.dev), args.model, args.out, sizes=sizes, seed=args.seed,
                          doc_stride=args.doc_stride, progress=False, resume=args.resume)
    dev = {k: result.dev[k] for k in ("exact_match", "f1") if k in result.dev}
    print_json({"model": result.name, "train_examples": result.settings["train_examples"], **result.data_used,
                "epochs": result.settings["epochs"], **dev, "saved_to": str(result.out_dir)})
    return 0


def _check_windows(args) -> None:
    max_length = args.max_length or MAX_LENGTH
    if max_length < 32:
        raise UsageError(f"--max-length {max_length}: a window needs room for the question and some context; "
                         f"use at least 32 word pieces (default {MAX_LENGTH})")
    if args.doc_stride is not None and args.doc_stride >= max_length:
        raise UsageError(f"--doc-stride {args.doc_stride} must be smaller than --max-length {max_length}")


def _window_kwargs(args) -> dict:
    _check_windows(args)
    return dict(max_length=args.max_length, doc_stride=args.doc_stride, max_answer_len=args.max_answer_len)


def _cmd_evaluate(args) -> int:
    if bool(args.data) == bool(args.bioasq_test or args.bioasq_dir):
        raise UsageError("give either --data SQUAD.json or BioASQ files (--bioasq-test with --golden, or --bioasq-dir)")
    if args.bioasq_test and not args.golden:
        raise UsageError("--bioasq-test needs --golden (the matching *_golden.json file(s))")
    kw = _window_kwargs(args)
    check_model(args.model, "question-answering")
    if args.data:
        data = load_squad(args.data)
        if not any(a["text"] for a in data["answers"]):
            raise UsageError(f"--data {args.data}: no question has a gold answer, so there is nothing to score "
                             f"(a file of questions only? use 'qa predict')")
        metrics = evaluate_squad(args.model, data, max_samples=args.max_samples, **kw)
    else:
        ds = load_bioasq_folder(args.bioasq_dir) if args.bioasq_dir else load_bioasq(args.bioasq_test, args.golden)
        metrics = evaluate_bioasq(args.model, ds, top_k=args.top_k, max_questions=args.max_samples, **kw)
    print_json(metrics)
    return 0


def _cmd_predict(args) -> int:
    contexts = list(args.context or [])
    contexts += [read_user_text(path) for path in args.context_file or []]  # offsets index the file as read
    if not contexts:
        raise UsageError("give at least one --context TEXT or --context-file FILE")
    if not any(c.strip() for c in contexts):
        raise UsageError("every --context is empty: there is nothing to find an answer in")
    kw = _window_kwargs(args)
    check_model(args.model, "question-answering")
    answers = answer(args.question, contexts, top_k=args.top_k, model=args.model, **kw)
    if args.json:
        print_json(answers)
    else:
        for rank, a in enumerate(answers, 1):
            print(f"{rank}. {a['text']!r}  score {a['score']:.4f}  (context {a['context']}, chars {a['start']}-{a['end']})")
    return 0


def _cmd_index(args) -> int:
    if bool(args.corpus) == bool(args.bioasq_dir):
        raise UsageError("give either --corpus ABSTRACTS.jsonl or --bioasq-dir FOLDER (every snippet pooled)")
    check_writable_folder(args.out, "--out")  # before embedding every passage
    start = time.perf_counter()
    if args.corpus:
        corpus = load_abstracts(args.corpus, args.max_words)
    else:
        corpus = bioasq_pool(load_bioasq_folder(args.bioasq_dir), args.max_words).corpus
    index = build_index(corpus, encoder=args.encoder, dense=not args.no_dense, index_kind=args.kind,
                        batch_size=args.batch_size)
    folder = index.save(args.out)
    print_json({"documents": len(corpus.documents), "passages": len(corpus),
                "encoder": index.dense.encoder.describe() if index.dense else None, "saved_to": str(folder),
                "bytes": index_size(folder)["total"], "seconds": round(time.perf_counter() - start, 1)})
    return 0


def _cmd_ask(args) -> int:
    if not args.retrieve_only and args.model:
        check_model(args.model, "question-answering")  # before loading the index
    if not Path(args.index).expanduser().is_dir():
        raise UsageError(f"--index {args.index}: not found (give a folder written by `qa index`: it holds index.json)")
    index = load_index(args.index)
    if args.retrieve_only:
        hits = index.search(args.question, k=args.k, method=args.method)
        if args.json:
            print_json(hits)
        for h in [] if args.json else hits:
            print(f"{h['rank']}. {h['passage_id']}  score {h['score']:.4f}  {h['text'][:100]!r}")
        return 0
    if not args.model:
        raise UsageError("give --model READER (a fine-tuned QA folder or hub id), or --retrieve-only to list "
                         "the passages without reading them")
    answers = ask(args.question, index, k=args.k, model=args.model, top_k=args.top_k, method=args.method)
    if args.json:
        print_json(answers)
    for rank, a in enumerate([] if args.json else answers, 1):
        cue = f"  [{a['negation_cue']!r} before it]" if a["negation_cue"] else ""
        print(f"{rank}. {a['text']!r}  score {a['score']:.4f}  ({a['doc_id']}, chars {a['doc_start']}-{a['doc_end']};"
              f" passage rank {a['retrieval_rank']}){cue}\n   {a['sentence']}")
    return 0


def register_cli(subparsers) -> None:
    """Add ``qa train|evaluate|predict|index|ask`` to the workbench command line."""
    qa = subparsers.add_parser("qa", help="extractive question answering (SQuAD / BioASQ)")
    sub = qa.add_subparsers(dest="qa_command", metavar="ACTION", required=True)

    def window_options(p):
        p.add_argument("--max-length", type=positive_int, default=MAX_LENGTH, help="tokens per window (default 384)")
        p.add_argument("--doc-stride", type=nonnegative_int,
                       help="overlap between windows (default 128; a third of shorter windows)")
        p.add_argument("--max-answer-len", type=positive_int, default=MAX_ANSWER_LEN,
                       help="longest answer in word pieces")

    p = sub.add_parser("train", help="fine-tune on SQuAD-format JSON")
    p.add_argument("--data", required=True, help="training file (SQuAD v1.1/v2.0 JSON)")
    p.add_argument("--dev", help="development file for EM/F1 after each epoch")
    add_training_options(p, "qa", "biobert-squad")
    p.add_argument("--doc-stride", type=nonnegative_int,
                   help="overlap between windows (default: a third of --max-length, at most 128)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="SQuAD EM/F1 or BioASQ strict/lenient/MRR, printed as JSON")
    p.add_argument("--model", required=True, help="fine-tuned model folder (or a registry name)")
    p.add_argument("--data", help="SQuAD v1.1/v2.0 JSON with answers")
    p.add_argument("--bioasq-test", nargs="+", help="BioASQ test file(s) (BioASQ-test-factoid-*.json)")
    p.add_argument("--golden", nargs="+", help="matching golden file(s) (*_golden.json)")
    p.add_argument("--bioasq-dir", help="a folder of BioASQ test + golden files (e.g. ../shared/data/bioasq_4b)")
    p.add_argument("--top-k", type=positive_int, default=5)
    p.add_argument("--max-samples", type=positive_int, help="only the first N questions")
    window_options(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("predict", help="answer a question from one or more contexts")
    p.add_argument("--model", required=True, help="fine-tuned model folder (or a registry name)")
    p.add_argument("--question", required=True, type=nonempty_text)
    p.add_argument("--context", action="append", help="context text (repeat for several snippets)")
    p.add_argument("--context-file", action="append",
                   help="UTF-8 file holding one context (repeatable); offsets index it as read (CRLF kept)")
    p.add_argument("--top-k", type=positive_int, default=5)
    p.add_argument("--json", action="store_true", help="print the answers as JSON")
    window_options(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("index", help="index a corpus of abstracts (BM25 + dense embeddings) into a folder")
    p.add_argument("--corpus", help="JSON-lines file, one document a line: {\"doc_id\", \"text\", \"title\"?}")
    p.add_argument("--bioasq-dir", help="a BioASQ folder: every snippet of every question pooled into one corpus")
    p.add_argument("--out", required=True, help="folder to save the index")
    p.add_argument("--encoder", default="standin",
                   help=f"dense encoder: {', '.join(ENCODERS)} or a registry name/hub id/folder (default standin)")
    p.add_argument("--no-dense", action="store_true", help="BM25 only (no embeddings)")
    p.add_argument("--kind", choices=("flat", "hnsw"), default="flat", help="faiss index: exact or approximate")
    p.add_argument("--max-words", type=positive_int, default=80, help="words per passage (whole sentences)")
    p.add_argument("--batch-size", type=positive_int, default=32, help="passages embedded at once")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("ask", help="retrieve passages from a saved index, then read them with a QA model")
    p.add_argument("--index", required=True, help="folder written by `qa index`")
    p.add_argument("--question", required=True, type=nonempty_text)
    p.add_argument("--model", help="fine-tuned QA model folder (or a registry name); not needed with --retrieve-only")
    p.add_argument("--k", type=positive_int, default=5, help="passages to read (default 5)")
    p.add_argument("--method", choices=("bm25", "dense", "hybrid"), default="hybrid")
    p.add_argument("--top-k", type=positive_int, default=5, help="answers to print")
    p.add_argument("--retrieve-only", action="store_true", help="list the retrieved passages, read nothing")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=_cmd_ask)
