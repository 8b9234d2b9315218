"""Benchmark: retrieval for QA (``wb.qa.build_index`` / ``PassageIndex.search``) on real passages.

    python bench/retrieval.py [--passages 1000] [--encoder standin] [--queries 161] [--kind flat]

Corpus: the first ``--passages`` passages of the BioASQ 4b pool (every snippet of every question cut
into <= 80-word passages; ../shared/data), or the project's abstracts when BioASQ is absent. Queries:
the BioASQ questions, one at a time (what a user does).

1. Indexing speed (passages/s): BM25 (``bm25s``) and dense (embedding with the encoder + ``faiss`` add).
2. Query latency p50/p95 (ms) for ``bm25``, ``dense`` (query embedding + search) and ``hybrid`` (both +
   reciprocal rank fusion), and the faiss search alone.
3. Memory per 100k passages, extrapolated from the measured sizes of the saved index (text + offsets,
   BM25 sparse matrix, float32 vectors) -- the in-memory structures are the same arrays.
4. On paper: PubMed (36 M abstracts) at the measured passages per abstract -- sizes from the measured bytes
   per passage, embedding time from the measured rate, and what a compressed faiss index (IVF-PQ, 64 bytes
   per vector) or HNSW (graph links on top of the vectors) would take instead of exact search.

Timings depend on the machine and its load (2 shared CPU cores when this was written).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench as wb  # noqa: E402
from tables import measures  # noqa: E402
from workbench import qa  # noqa: E402

PUBMED_ABSTRACTS = 36_000_000


def _corpus(n: int):
    try:
        ds = qa.load_bioasq_folder(wb.data.corpus_dir("bioasq_4b", download=False))
    except FileNotFoundError as err:
        print(f"BioASQ 4b not found ({err}); using the project's abstracts", file=sys.stderr)
        corpus = qa.load_sample_corpus()
        questions = [p.text.split(".")[0] + "?" for p in corpus.passages]
        return corpus, questions, "project abstracts", len(corpus) / len(corpus.documents)
    pool = qa.bioasq_pool(ds)
    keep = pool.corpus.passages[:n]
    docs = {p.doc_id for p in keep}
    corpus = qa.Corpus({d: pool.corpus.documents[d] for d in docs}, keep, pool.corpus.max_words)
    per_abstract = len(pool.corpus) / len(pool.corpus.documents)
    return corpus, list(pool.questions.values()), f"BioASQ 4b pool, {per_abstract:.2f} passages per abstract", per_abstract


def _pct(values, q):
    import numpy as np

    return float(np.percentile(np.asarray(values) * 1000, q))


def _size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n_bytes) < 1024 or unit == "TB":
            return f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=1000, help="passages to index (default 1000)")
    parser.add_argument("--encoder", default="standin", help="dense encoder (default standin)")
    parser.add_argument("--queries", type=int, default=161, help="questions to time, one at a time")
    parser.add_argument("--kind", choices=("flat", "hnsw"), default="flat")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    import torch

    corpus, questions, source, per_abstract = _corpus(args.passages)
    questions = questions[:args.queries]
    texts = [p.text for p in corpus.passages]
    n = len(texts)

    t = time.perf_counter()
    bm25 = qa.BM25Index().fit(texts)
    t_bm25 = time.perf_counter() - t
    encoder = qa.Encoder(args.encoder)
    encoder.encode(["warm-up"], "passage")  # loading the model is not indexing
    t, cpu = time.perf_counter(), time.process_time()
    dense = qa.DenseIndex(encoder, args.kind).fit(texts, batch_size=args.batch_size)
    t_dense, cpu_dense = time.perf_counter() - t, time.process_time() - cpu
    index = qa.PassageIndex(corpus, bm25, dense)

    latency = {m: [] for m in qa.retrieval.METHODS}
    faiss_only = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for q in questions:
        for m in latency:
            t = time.perf_counter()
            index.search(q, k=10, method=m)
            latency[m].append(time.perf_counter() - t)
        vec = encoder.encode([q], "query")
        t = time.perf_counter()
        dense.faiss_index.search(vec, 10)
        faiss_only.append(time.perf_counter() - t)
    # share of its threads' CPU this process got while querying: < 1 when other jobs compete for the cores
    share = (time.process_time() - cpu0) / (time.perf_counter() - wall0) / torch.get_num_threads()

    with tempfile.TemporaryDirectory() as tmp:
        sizes = qa.index_size(index.save(Path(tmp) / "idx"))
    per_passage = {k: v / n for k, v in sizes.items()}

    passages_pubmed = PUBMED_ABSTRACTS * per_abstract
    dim = encoder.dim
    rows = [
        ("corpus", f"{n} passages of {len(corpus.documents)} documents ({source})"),
        ("dense encoder", f"{encoder.describe()} ({dim}-d, {args.kind} faiss index)"),
        ("torch threads / device", f"{torch.get_num_threads()} / {wb.models.resolve_device('auto')}"),
        ("indexing: BM25", f"{n / t_bm25:,.0f} passages/s ({t_bm25:.2f} s)"),
        ("indexing: dense (embed + faiss add)", f"{n / t_dense:,.1f} passages/s ({t_dense:.1f} s wall, "
                                                f"{cpu_dense:.1f} CPU-s: {n / cpu_dense:,.1f} passages per CPU-second)"),
    ]
    for m in latency:
        rows.append((f"query latency {m}: p50 / p95", f"{_pct(latency[m], 50):.1f} / {_pct(latency[m], 95):.1f} ms "
                                                     f"({len(questions)} questions, k=10)"))
    rows.append(("CPU share while querying", f"{100 * share:.0f}% of {torch.get_num_threads()} threads "
                                             "(below 100%: other jobs share the cores)"))
    rows.append(("faiss search alone: p50 / p95", f"{_pct(faiss_only, 50):.3f} / {_pct(faiss_only, 95):.3f} ms"))
    for part in ("corpus", "bm25", "dense", "total"):
        rows.append((f"memory per 100k passages: {part}", _size(per_passage[part] * 100_000)))
    flat = passages_pubmed * dim * 4
    rows += [
        ("PubMed on paper: passages", f"{PUBMED_ABSTRACTS / 1e6:.0f} M abstracts x {per_abstract:.2f} = "
                                      f"{passages_pubmed / 1e6:.0f} M passages"),
        ("PubMed: text + BM25 (measured bytes/passage)", _size(passages_pubmed * (per_passage["corpus"] + per_passage["bm25"]))),
        (f"PubMed: exact float32 vectors ({dim}-d)", _size(flat) + f" (768-d MedCPT: {_size(passages_pubmed * 768 * 4)})"),
        ("PubMed: HNSW (M=32) vectors + links", _size(flat + passages_pubmed * 32 * 2 * 4)),
        ("PubMed: IVF-PQ, 64 bytes/vector", _size(passages_pubmed * 64)),
        ("PubMed: embedding time at the measured rate",
         f"{passages_pubmed / (n / t_dense) / 86400:,.0f} days as measured; "
         f"{passages_pubmed / (n / cpu_dense * torch.get_num_threads()) / 86400:,.0f} days with "
         f"{torch.get_num_threads()} dedicated cores"),
        ("PubMed: exact search per query (linear)", f"~{_pct(faiss_only, 50) * passages_pubmed / n / 1000:,.1f} s "
                                                     f"(HNSW/IVF: milliseconds)"),
    ]
    measures(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
