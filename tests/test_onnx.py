"""ONNX Runtime backend: exported NER / QA / RE folders give PyTorch's predictions on real and sample sentences,
load in a fresh process from the CLI, and the int8 copy is smaller and close."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from workbench import deploy, runtime
from workbench.relations import RelationClassifier

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, check=True):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "workbench", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=False)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def ner(tmp_path_factory):
    """The sample tagger's folder, exported by the CLI (fresh processes), and its int8 copy (CLI, --int8)."""
    folder = wb.ner.sample_tagger().folder
    tmp = tmp_path_factory.mktemp("onnx")
    out = json.loads(cli("export", folder, tmp / "ner-onnx").stdout)
    assert out["task"] == "ner" and out["onnx"]["int8"] is False
    assert out["onnx"]["max_abs_diff_vs_torch"] < runtime.FP32_TOLERANCE  # measured on the fused graph
    layers = wb.load_model(str(folder), task="token-classification").config.num_hidden_layers
    assert out["onnx"]["fused"] == {"MultiHeadAttention": layers, "SkipLayerNormalization": 2 * layers,
                                    "BiasGelu": layers}, "one attention kernel per layer, LayerNorm with its residual"
    cli("export", tmp / "ner-onnx", tmp / "ner-int8", "--int8")
    return {"torch": folder, "onnx": tmp / "ner-onnx", "int8": tmp / "ner-int8"}


def entities(tagger, texts):
    return [[(e["start"], e["end"], e["label"], e["text"]) for e in ents] for ents in tagger(texts)]


def ncbi_texts(shared_data, n):
    test = wb.data.load_corpus("ncbi_disease")["test"].select(range(n))
    return test["tokens"], [" ".join(words) for words in test["tokens"]]


@pytest.mark.realdata
def test_ner_onnx_gives_pytorch_entities_on_ncbi_disease(ner, shared_data):
    words, texts = ncbi_texts(shared_data, 120)
    torch_tagger = wb.ner.load_tagger(ner["torch"])
    onnx_tagger = wb.ner.load_tagger(ner["onnx"], runtime="onnx")
    assert isinstance(onnx_tagger.model, runtime.OnnxModel) and "ONNX Runtime fp32" in onnx_tagger.name
    assert entities(onnx_tagger, texts) == entities(torch_tagger, texts)
    a = wb.ner.word_logits(torch_tagger.model, torch_tagger.tokenizer, words)
    b = wb.ner.word_logits(onnx_tagger.model, onnx_tagger.tokenizer, words)
    assert max(float(np.abs(x - y).max()) for x, y in zip(a, b)) < 1e-3
    found = sum(len(e) for e in entities(onnx_tagger, texts))
    assert found > 20, "the sentences hold diseases the tagger finds: the comparison is not over empty lists"


def test_ner_onnx_gives_pytorch_entities_on_project_sample(ner):
    sample = wb.data.load_ner_sample()["test"]
    texts = [" ".join(w) for w in sample["tokens"][:40]] + [
        "BRCA1 mutations cause hereditary breast cancer. Cisplatin induced nephrotoxicity in rats.", ""]
    torch_tagger, onnx_tagger = wb.ner.load_tagger(ner["torch"]), wb.ner.load_tagger(ner["onnx"])  # auto: ONNX
    assert isinstance(onnx_tagger.model, runtime.OnnxModel)
    ours, theirs = onnx_tagger(texts), torch_tagger(texts)
    assert [[{k: e[k] for k in ("start", "end", "label")} for e in x] for x in ours] == \
        [[{k: e[k] for k in ("start", "end", "label")} for e in x] for x in theirs]
    assert all(abs(e["score"] - f["score"]) < 1e-3 for x, y in zip(ours, theirs) for e, f in zip(x, y))
    long_text = " ".join(["Mutations in BRCA1 and TP53 were found in patients with breast cancer"] * 30)
    assert entities(onnx_tagger, [long_text]) == entities(torch_tagger, [long_text]), "windows: same merge"


def test_export_has_dynamic_batch_and_sequence_axes(ner):
    model = runtime.OnnxModel(ner["onnx"])
    for i in model.session.get_inputs():
        assert isinstance(i.shape[0], str) and isinstance(i.shape[1], str), i.shape
    tok = wb.load_tokenizer(str(ner["onnx"]))
    for texts in (["TP53"], ["a b c"] * 7, [" ".join(["word"] * 200)]):
        enc = tok(texts, padding=True, return_tensors="pt")
        out = model(**enc).logits
        assert tuple(out.shape) == (*enc["input_ids"].shape, len(model.config.id2label))
    enc = tok(["BRCA1 causes cancer"], return_tensors="pt")
    no_segments = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    assert np.allclose(no_segments.numpy(), model(**enc).logits.numpy()), "token_type_ids default to zeros"


@pytest.mark.realdata
def test_int8_is_smaller_and_keeps_most_tags(ner, shared_data):
    assert (ner["int8"] / "model.onnx").stat().st_size <= 0.5 * (ner["onnx"] / "model.onnx").stat().st_size
    meta = wb.models.read_meta(ner["int8"])
    assert meta["onnx"]["int8"] and "Gather" in meta["onnx"]["quantized_ops"], "embeddings are quantised too"
    import onnx

    graph = onnx.load(str(ner["int8"] / "model.onnx")).graph
    ops = [n.op_type for n in graph.node]
    layers = meta["onnx"]["fused"]["MultiHeadAttention"]
    assert ops.count("MultiHeadAttention") == layers and "MatMul" not in ops, "fused, and every MatMul is int8"
    assert ops.count("MatMulInteger") == 6 * layers + 1  # query, key, value, output, 2 feed-forward; the head
    weights = [onnx.numpy_helper.to_array(t) for t in graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert weights and max(int(np.abs(w).max()) for w in weights) <= 64, "7-bit range (reduce_range)"
    words, _ = ncbi_texts(shared_data, 120)
    fp32, int8 = wb.ner.load_tagger(ner["onnx"]), wb.ner.load_tagger(ner["int8"])
    assert "int8" in int8.name
    a = [t for s in fp32.predict_words(words) for t in s]
    b = [t for s in int8.predict_words(words) for t in s]
    assert sum(x == y for x, y in zip(a, b)) / len(a) > 0.95


def test_exported_folder_predicts_in_a_fresh_process(ner, tmp_path):
    lines = ["BRCA1 mutations cause hereditary breast cancer.", "", "Cisplatin induced nephrotoxicity in rats.",
             "No entity here at all."]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = cli("ner", "predict", "--model", ner["onnx"], "--lines", src)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 3, 4]
    expected = wb.ner.load_tagger(ner["torch"])([lines[0], lines[2], lines[3]])
    assert [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in records] == \
        [[(e["start"], e["end"], e["label"]) for e in ents] for ents in expected]


@pytest.fixture(scope="module")
def qa_folders(tmp_path_factory):
    folder = wb.qa.sample_reader_dir()
    out = deploy.export_onnx(folder, tmp_path_factory.mktemp("qa") / "qa-onnx")
    return folder, out


def test_qa_onnx_gives_pytorch_answers(qa_folders):
    folder, exported = qa_folders
    model, tokenizer = wb.qa.load_reader(str(exported), runtime="onnx")
    assert isinstance(model, runtime.OnnxModel) and model.output_names == ["start_logits", "end_logits"]
    sample = wb.qa.load_sample()["validation"]
    questions, contexts = sample["question"][:25], sample["context"][:25]
    ours = wb.qa.answer_many(questions, contexts, model=model, tokenizer=tokenizer)
    theirs = wb.qa.answer_many(questions, contexts, model=str(folder))
    assert [[a["text"] for a in x] for x in ours] == [[a["text"] for a in x] for x in theirs]
    assert all(abs(a["score"] - b["score"]) < 1e-4 for x, y in zip(ours, theirs) for a, b in zip(x, y))
    long_context = " ".join(contexts[:6])  # several windows of 384
    assert [a["text"] for a in wb.qa.answer(questions[0], long_context, model=str(exported))] == \
        [a["text"] for a in wb.qa.answer(questions[0], long_context, model=str(folder))]


@pytest.fixture(scope="module")
def re_folders(tmp_path_factory):
    clf = wb.relations.sample_classifier("gene_disease")
    folder = Path(clf.model.workbench.source)
    out = deploy.export_onnx(folder, tmp_path_factory.mktemp("re") / "re-onnx")
    return folder, out


def _same_predictions(a, b, sentences):
    x, y = a(sentences), b(sentences)
    assert [p["label"] for p in x] == [p["label"] for p in y]
    assert all(abs(p["score"] - q["score"]) < 1e-4 for p, q in zip(x, y))


@pytest.mark.realdata
def test_re_onnx_gives_pytorch_labels_on_gad(re_folders, shared_data):
    folder, exported = re_folders
    test = wb.relations.load_re_dataset(wb.data.corpus_dir("gad") / "1")["test"]
    torch_clf = RelationClassifier.from_pretrained(folder)
    onnx_clf = RelationClassifier.from_pretrained(exported, runtime="onnx")
    assert onnx_clf.style == torch_clf.style and onnx_clf.labels == torch_clf.labels
    _same_predictions(onnx_clf, torch_clf, test["sentence"][:150])


def test_re_onnx_gives_pytorch_labels_on_project_sample(re_folders):
    folder, exported = re_folders
    sample = wb.relations.load_re_sample("gene_disease")["test"]
    _same_predictions(RelationClassifier.from_pretrained(exported), RelationClassifier.from_pretrained(folder),
                      sample["sentence"])


def test_clear_errors(ner, tmp_path):
    with pytest.raises(ValueError, match="runtime must be one of"):
        wb.ner.load_tagger(ner["torch"], runtime="tensorrt")
    with pytest.raises(ValueError, match="export the folder first"):
        wb.ner.load_tagger(ner["torch"], runtime="onnx")
    with pytest.raises(ValueError, match="holds only an ONNX export"):
        wb.ner.load_tagger(ner["onnx"], runtime="torch")
    with pytest.raises(ValueError, match="holds a ner model, not a question-answering one"):
        wb.qa.load_reader(str(ner["onnx"]))
    with pytest.raises(wb.models.DeviceError, match="runs on the CPU"):
        wb.ner.load_tagger(ner["onnx"], device="cuda")
    with pytest.raises(ValueError, match="cannot be trained"):
        runtime.OnnxModel(ner["onnx"]).train()
    with pytest.raises(ValueError, match="already int8"):
        deploy.quantize_onnx(ner["int8"], tmp_path / "again")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="workbench_model.json: task is None"):
        deploy.export_onnx(bare, tmp_path / "out")
    proc = cli("export", tmp_path / "missing", tmp_path / "out", check=False)
    assert proc.returncode == 2 and "missing: no such model folder" in proc.stderr
    proc = cli("export", ner["onnx"], tmp_path / "out", check=False)
    assert proc.returncode == 2 and "already an ONNX export (add --int8" in proc.stderr
