"""Gene-disease mining on real sentences: the sentences, how far they get, a sample to judge by hand."""
from __future__ import annotations

from typing import Callable, Sequence

from .models import corpus_available


# ---------------------------------------------------------------- gene-disease mining on real sentences


def real_sentences(corpora: Sequence[str] = ("ncbi_disease", "bc2gm"), split: str = "test",
                   max_per_corpus: int | None = None) -> list[dict]:
    """Sentences of real NER corpora as ``{"doc_id": "<corpus>/<split>/<n>", "text"}`` (words joined by
    spaces, as the corpora store them tokenised); corpora not on this machine are left out, said aloud."""
    from ..data import load_corpus

    docs = []
    for name in corpora:
        if not corpus_available(name):
            print(f"{name} is not on this machine -> left out of the real sentences")
            continue
        part = load_corpus(name, download=False)[split]
        n = len(part) if max_per_corpus is None else min(max_per_corpus, len(part))
        docs += [{"doc_id": f"{name}/{split}/{i}", "text": " ".join(part[i]["tokens"])} for i in range(n)]
    return docs


def mining_figures(docs: Sequence[dict], ner: Callable) -> dict:
    """How far real sentences get: sentences, with a gene, with a disease, with both (their gene x disease
    pairs reach the classifier), and the number of those pairs."""
    from ..relations import candidate_pairs

    tagged = ner([d["text"] for d in docs])
    genes = [any(e["label"] == "Gene" for e in ents) for ents in tagged]
    diseases = [any(e["label"] == "Disease" for e in ents) for ents in tagged]
    pairs = [len(candidate_pairs(ents, [("Gene", "Disease")])) for ents in tagged]
    return {"sentences": len(docs), "with a gene": sum(genes), "with a disease": sum(diseases),
            "with both (pairs reach the classifier)": sum(g and d for g, d in zip(genes, diseases)),
            "gene x disease pairs classified": sum(pairs)}


def check_sample(table, n: int = 10, seed: int = 0) -> list[dict]:
    """A seeded sample of ``n`` supported pairs with one evidence sentence each, to judge by hand
    (``gene``, ``disease``, ``evidence`` as ``[doc_id] sentence``, and that sentence's ``doc_id``): the way to
    estimate the mined table's precision."""
    import random

    supported = table[table.sentences > 0]
    rows = [{"gene": r.gene, "disease": r.disease, "evidence": r.evidence[0],
             "doc_id": r.evidence[0][1:].split("] ", 1)[0]} for r in supported.itertuples()]
    return random.Random(seed).sample(rows, min(n, len(rows)))
