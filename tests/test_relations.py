"""workbench.relations: RE TSV loading, pair marking (masks / entity markers), metrics, candidate
pairs, extract_relations span mapping, a short stand-in fine-tuning run, save/reload, the CLI, GAD."""
import json

import numpy as np
import pytest

from workbench import cli
from workbench import relations as R
from workbench.data import DataFormatError
from workbench.taggers import DictionaryTagger


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading data


def test_train_file_without_header(tmp_path):
    f = write(tmp_path / "train.tsv", "@GENE$ causes @DISEASE$.\t1\nNo link of @GENE$ with @DISEASE$.\t0\n")
    rows = R.read_re_tsv(f)
    assert [(r["sentence"], r["label"], r["line"]) for r in rows] == [
        ("@GENE$ causes @DISEASE$.", "1", 1), ("No link of @GENE$ with @DISEASE$.", "0", 2)]


def test_test_file_with_header_skips_it_and_drops_the_index(tmp_path):
    f = write(tmp_path / "test.tsv", "index\tsentence\tlabel\n0\t@GENE$ in @DISEASE$.\t1\n\n1\t@DISEASE$ not @GENE$.\t0\r\n")
    rows = R.read_re_tsv(f)
    assert [(r["sentence"], r["label"], r["line"]) for r in rows] == [
        ("@GENE$ in @DISEASE$.", "1", 2), ("@DISEASE$ not @GENE$.", "0", 4)]


@pytest.mark.parametrize("text, line, message", [
    ("@GENE$ a @DISEASE$.\t1\n@GENE$ and @DISEASE$ 1\n", 2, "1 tab-separated columns"),
    ("index\tsentence\tlabel\n0\t@GENE$ x @DISEASE$.\t1\n@GENE$ y @DISEASE$.\t0\n", 3, "needs 3 columns"),
    ("@GENE$ x @DISEASE$.\t1\nonly @GENE$ here\t1\n", 2, "two entity masks"),
    ("@GENE$ x @DISEASE$.\t\n", 1, "empty label"),
    ("@GENE$ x @DISEASE$.\t1\n\t1\n", 2, "empty sentence"),
])
def test_malformed_rows_name_file_and_line(tmp_path, text, line, message):
    f = write(tmp_path / "bad.tsv", text)
    with pytest.raises(DataFormatError, match=rf"bad\.tsv:{line}: .*{message}"):
        R.read_re_tsv(f)


def test_label_outside_the_given_set_is_an_error(tmp_path):
    f = write(tmp_path / "t.tsv", "@CHEMICAL$ blocks @GENE$.\tCPR:4\n@CHEMICAL$ and @GENE$.\tCPR:99\n")
    with pytest.raises(DataFormatError, match=r"t\.tsv:2: label 'CPR:99'"):
        R.read_re_tsv(f, labels=["false", "CPR:4"])


def test_combined_mask_for_overlapping_mentions_is_accepted(tmp_path):
    f = write(tmp_path / "t.tsv", "@CHEM-GENE$ kinase activity was measured.\tfalse\n")
    assert R.read_re_tsv(f)[0]["label"] == "false"


def test_load_dataset_binary_and_multiclass(tmp_path):
    write(tmp_path / "train.tsv", "@GENE$ a @DISEASE$.\t1\n@GENE$ b @DISEASE$.\t0\n@GENE$ c @DISEASE$.\t1\n")
    write(tmp_path / "test.tsv", "index\tsentence\tlabel\n0\t@GENE$ d @DISEASE$.\t0\n")
    write(tmp_path / "dev.tsv", "")  # GAD ships 0-byte dev files: ignored, not an empty split
    ds = R.load_re_dataset(tmp_path)
    assert set(ds) == {"train", "test"}
    assert ds["train"].features["label"].names == ["0", "1"]
    assert ds["train"]["label"] == [1, 0, 1] and ds["test"]["label"] == [0]
    assert ds["test"][0]["sentence"] == "@GENE$ d @DISEASE$."
    cp = R.load_re_sample("chemprot")
    names = cp["train"].features["label"].names
    assert names[0] == "false" and set(names[1:]) == {"CPR:3", "CPR:4", "CPR:5", "CPR:6", "CPR:9"}
    assert R.order_labels(["CPR:9", "false", "CPR:3"]) == ["false", "CPR:3", "CPR:9"]
    assert R.negative_label(["1", "0"]) == "0" and R.negative_label(["A", "B"]) is None


def test_missing_folder_and_unknown_sample(tmp_path):
    with pytest.raises(FileNotFoundError, match="no train/test"):
        R.load_re_dataset(tmp_path)
    with pytest.raises(FileNotFoundError, match="no RE sample 'gad'"):
        R.load_re_sample("gad")


def test_jsonl_pairs_bad_span_names_file_and_line(tmp_path):
    good = {"text": "BRCA1 causes cancer.", "head": {"start": 0, "end": 5, "label": "Gene"},
            "tail": {"start": 13, "end": 19, "label": "Disease"}, "label": "1"}
    bad = dict(good, tail={"start": 13, "end": 99, "label": "Disease"})
    f = write(tmp_path / "train.jsonl", json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(DataFormatError, match=r"train\.jsonl:2: ValueError: tail span \(13, 99\)"):
        R.read_pairs_jsonl(f)


def test_samples_match_their_generator(tmp_path):
    import filecmp
    import subprocess
    import sys

    from workbench.data import DATA_DIR

    subprocess.run([sys.executable, str(DATA_DIR / "make_re_sample.py"), str(tmp_path)], check=True, capture_output=True)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DATA_DIR / "re") for p in (DATA_DIR / "re").rglob("*") if p.is_file())
    assert written == committed
    for rel in written:
        assert filecmp.cmp(tmp_path / rel, DATA_DIR / "re" / rel, shallow=False), rel


def test_samples_test_on_templates_training_never_saw():
    import re
    import sys

    from workbench.data import DATA_DIR

    sys.path.insert(0, str(DATA_DIR))
    import make_re_sample as G

    context = re.compile("^(?:" + "|".join(re.escape(c) for c in G.CONTEXTS if c) + ")")
    for name in ("gene_disease", "chemprot"):
        sample = R.load_re_sample(name)
        skeleton = lambda s: context.sub("", s).lower()  # noqa: E731  (masked sentence without its context phrase)
        shared = {skeleton(s) for s in sample["train"]["sentence"]} & {skeleton(s) for s in sample["test"]["sentence"]}
        assert not shared, f"{name}: test sentences reuse training templates: {sorted(shared)[:3]}"
    for table in (G.GD_POSITIVE, G.GD_NEGATIVE, G.ADE_TEMPLATES, G.ADE_NEGATIVE_ONLY):
        assert not {t for s, *_, t in table if s == "train"} & {t for s, *_, t in table if s == "test"}
    rows = {split: R.read_pairs_jsonl(DATA_DIR / "re" / "gene_disease" / f"{split}.jsonl") for split in ("train", "test")}
    mentions = {split: {r["text"][e["start"]:e["end"]] for r in rs for e in (r["head"], r["tail"])}
                for split, rs in rows.items()}
    held = set().union(*G.F.HELD_OUT.values())
    assert not held & mentions["train"] and held & mentions["test"], "held-out names: only in test"
    sourced = {line.split("\t")[1] for line in (DATA_DIR / "re" / "sources.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    real_pairs = {(g.lower(), d.lower()) for g, d, *_ in G.F.GENE_DISEASE}
    invented = {n.lower() for names in G.F.INVENTED.values() for n in names}
    for split, rs in rows.items():  # an asserted association is a sourced fact unless a name is invented
        for r in rs:
            pair = (r["head"]["text"].lower(), r["tail"]["text"].lower())  # "Cystic fibrosis" opens a sentence
            if r["label"] == "1" and not set(pair) & invented:
                assert pair in real_pairs and r["text"] in sourced, r["text"]


def test_sample_in_both_styles_is_the_same_examples():
    masked, marked = R.load_re_sample("gene_disease", "mask"), R.load_re_sample("gene_disease", "markers")
    assert len(masked["train"]) == len(marked["train"]) == 320
    assert masked["train"]["label"] == marked["train"]["label"]
    row = marked["train"][0]
    assert "[E1-GENE]" in row["sentence"] and "[/E2-DISEASE]" in row["sentence"]
    assert R.MASK.sub("X", masked["train"][0]["sentence"]).count("X") == 2


# ---------------------------------------------------------------- marking


TEXT = "Mutations in BRCA1 raise the risk of breast cancer."
GENE, DISEASE = (13, 18, "Gene"), (37, 50, "Disease")


def test_mask_style_exact_string():
    assert TEXT[13:18] == "BRCA1" and TEXT[37:50] == "breast cancer"
    assert R.mark_pair(TEXT, GENE, DISEASE, "mask") == "Mutations in @GENE$ raise the risk of @DISEASE$."
    # dicts work too, and the tail may come first in the text
    assert R.mark_pair(TEXT, {"start": 37, "end": 50, "label": "Disease"}, {"start": 13, "end": 18, "label": "Gene"}) \
        == "Mutations in @GENE$ raise the risk of @DISEASE$."


def test_marker_style_exact_string_keeps_the_words():
    marked = R.mark_pair(TEXT, GENE, DISEASE, "markers")
    assert marked == "Mutations in [E1-GENE] BRCA1 [/E1-GENE] raise the risk of [E2-DISEASE] breast cancer [/E2-DISEASE]."
    s = marked.index("BRCA1")
    assert marked[s:s + 5] == "BRCA1"
    assert R.mask_token("Adverse event") == "@ADVERSEEVENT$"
    assert R.marker_tokens(["Gene"]) == ["[E1-GENE]", "[/E1-GENE]", "[E2-GENE]", "[/E2-GENE]"]


@pytest.mark.parametrize("head, tail, message", [
    ((13, 18, "Gene"), (15, 30, "Disease"), "overlap"),
    ((13, 18, "Gene"), (37, 99, "Disease"), "outside the text"),
    ((5, 5, "Gene"), (37, 50, "Disease"), "outside the text"),
])
def test_mark_pair_rejects_bad_spans(head, tail, message):
    with pytest.raises(ValueError, match=message):
        R.mark_pair(TEXT, head, tail)


def test_bad_style_is_named():
    with pytest.raises(ValueError, match="style must be one of"):
        R.mark_pair(TEXT, GENE, DISEASE, "brackets")


def test_marker_tokens_added_to_tokenizer_and_embeddings_resized():
    tok, model = R.prepare_model("standin", ["0", "1"], style="markers", entity_types=["Gene", "Disease"])
    vocab = tok.get_vocab()
    markers = R.marker_tokens(["Gene", "Disease"])
    assert all(m in vocab for m in markers)
    assert model.get_input_embeddings().weight.shape[0] == len(tok)
    pieces = tok.tokenize(R.mark_pair(TEXT, GENE, DISEASE, "markers"))
    assert "[E1-GENE]" in pieces and "[/E2-DISEASE]" in pieces, pieces  # never split or lower-cased
    plain_tok, plain = R.prepare_model("standin", ["0", "1"], style="mask")
    assert plain.get_input_embeddings().weight.shape[0] == len(tok) - len(markers)


def test_fit_window_keeps_both_entities_of_a_long_sentence():
    from workbench.models import load_tokenizer

    tok = load_tokenizer("standin")
    sentence = " ".join(["filler"] * 150) + " @GENE$ was linked to " + " ".join(["word"] * 20) + " @DISEASE$ " + \
        " ".join(["tail"] * 100)
    window = R.fit_window(sentence, tok, 64)
    assert "@GENE$" in window and "@DISEASE$" in window
    assert len(tok(window)["input_ids"]) <= 64
    assert R.fit_window("@GENE$ short @DISEASE$.", tok, 64) == "@GENE$ short @DISEASE$."


# ---------------------------------------------------------------- metrics


def test_binary_metrics_are_positive_class_only():
    gold = ["1", "1", "1", "0", "0", "0"]
    pred = ["1", "1", "0", "1", "0", "0"]
    m = R.relation_metrics(gold, pred, negative="0")
    assert (m["true_positives"], m["predicted_positive"], m["gold_positive"]) == (2, 3, 3)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3) and m["accuracy"] == pytest.approx(4 / 6)


def test_multiclass_micro_f1_excludes_the_negative_class():
    gold = ["CPR:3", "CPR:4", "CPR:4", "false", "false", "false", "false"]
    pred = ["CPR:3", "CPR:3", "false", "false", "false", "false", "CPR:9"]
    m = R.relation_metrics(gold, pred, negative="false")
    # tp = 1 (CPR:3); predicted relations = 3 (CPR:3, CPR:3, CPR:9); gold relations = 3
    assert m["precision"] == pytest.approx(1 / 3) and m["recall"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(1 / 3)
    # counting "false" as a class would reward the easy majority: micro-F1 = accuracy = 4/7
    assert R.relation_metrics(gold, pred, negative=None)["f1"] == pytest.approx(4 / 7)
    assert R.relation_metrics(["false"], ["false"], "false")["f1"] == 0.0
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        R.relation_metrics(["1", "0"], ["1"], "0")


def test_per_class_and_confusion_matrix():
    gold, pred = ["a", "a", "b", "n"], ["a", "b", "b", "a"]
    rows = {r["label"]: r for r in R.per_class_metrics(gold, pred, ["n", "a", "b"])}
    assert rows["a"]["precision"] == pytest.approx(0.5) and rows["a"]["recall"] == pytest.approx(0.5)
    assert rows["b"]["support"] == 1 and rows["b"]["precision"] == pytest.approx(0.5)
    matrix = R.confusion_matrix(gold, pred, ["n", "a", "b"])
    assert matrix.tolist() == [[0, 1, 0], [0, 1, 1], [0, 0, 1]]
    with pytest.raises(ValueError, match=r"\['c'\] are not in"):
        R.confusion_matrix(["c"], ["a"], ["a", "b"])
    ax = R.plot_confusion(gold, pred, ["n", "a", "b"])
    assert len(ax.texts) == 9


# ---------------------------------------------------------------- candidates and extract_relations


def test_candidate_pairs_are_typed_and_never_overlap():
    ents = [{"start": 0, "end": 5, "label": "Gene"}, {"start": 10, "end": 15, "label": "disease"},
            {"start": 20, "end": 24, "label": "Gene"}, {"start": 3, "end": 8, "label": "Disease"}]
    pairs = R.candidate_pairs(ents, [("Gene", "Disease")])
    assert [(h["start"], t["start"]) for h, t in pairs] == [(0, 10), (20, 10), (20, 3)]
    assert R.candidate_pairs(ents, [("Chemical", "Disease")]) == []


class KeywordClassifier:
    """A test double: "1" when the marked sentence holds no negation word."""

    style, negative = "mask", "0"

    def __init__(self):
        self.seen = []

    def __call__(self, sentences):
        self.seen += sentences
        return [{"label": "0" if " no " in f" {s.lower()} " or "not" in s else "1", "score": 0.9} for s in sentences]


def test_extract_relations_spans_map_back_to_the_text():
    ner = DictionaryTagger({"Gene": ["BRCA1", "APOE"], "Disease": ["breast cancer", "Alzheimer disease"]})
    texts = ["Background. BRCA1 mutations cause breast cancer. APOE was not linked to breast cancer.",
             "In Alzheimer disease, APOE e4 is common."]
    clf = KeywordClassifier()
    records = R.extract_relations(texts, ner, clf, pair_types=[("Gene", "Disease")], keep_negative=True)
    assert len(records) == 3
    for r in records:
        text = texts[r["doc"]]
        for ent in (r["head"], r["tail"]):
            assert text[ent["start"]:ent["end"]] == ent["text"]
        assert text[r["sentence_start"]:r["sentence_start"] + len(r["sentence"])] == r["sentence"]
    first = records[0]
    assert (first["head"]["text"], first["tail"]["text"], first["label"]) == ("BRCA1", "breast cancer", "1")
    assert first["input"] == "@GENE$ mutations cause @DISEASE$."
    assert records[1]["label"] == "0" and records[2]["doc"] == 1 and records[2]["head"]["start"] == 22
    positive = R.extract_relations(texts, ner, clf, pair_types=[("Gene", "Disease")])
    assert [r["label"] for r in positive] == ["1", "1"]
    table = R.relations_table(positive)
    assert list(table["head"]) == ["BRCA1", "APOE"] and list(table["tail_start"]) == [texts[0].index("breast"), 3]


def test_extract_relations_checks_its_arguments():
    ner = DictionaryTagger({"Gene": ["BRCA1"]})
    with pytest.raises(TypeError, match="ner must be a callable"):
        R.extract_relations(["x"], "lexicon", KeywordClassifier())
    with pytest.raises(ValueError, match="ner returned 0 entity lists for 1 sentences"):
        R.extract_relations(["BRCA1."], lambda texts: [], KeywordClassifier())
    assert R.extract_relations([""], ner, KeywordClassifier()) == []


# ---------------------------------------------------------------- training, save/reload, CLI


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The stand-in fine-tuned briefly on 64 marked sample sentences (a few seconds)."""
    out = tmp_path_factory.mktemp("re_model")
    data = R.load_re_sample("gene_disease", "markers")
    data["test"] = data["test"].select(range(40))
    return R.train_relation_classifier(data, "standin", out, style="markers", entity_types=["Gene", "Disease"],
                                       epochs=2, batch_size=16, max_train_samples=64, max_length=64)


def test_short_fine_tuning_learns_and_reports_the_model(tiny_run):
    m = tiny_run.metrics
    assert tiny_run.data_used == {"train_used": 64, "train_total": 320, "dev_used": 40, "dev_total": 40}
    assert m["model"].startswith("stand-in") and "BioBERT" in m["model"]  # "(not BioBERT)"
    assert m["n"] == 40 and m["convention"].startswith("positive class")
    losses = [h["loss"] for h in tiny_run.trainer.state.log_history if "loss" in h]
    assert losses[-1] < losses[0], losses
    assert m["f1"] > 0.5, m  # the sample is easy; chance-level would be ~0.5 only by predicting all positive


def test_save_and_reload_give_the_same_predictions(tiny_run):
    clf = R.RelationClassifier.from_pretrained(tiny_run.out_dir)
    assert clf.style == "markers" and clf.labels == ["0", "1"] and clf.negative == "0"
    sentences = R.load_re_sample("gene_disease", "markers")["test"]["sentence"][:6]
    before, after = tiny_run.classifier(sentences), clf(sentences)
    assert [p["label"] for p in before] == [p["label"] for p in after]
    assert np.allclose([p["score"] for p in before], [p["score"] for p in after], atol=1e-5)
    assert clf.mark(TEXT, GENE, DISEASE).startswith("Mutations in [E1-GENE] BRCA1")


def test_extract_relations_with_the_trained_classifier(tiny_run):
    ner = DictionaryTagger({"Gene": ["BRCA1", "KRAS"], "Disease": ["breast cancer", "colorectal cancer"]})
    text = "Germline BRCA1 variants predispose carriers to breast cancer. KRAS was sequenced in all samples."
    records = R.extract_relations([text], ner, tiny_run.out_dir, keep_negative=True)
    assert len(records) == 1  # KRAS has no disease in its sentence
    r = records[0]
    assert r["input"] == "Germline [E1-GENE] BRCA1 [/E1-GENE] variants predispose carriers to [E2-DISEASE] breast " \
                         "cancer [/E2-DISEASE]."
    assert r["label"] in ("0", "1") and 0.5 <= r["score"] <= 1.0


def test_cli_train_uses_the_whole_training_split_by_default(tmp_path, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "train.tsv", "".join(f"@GENE$ variant {i} raises @DISEASE$ risk.\t{i % 2}\n" for i in range(10)))
    write(folder / "test.tsv", "index\tsentence\tlabel\n" + "".join(f"{i}\t@GENE$ in @DISEASE$ {i}.\t{i % 2}\n"
                                                                   for i in range(4)))
    out = tmp_path / "model"
    assert cli.main(["re", "train", "--data", str(folder), "--model", "standin", "--out", str(out), "--epochs", "1",
                     "--max-length", "32"]) == 0
    printed = capsys.readouterr()
    used = {"train_used": 10, "train_total": 10, "dev_used": 4, "dev_total": 4}
    summary = json.loads(printed.out)
    assert {k: summary[k] for k in used} == used and "training on all 10 sentences, test all 4" in printed.err
    meta = json.loads((out / "workbench_model.json").read_text())
    assert {k: meta[k] for k in used} == used and meta["batch_size"] == 32  # the full recipe, not fast mode's


def test_cli_train_evaluate_predict(tmp_path, capsys):
    out = tmp_path / "model"
    assert cli.main(["re", "train", "--data", "sample:gene_disease", "--model", "standin", "--out", str(out),
                     "--epochs", "1", "--max-train-samples", "32", "--batch-size", "16", "--max-length", "48"]) == 0
    printed = capsys.readouterr()
    summary = json.loads(printed.out)
    assert 0 <= summary["test"]["f1"] <= 1 and summary["test"]["n"] == 100 and (out / "config.json").exists()
    assert [summary[k] for k in ("train_used", "train_total", "dev_used", "dev_total")] == [32, 320, 100, 100]
    assert "training on 32 of 320 sentences (max_train_samples=32), test all 100 sentences" in printed.err
    assert cli.main(["re", "evaluate", "--model", str(out), "--data", "sample:gene_disease", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 100 and 0 <= report["f1"] <= 1 and report["negative"] == "0"
    raw = write(tmp_path / "in.txt", "Mutations in BRCA1 are associated with breast cancer.\n\nNothing here.\n")
    assert cli.main(["re", "predict", "--model", str(out), "--input", str(raw), "--all"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and lines[0]["head"]["text"] == "BRCA1" and lines[0]["tail"]["text"] == "breast cancer"
    marked = write(tmp_path / "marked.txt", "@GENE$ is linked to @DISEASE$.\n")
    assert cli.main(["re", "predict", "--model", str(out), "--input", str(marked)]) == 0
    assert json.loads(capsys.readouterr().out)["label"] in ("0", "1")
    assert cli.main(["re", "evaluate", "--model", str(out), "--split", "devel"]) == 2
    assert "--split 'devel'" in capsys.readouterr().err


# ---------------------------------------------------------------- real data


@pytest.mark.realdata
def test_gad_fold_1_loads_with_header_handling(shared_data):
    ds = R.load_re_dataset(shared_data / "gad" / "1")
    assert set(ds) == {"train", "test"}  # the 0-byte upstream dev files were not copied
    assert len(ds["train"]) == 4796 and len(ds["test"]) == 534  # the test header is not a row
    assert ds["train"].features["label"].names == ["0", "1"]
    assert np.bincount(ds["train"]["label"]).tolist() == [2276, 2520]
    assert np.bincount(ds["test"]["label"]).tolist() == [253, 281]
    assert not any(s.startswith("index") for s in ds["test"]["sentence"][:3])
    assert all("@GENE$" in s and "@DISEASE$" in s for s in ds["test"]["sentence"])
