"""Finding the passages to read: abstracts cut into passages with offsets, BM25, dense embeddings, fusion, an index.

Taught in 09_ask_the_literature. A :class:`Corpus` cuts documents (abstracts) into passages of whole
sentences; every :class:`Passage` keeps its document id and character offsets, so
``corpus.document_text(p.doc_id)[p.start:p.end] == p.text``. Three ways to rank passages for a question:

* ``"bm25"`` -- sparse: shared words, weighted by how rare they are (the ``bm25s`` library);
* ``"dense"`` -- cosine similarity of sentence embeddings (mean-pooled, L2-normalised) from a registry
  model, searched with a ``faiss`` index. Offline the stand-in all-MiniLM-L6-v2 -- itself trained for
  semantic search -- runs; on Colab a biomedical retriever such as MedCPT (see :data:`ENCODERS`);
* ``"hybrid"`` -- :func:`reciprocal_rank_fusion` of the two rankings.

:func:`build_index` makes a :class:`PassageIndex`; ``index.save(folder)`` and :func:`load_index` keep it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..data import DataFormatError
from ..text import chunk_span, split_sentences
from .embeddings import ENCODERS, Encoder, EncoderSpec, encoder_spec  # noqa: F401 (re-exported)

MAX_WORDS = 80  # words per passage (whole sentences; a longer sentence is cut at commas/spaces)
METHODS = ("bm25", "dense", "hybrid")
RRF_K = 60  # Cormack, Clarke & Buettcher (2009)
INDEX_FORMAT = "workbench-passage-index/1"


# ---------------------------------------------------------------- passages and corpora

@dataclass(frozen=True)
class Passage:
    """A piece of a document: ``text == document[start:end]``."""

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    title: str = ""


def split_passages(text: str, max_words: int = MAX_WORDS) -> list[tuple[int, int]]:
    """Character spans of passages: consecutive sentences, at most ``max_words`` words each."""
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")

    def words(s: int, e: int) -> int:
        return len(text[s:e].split())

    pieces: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        pieces += chunk_span(text, s, e, words, max_words)
    spans: list[tuple[int, int]] = []
    for s, e in pieces:
        if spans and words(spans[-1][0], e) <= max_words:
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return [(s, e) for s, e in spans if text[s:e].strip()]


class Corpus:
    """Documents (``{doc_id: {"text", "title", ...}}``) and their passages, in order."""

    def __init__(self, documents: Mapping[str, Mapping], passages: Sequence[Passage], max_words: int = MAX_WORDS):
        self.documents = {str(k): dict(v) for k, v in documents.items()}
        self.passages = list(passages)
        self.max_words = max_words
        self._by_id = {p.id: i for i, p in enumerate(self.passages)}
        for p in self.passages:
            if self.documents[p.doc_id]["text"][p.start:p.end] != p.text:
                raise ValueError(f"passage {p.id}: characters {p.start}-{p.end} of {p.doc_id} are not its text")

    def __len__(self) -> int:
        return len(self.passages)

    def __repr__(self) -> str:
        return f"Corpus({len(self.documents)} documents, {len(self.passages)} passages of <= {self.max_words} words)"

    def passage(self, passage_id: str) -> Passage:
        """The passage with this id."""
        if passage_id not in self._by_id:
            raise KeyError(f"no passage {passage_id!r} in this corpus")
        return self.passages[self._by_id[passage_id]]

    def document_text(self, doc_id: str) -> str:
        """The full text of a document."""
        return self.documents[doc_id]["text"]


def _as_documents(documents) -> list[dict]:
    if isinstance(documents, Mapping):
        documents = [{"doc_id": k, **(v if isinstance(v, Mapping) else {"text": v})} for k, v in documents.items()]
    out = []
    for i, doc in enumerate(documents):
        doc = {"doc_id": f"doc{i + 1:05d}", "text": doc} if isinstance(doc, str) else dict(doc)
        doc_id = doc.pop("doc_id", None) or doc.pop("id", None) or doc.pop("pmid", None)
        if doc_id is None or not isinstance(doc.get("text"), str):
            raise ValueError(f"document #{i}: needs 'doc_id' (or 'id'/'pmid') and a 'text' string, got keys {sorted(doc)}")
        out.append({"doc_id": str(doc_id), "title": str(doc.get("title") or ""),
                    **{k: v for k, v in doc.items() if k != "title"}})
    return out


def make_corpus(documents, max_words: int = MAX_WORDS) -> Corpus:
    """A :class:`Corpus` from texts, ``{doc_id: text}``, or dicts with ``doc_id``/``id``, ``text`` (and ``title``)."""
    docs, passages = {}, []
    for doc in _as_documents(documents):
        doc_id = doc.pop("doc_id")
        if doc_id in docs:
            raise ValueError(f"document id {doc_id!r} occurs twice")
        docs[doc_id] = doc
        for n, (s, e) in enumerate(split_passages(doc["text"], max_words), 1):
            passages.append(Passage(f"{doc_id}#{n}", doc_id, s, e, doc["text"][s:e], doc["title"]))
    if not passages:
        raise ValueError("the corpus has no text to index")
    return Corpus(docs, passages, max_words)


def load_abstracts(path, max_words: int = MAX_WORDS) -> Corpus:
    """A corpus from a JSON-lines file, one document a line: ``{"doc_id", "text", "title"?, ...}``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    rows = []
    from ..data import read_data_text

    for n, line in enumerate(read_data_text(path).split("\n"), 1):  # lines end at \n only: a U+2028 in a text is not one
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataFormatError(f"{path}:{n}: invalid JSON ({err.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not (
                row.get("doc_id") or row.get("id") or row.get("pmid")):
            raise DataFormatError(f"{path}:{n}: a document needs 'doc_id' (or 'id'/'pmid') and a 'text' string")
        rows.append(row)
    try:
        return make_corpus(rows, max_words)
    except ValueError as err:
        raise DataFormatError(f"{path}: {err}") from None


def sample_corpus_path() -> Path:
    """The project's abstracts (``data/retrieval/abstracts.jsonl``; sources recorded per document)."""
    from ..data import sample_dir

    return sample_dir("retrieval") / "abstracts.jsonl"


def load_sample_corpus(max_words: int = MAX_WORDS) -> Corpus:
    """The project's abstracts on drugs and their effects, as a :class:`Corpus`."""
    return load_abstracts(sample_corpus_path(), max_words)


# ---------------------------------------------------------------- the two retrievers and their fusion

def _tokenize(texts: Sequence[str], ids: bool):
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", return_ids=ids, show_progress=False)


class BM25Index:
    """BM25 over passage texts (``bm25s``: lower-cased words, English stop words removed, no stemming)."""

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        import bm25s

        self.k1, self.b = k1, b
        self.model = bm25s.BM25(k1=k1, b=b)

    def fit(self, texts: Sequence[str]) -> "BM25Index":
        self.model.index(_tokenize(texts, ids=True), show_progress=False)
        return self

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Best ``k`` passages per query as ``(passage number, score)``; passages sharing no word are left out."""
        n = int(self.model.scores["num_docs"])
        docs, scores = self.model.retrieve(_tokenize(queries, ids=False), k=min(k, n), show_progress=False)
        return [[(int(d), float(s)) for d, s in zip(dr, sr) if s > 0] for dr, sr in zip(docs, scores)]

    def save(self, folder: Path) -> None:
        self.model.save(str(folder))

    @classmethod
    def load(cls, folder: Path, k1: float, b: float) -> "BM25Index":
        import bm25s

        out = cls(k1, b)
        out.model = bm25s.BM25.load(str(folder))
        return out


class DenseIndex:
    """Passage embeddings in a ``faiss`` index: ``"flat"`` (exact inner product) or ``"hnsw"`` (approximate,
    for millions of passages)."""

    def __init__(self, encoder: Encoder, kind: str = "flat"):
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"dense index kind must be 'flat' or 'hnsw', got {kind!r}")
        self.encoder, self.kind, self.faiss_index = encoder, kind, None

    def fit(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> "DenseIndex":
        import faiss

        vectors = self.encoder.encode(texts, "passage", batch_size=batch_size, progress=progress)
        dim = vectors.shape[1]
        self.faiss_index = (faiss.IndexFlatIP(dim) if self.kind == "flat"
                            else faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT))
        self.faiss_index.add(vectors)
        return self

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        vectors = self.encoder.encode(queries, "query")
        scores, ids = self.faiss_index.search(vectors, min(k, self.faiss_index.ntotal))
        return [[(int(i), float(s)) for i, s in zip(ir, sr) if i >= 0] for ir, sr in zip(ids, scores)]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.faiss_index, str(path))

    @classmethod
    def load(cls, path: Path, encoder: Encoder, kind: str) -> "DenseIndex":
        import faiss

        out = cls(encoder, kind)
        out.faiss_index = faiss.read_index(str(path))
        return out


def reciprocal_rank_fusion(rankings: Sequence[Sequence], k: int = RRF_K) -> list[tuple[object, float]]:
    """Fuse ranked lists (best first): ``score(item) = sum over lists of 1 / (k + rank)``, ranks from 1.

    Reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009) needs no score calibration between
    BM25 and cosine similarity. Ties go to the item with the better best rank, then to the first seen.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    fused: dict[object, list] = {}
    for ranking in rankings:
        if len(set(ranking)) != len(ranking):
            raise ValueError(f"a ranking lists an item twice: {list(ranking)}")
        for rank, item in enumerate(ranking, 1):
            entry = fused.setdefault(item, [0.0, rank, len(fused)])
            entry[0] += 1.0 / (k + rank)
            entry[1] = min(entry[1], rank)
    ordered = sorted(fused.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[1][2]))
    return [(item, score) for item, (score, _, _) in ordered]


# ---------------------------------------------------------------- the index

class PassageIndex:
    """A corpus with its BM25 and (optionally) dense indexes; ``search`` ranks passages for questions."""

    def __init__(self, corpus: Corpus, bm25: BM25Index, dense: DenseIndex | None = None):
        self.corpus, self.bm25, self.dense = corpus, bm25, dense

    def __repr__(self) -> str:
        emb = self.dense.encoder.describe() if self.dense else "no dense index"
        return f"PassageIndex({len(self.corpus.documents)} documents, {len(self.corpus)} passages; {emb})"

    def search_many(self, queries: Sequence[str], k: int = 10, method: str = "hybrid",
                    depth: int = 100) -> list[list[dict]]:
        """:meth:`search` for several questions at once (their embeddings share batches)."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if method != "bm25" and self.dense is None:
            raise ValueError(f"method {method!r} needs a dense index: build_index(..., dense=True)")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        queries = list(queries)
        for i, q in enumerate(queries):
            if not isinstance(q, str) or not q.strip():
                raise ValueError(f"question #{i} is empty")
        depth = max(k, depth) if method == "hybrid" else k
        sparse = self.bm25.search(queries, depth) if method != "dense" else None
        dense = self.dense.search(queries, depth) if method != "bm25" else None
        out = []
        for qi in range(len(queries)):
            if method == "hybrid":
                s_rank = {i: r for r, (i, _) in enumerate(sparse[qi], 1)}
                d_rank = {i: r for r, (i, _) in enumerate(dense[qi], 1)}
                ranked = reciprocal_rank_fusion([[i for i, _ in sparse[qi]], [i for i, _ in dense[qi]]])
                hits = [(i, s, {"bm25_rank": s_rank.get(i), "dense_rank": d_rank.get(i)}) for i, s in ranked[:k]]
            else:
                hits = [(i, s, {}) for i, s in (sparse or dense)[qi][:k]]
            out.append([self._hit(i, score, rank, method, extra) for rank, (i, score, extra) in enumerate(hits, 1)])
        return out

    def search(self, query: str, k: int = 10, method: str = "hybrid", depth: int = 100) -> list[dict]:
        """The ``k`` best passages for ``query``: dicts ``{"rank", "passage_id", "doc_id", "score", "start",
        "end", "text", "title", "method"}`` (``start``/``end`` place the passage in its document); hybrid hits
        also give ``bm25_rank``/``dense_rank`` among each retriever's best ``depth``."""
        return self.search_many([query], k, method, depth)[0]

    def _hit(self, i: int, score: float, rank: int, method: str, extra: dict) -> dict:
        p = self.corpus.passages[i]
        return {"rank": rank, "passage_id": p.id, "doc_id": p.doc_id, "score": float(score), "start": p.start,
                "end": p.end, "text": p.text, "title": p.title, "method": method, **extra}

    def search_documents(self, query: str, k: int = 10, method: str = "hybrid") -> list[str]:
        """Ids of the ``k`` best documents: passages ranked, each document at the rank of its best passage."""
        docs: list[str] = []
        for hit in self.search(query, k=min(len(self.corpus), k * 10), method=method):
            if hit["doc_id"] not in docs:
                docs.append(hit["doc_id"])
        return docs[:k]

    def save(self, folder) -> Path:
        """Write the index to ``folder``: ``index.json``, ``documents.jsonl``, ``passages.jsonl``, ``bm25/``,
        ``dense.faiss``. :func:`load_index` reads it back (in any process)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "documents.jsonl", "w", encoding="utf-8") as f:
            for doc_id, doc in self.corpus.documents.items():
                f.write(json.dumps({"doc_id": doc_id, **doc}, ensure_ascii=False, default=str) + "\n")
        with open(folder / "passages.jsonl", "w", encoding="utf-8") as f:
            for p in self.corpus.passages:
                f.write(json.dumps({"id": p.id, "doc_id": p.doc_id, "start": p.start, "end": p.end}) + "\n")
        self.bm25.save(folder / "bm25")
        if self.dense is not None:
            self.dense.save(folder / "dense.faiss")
        meta = {"format": INDEX_FORMAT, "documents": len(self.corpus.documents), "passages": len(self.corpus),
                "max_words": self.corpus.max_words, "bm25": {"k1": self.bm25.k1, "b": self.bm25.b},
                "dense": {**self.dense.encoder.record(), "kind": self.dense.kind} if self.dense else None}
        (folder / "index.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return folder


def build_index(corpus, encoder="standin", dense: bool = True, index_kind: str = "flat", max_words: int = MAX_WORDS,
                batch_size: int = 32, device: str | None = "auto", progress: bool = False,
                k1: float = 1.5, b: float = 0.75) -> PassageIndex:
    """A :class:`PassageIndex` over ``corpus`` (a :class:`Corpus`, a JSON-lines path, or documents for
    :func:`make_corpus`). ``encoder``: a name of :data:`ENCODERS` or a registry model; ``dense=False``
    builds BM25 only."""
    if not isinstance(corpus, Corpus):
        corpus = load_abstracts(corpus, max_words) if isinstance(corpus, (str, Path)) else make_corpus(corpus, max_words)
    texts = [p.text for p in corpus.passages]
    bm25 = BM25Index(k1, b).fit(texts)
    dense_index = DenseIndex(Encoder(encoder, device), index_kind).fit(texts, batch_size, progress) if dense else None
    return PassageIndex(corpus, bm25, dense_index)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing (not a saved passage index?)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_index(folder, device: str | None = "auto") -> PassageIndex:
    """Read an index written by :meth:`PassageIndex.save`. Refuses when the query encoder that loads here is
    not the one that embedded the passages (e.g. MedCPT on Colab, the stand-in offline)."""
    folder = Path(folder)
    if not (folder / "index.json").is_file():
        raise FileNotFoundError(f"{folder}: no index.json -- not a saved passage index (make one with `qa index`)")
    meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    if meta.get("format") != INDEX_FORMAT:
        raise DataFormatError(f"{folder / 'index.json'}: format {meta.get('format')!r}, expected {INDEX_FORMAT!r}")
    docs = {d.pop("doc_id"): d for d in _read_jsonl(folder / "documents.jsonl")}
    passages = [Passage(p["id"], p["doc_id"], p["start"], p["end"], docs[p["doc_id"]]["text"][p["start"]:p["end"]],
                        docs[p["doc_id"]].get("title", "")) for p in _read_jsonl(folder / "passages.jsonl")]
    corpus = Corpus(docs, passages, meta["max_words"])
    bm25 = BM25Index.load(folder / "bm25", **meta["bm25"])
    dense = None
    if meta["dense"]:
        encoder = Encoder(meta["dense"]["spec"], device)
        if encoder.describe() != meta["dense"]["model"]:
            raise ValueError(f"{folder}: its passages were embedded by {meta['dense']['model']}, but here the "
                             f"queries would be embedded by {encoder.describe()}; build the index again here "
                             f"or load it where that model is available")
        dense = DenseIndex.load(folder / "dense.faiss", encoder, meta["dense"]["kind"])
        if dense.faiss_index.ntotal != len(corpus):
            raise DataFormatError(f"{folder / 'dense.faiss'}: {dense.faiss_index.ntotal} vectors for {len(corpus)} passages")
    return PassageIndex(corpus, bm25, dense)


def index_size(folder) -> dict:
    """Bytes on disk of a saved index, per part (``corpus``, ``bm25``, ``dense``) and in total."""
    folder = Path(folder)

    def size(paths: Iterable[Path]) -> int:
        return sum(p.stat().st_size for p in paths if p.is_file())

    parts = {"corpus": size(folder / n for n in ("documents.jsonl", "passages.jsonl", "index.json")),
             "bm25": size((folder / "bm25").rglob("*")), "dense": size([folder / "dense.faiss"])}
    return {**parts, "total": sum(parts.values())}
