"""Retrieval for QA (wb.qa.retrieval, wb.qa.ask): passages with exact offsets, BM25/dense/hybrid rankings on
real sentences (the project's abstracts, BioASQ 4b snippets), reciprocal rank fusion, a saved index reloaded in
a fresh process, and ``qa index``/``qa ask``."""
import json
import subprocess
import sys

import numpy as np
import pytest

from workbench import cli, qa

METFORMIN = "What are the side effects of metformin?"


@pytest.fixture(scope="module")
def corpus():
    return qa.load_sample_corpus(max_words=40)


@pytest.fixture(scope="module")
def index(corpus, standin_dir):
    return qa.build_index(corpus)


@pytest.fixture(scope="module")
def reader(tmp_path_factory, standin_dir):
    """A stand-in QA model (untrained head, fixed seed) saved to a folder: deterministic answers, no training."""
    import torch

    from workbench.models import load_model, load_tokenizer, save_model

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("reader") / "model"
    save_model(load_model("standin", task="question-answering"), load_tokenizer("standin"), out)
    return str(out)


def _run_cli(*args):
    proc = subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


# ---------------------------------------------------------------- passages and corpora

def _check_passages(corpus, max_words):
    for doc_id in corpus.documents:
        doc = corpus.document_text(doc_id)
        mine = [p for p in corpus.passages if p.doc_id == doc_id]
        assert mine, f"{doc_id} has no passage"
        for p in mine:
            assert doc[p.start:p.end] == p.text and p.text == p.text.strip()
            assert len(p.text.split()) <= max_words or len(qa.split_passages(p.text, max_words)) == 1
        for a, b in zip(mine, mine[1:]):
            assert a.end <= b.start and not doc[a.end:b.start].strip(), "passages are consecutive and lose no text"
        assert not doc[:mine[0].start].strip() and not doc[mine[-1].end:].strip()


def test_sample_passages_have_exact_offsets(corpus):
    assert len(corpus.documents) == 14 and len(corpus) > len(corpus.documents), "40-word passages split some abstracts"
    _check_passages(corpus, 40)
    p = corpus.passage("WBR04#1")
    assert p.text.startswith("Metformin lowers blood glucose") and p.title == "Metformin and hypoglycaemia"
    with pytest.raises(KeyError, match="WBR99"):
        corpus.passage("WBR99#1")


def test_every_sample_document_records_its_source():
    rows = [json.loads(line) for line in qa.sample_corpus_path().read_text(encoding="utf-8").splitlines()]
    assert rows and all(r["source"].strip() and r["title"].strip() for r in rows)


def test_bad_corpus_files_name_the_file_and_line(tmp_path):
    from workbench.data import DataFormatError

    bad = tmp_path / "abstracts.jsonl"
    bad.write_text('{"doc_id": "a", "text": "Aspirin inhibits COX-1."}\n{"doc_id": "b", "text": \n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"abstracts\.jsonl:2: invalid JSON"):
        qa.load_abstracts(bad)
    bad.write_text('{"doc_id": "a", "text": "Aspirin inhibits COX-1."}\n{"doc_id": "b"}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"abstracts\.jsonl:2: .*'text'"):
        qa.load_abstracts(bad)
    bad.write_text('{"doc_id": "a", "text": "One."}\n{"doc_id": "a", "text": "Two."}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match="'a' occurs twice"):
        qa.load_abstracts(bad)
    with pytest.raises(FileNotFoundError, match="nowhere.jsonl"):
        qa.load_abstracts(tmp_path / "nowhere.jsonl")
    with pytest.raises(ValueError, match="no text"):
        qa.make_corpus(["   "])


@pytest.mark.realdata
def test_bioasq_pool_passages_have_exact_offsets(shared_data):
    ds = qa.load_bioasq_folder(shared_data / "bioasq_4b")
    pool = qa.bioasq_pool(ds)
    assert len(pool.questions) == 161 and len(pool.corpus.documents) == len(set(ds["context"]))
    assert sum(bool(v) for v in pool.relevant.values()) == qa.bioasq_coverage(ds)["questions_located"]
    _check_passages(pool.corpus, qa.retrieval.MAX_WORDS)
    for qid, docs in pool.relevant.items():
        for d in docs:  # a relevant snippet is one of the question's own and holds a golden synonym
            assert qa.find_answer_spans(pool.corpus.document_text(d), pool.golden[qid])


# ---------------------------------------------------------------- fusion and rankings

def test_reciprocal_rank_fusion_hand_made():
    fused = qa.reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61) and scores["c"] == pytest.approx(1 / 63 + 1 / 62)
    assert scores["a"] == pytest.approx(1 / 61) and scores["d"] == pytest.approx(1 / 63)
    assert [i for i, _ in qa.reciprocal_rank_fusion([["x", "y"], ["y", "x"]])] == ["x", "y"], "tie: first seen"
    assert [i for i, _ in qa.reciprocal_rank_fusion([["p"], ["q", "r"]], k=0)] == ["p", "q", "r"]
    with pytest.raises(ValueError, match="twice"):
        qa.reciprocal_rank_fusion([["a", "a"]])


def test_rankings_on_the_project_abstracts(index):
    top = {m: index.search(METFORMIN, k=5, method=m) for m in qa.retrieval.METHODS}
    # dense reads "side effects" as "adverse reactions"; BM25 only matches the words
    assert top["dense"][0]["passage_id"].startswith("WBR01#")
    assert "side effects" in top["bm25"][0]["text"]
    assert any(h["doc_id"] == "WBR01" for h in top["hybrid"])
    for hits in top.values():
        assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
        assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
        for h in hits:
            assert index.corpus.document_text(h["doc_id"])[h["start"]:h["end"]] == h["text"]
    for method in qa.retrieval.METHODS:
        assert index.search("Which genes change the dose of warfarin a patient needs?", k=1, method=method)[0]["doc_id"] == "WBR12"
        assert index.search("Which drugs cause a dry cough?", k=1, method=method)[0]["doc_id"] == "WBR10"
    hybrid = index.search(METFORMIN, k=3)
    assert all(h["bm25_rank"] or h["dense_rank"] for h in hybrid)
    assert index.search("zyxwv qwerty", k=5, method="bm25") == [], "no shared word, no BM25 hit"
    with pytest.raises(ValueError, match="method"):
        index.search(METFORMIN, method="tfidf")
    with pytest.raises(ValueError, match="empty"):
        index.search("  ")


def test_dense_embeddings_are_masked_mean_pools(index):
    import torch

    enc = index.dense.encoder
    short, long = "Metformin lowers glucose.", index.corpus.passages[0].text
    both = enc.encode([long, short])
    alone = enc.encode([short])
    assert np.allclose(both[1], alone[0], atol=1e-5), "padding must not change an embedding"
    assert np.allclose(np.linalg.norm(both, axis=1), 1.0, atol=1e-5)
    model, tok = enc._model("query")
    with torch.inference_mode():
        hidden = model(**tok(short, return_tensors="pt")).last_hidden_state[0]
    by_hand = torch.nn.functional.normalize(hidden.mean(0), dim=0).numpy()
    assert np.allclose(alone[0], by_hand, atol=1e-5)
    assert enc.describe().startswith("stand-in") and enc.dim == alone.shape[1]


def test_hub_retrievers_fall_back_to_the_standin_offline_and_say_so(standin_dir, capsys):
    enc = qa.Encoder("medcpt")
    assert qa.ENCODERS["medcpt"].query_model == "ncbi/MedCPT-Query-Encoder"
    assert qa.ENCODERS["medcpt"].passage_model == "ncbi/MedCPT-Article-Encoder"
    assert enc.is_standin and enc.spec.pooling == "mean" and "stand-in" in enc.describe()
    assert "STAND-IN" in capsys.readouterr().err


def test_hnsw_index_agrees_with_exact_search(corpus, index):
    approx = qa.build_index(corpus, index_kind="hnsw")
    for q in (METFORMIN, "Which drugs cause a dry cough?"):
        assert approx.search(q, k=1, method="dense")[0]["passage_id"] == index.search(q, k=1, method="dense")[0]["passage_id"]


@pytest.mark.realdata
def test_bioasq_retrieval_beats_chance(shared_data):
    ds = qa.select_questions(qa.load_bioasq_folder(shared_data / "bioasq_4b"), 15)
    pool = qa.bioasq_pool(ds)
    index = qa.build_index(pool.corpus)
    rows = {r["method"]: r for r in qa.retrieval_recall(index, pool, ks=(1, 5))}
    chance = 100 * 5 / len(pool.corpus.documents)
    for method, row in rows.items():
        assert row["questions"] == sum(bool(v) for v in pool.relevant.values())
        assert 0 <= row["recall@1"] <= row["recall@5"] <= row["hit@5"] <= 100
        assert row["recall@5"] > 3 * chance, f"{method}: recall@5 {row['recall@5']:.1f} vs chance {chance:.1f}"
    qid = next(q for q, d in pool.relevant.items() if d)
    assert set(index.search_documents(pool.questions[qid], k=len(pool.corpus.documents))) == set(pool.corpus.documents)


# ---------------------------------------------------------------- asking: answers with evidence

def test_ask_gives_exact_spans_in_passage_and_document(index, reader):
    with pytest.raises(ValueError, match=r"wb\.qa\.sample_reader\(\)"):
        qa.ask(METFORMIN, index)
    answers = qa.ask(METFORMIN, index, k=4, model=reader, top_k=5)
    assert 1 <= len(answers) <= 5
    assert [a["score"] for a in answers] == sorted((a["score"] for a in answers), reverse=True)
    retrieved = {h["passage_id"] for h in index.search(METFORMIN, k=4)}
    for a in answers:
        assert a["passage"][a["start"]:a["end"]] == a["text"]
        assert index.corpus.document_text(a["doc_id"])[a["doc_start"]:a["doc_end"]] == a["text"]
        assert a["passage_id"] in retrieved and 1 <= a["retrieval_rank"] <= 4
        assert a["text"] in a["sentence"] and a["sentence"] in a["passage"]
    html = qa.format_evidence(answers, n=2)
    assert html.count("<mark") == min(2, len(answers)) and answers[0]["passage_id"] in html


def test_ask_builds_an_index_from_a_file_or_documents(reader, tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"doc_id": "d1", "text": "Imatinib inhibits the BCR-ABL tyrosine kinase."}) + "\n"
                    + json.dumps({"doc_id": "d2", "text": "Warfarin is a vitamin K antagonist."}) + "\n", encoding="utf-8")
    got = qa.ask("Which kinase does imatinib inhibit?", docs, k=1, model=reader, method="bm25")
    assert got and all(a["doc_id"] == "d1" for a in got)
    got = qa.ask("Which kinase does imatinib inhibit?", ["Imatinib inhibits BCR-ABL."], k=1, model=reader)
    assert got[0]["doc_id"] == "doc00001"


def test_negation_cue_on_a_real_sentence(corpus):
    text = corpus.passage("WBR04#1").text
    at = text.index("hypoglycaemia")
    assert qa.negation_cue(text, at) == "not"
    assert qa.answer_sentence(text, at) == (text.index("Metformin does not"), text.index("conditions.") + len("conditions."))
    assert qa.negation_cue(text, text.index("blood glucose")) is None
    assert qa.negation_cue(text, text.index("insulin secretion")) == "without"
    answer = {"text": "hypoglycaemia", "score": 0.5, "passage_id": "WBR04#1", "doc_id": "WBR04", "title": "",
              "passage": text, "start": at, "end": at + 13, "doc_start": at, "doc_end": at + 13,
              "retrieval_rank": 1, "method": "hybrid", "negation_cue": "not"}
    assert "says &#x27;not&#x27; before this answer" in qa.format_evidence([answer])


# ---------------------------------------------------------------- saving, reloading, command line

def test_index_saves_and_reloads_with_the_same_results(index, tmp_path):
    folder = index.save(tmp_path / "idx")
    again = qa.load_index(folder)
    assert len(again.corpus) == len(index.corpus) and again.corpus.passages == index.corpus.passages
    for method in qa.retrieval.METHODS:
        assert again.search(METFORMIN, k=6, method=method) == index.search(METFORMIN, k=6, method=method)
    sizes = qa.index_size(folder)
    assert sizes["dense"] >= len(index.corpus) * index.dense.encoder.dim * 4 and sizes["total"] > sizes["dense"]
    meta = json.loads((folder / "index.json").read_text())
    meta["dense"]["model"] = "ncbi/MedCPT-Article-Encoder"
    (folder / "index.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="embedded by ncbi/MedCPT-Article-Encoder"):
        qa.load_index(folder)
    with pytest.raises(FileNotFoundError, match="index.json"):
        qa.load_index(tmp_path)


def test_cli_index_then_ask_in_fresh_processes(corpus, index, reader, tmp_path, capsys):
    folder = tmp_path / "idx"
    built = _run_cli("qa", "index", "--corpus", str(qa.sample_corpus_path()), "--out", str(folder), "--max-words", "40")
    assert built["passages"] == len(corpus) and built["documents"] == 14 and built["encoder"].startswith("stand-in")
    question = "Which vitamin is lowered by long-term metformin treatment?"
    hits = _run_cli("qa", "ask", "--index", str(folder), "--question", question, "--k", "4", "--retrieve-only", "--json")
    here = index.search(question, k=4)
    assert [h["passage_id"] for h in hits] == [h["passage_id"] for h in here]
    assert np.allclose([h["score"] for h in hits], [h["score"] for h in here], atol=1e-6)
    answers = _run_cli("qa", "ask", "--index", str(folder), "--question", question, "--k", "4", "--model", reader,
                       "--json")
    mine = qa.ask(question, index, k=4, model=reader)
    assert [(a["text"], a["passage_id"], a["doc_start"], a["doc_end"]) for a in answers] == \
        [(a["text"], a["passage_id"], a["doc_start"], a["doc_end"]) for a in mine]
    assert np.allclose([a["score"] for a in answers], [a["score"] for a in mine], atol=1e-5)
    assert cli.main(["qa", "ask", "--index", str(folder), "--question", question]) == 2
    assert "--retrieve-only" in capsys.readouterr().err
    assert cli.main(["qa", "index", "--out", str(tmp_path / "x")]) == 2
    assert "--corpus" in capsys.readouterr().err
    assert cli.main(["qa", "ask", "--index", str(tmp_path / "nothing"), "--question", question, "--retrieve-only"]) == 2
    assert "index.json" in capsys.readouterr().err
