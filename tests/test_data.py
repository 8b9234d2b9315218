import filecmp
import subprocess
import sys

import pytest

from workbench import data


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_read_conll_typed_bare_and_docstart(tmp_path):
    f = write(tmp_path / "a.tsv",
              "-DOCSTART-\tO\n\nBRCA1\tB-Gene\nmutations\tO\n\n\nbreast\tB\ncancer\tI\n")
    sents = data.read_conll(f, entity_type="Disease")
    assert [s.tokens for s in sents] == [["BRCA1", "mutations"], ["breast", "cancer"]]
    assert sents[1].tags == ["B-Disease", "I-Disease"]
    assert sents[0].line == 3 and sents[1].line == 7


def test_read_conll_takes_last_column_and_handles_crlf(tmp_path):
    f = write(tmp_path / "b.tsv", "aspirin\tNN\tB-Chemical\r\nworks\tVBZ\tO\r\n")
    (sent,) = data.read_conll(f)
    assert sent.tokens == ["aspirin", "works"] and sent.tags == ["B-Chemical", "O"]


@pytest.mark.parametrize("text, line, message", [
    ("BRCA1\tB-Gene\nmutation O\n", 2, "expected 'token<TAB>tag'"),
    ("BRCA1\tB-Gene\n\nx\tE-Gene\n", 3, "not IOB2"),
    ("\tO\n", 1, "empty token"),
])
def test_malformed_input_names_file_and_line(tmp_path, text, line, message):
    f = write(tmp_path / "bad.tsv", text)
    with pytest.raises(data.DataFormatError, match=message) as err:
        data.read_conll(f)
    assert f"bad.tsv:{line}:" in str(err.value)


def test_bare_tags_without_type_is_an_error(tmp_path):
    f = write(tmp_path / "bare.tsv", "x\tB\n")
    with pytest.raises(data.DataFormatError, match="bare.tsv:1: bare B/I tags need an entity_type"):
        data.read_conll(f, entity_type=None)


def test_write_then_read_round_trip(tmp_path):
    sents = [(["Loss", "of", "TP53"], ["O", "O", "B-Gene"]), (["Asthma", "."], ["B-Disease", "O"])]
    out = data.write_conll(sents, tmp_path / "x" / "train.tsv")
    back = data.read_conll(out)
    assert [(s.tokens, s.tags) for s in back] == sents
    with pytest.raises(ValueError, match="tab/newline"):
        data.write_conll([(["a\tb"], ["O"])], tmp_path / "bad.tsv")
    with pytest.raises(ValueError, match="1 tokens but 2 tags"):
        data.write_conll([(["a"], ["O", "O"])], tmp_path / "bad.tsv")


def test_load_ner_dataset_labels_and_splits(tmp_path):
    write(tmp_path / "train.tsv", "TP53\tB-Gene\nasthma\tB-Disease\n")
    write(tmp_path / "dev.tsv", "cisplatin\tB-Chemical\n")
    write(tmp_path / "test.tsv", "x\tO\n")
    ds = data.load_ner_dataset(tmp_path)
    assert set(ds) == {"train", "devel", "test"}
    names = data.tag_names(ds["train"])
    assert names == ["O", "B-Chemical", "I-Chemical", "B-Disease", "I-Disease", "B-Gene", "I-Gene"]
    assert [names[i] for i in ds["train"][0]["ner_tags"]] == ["B-Gene", "B-Disease"]
    with pytest.raises(data.DataFormatError, match="not in the label set"):
        data.load_ner_dataset(tmp_path, labels=["O", "B-Gene", "I-Gene"])


def test_missing_folder_and_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        data.load_ner_dataset(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no train/devel/test"):
        data.load_ner_dataset(tmp_path)


def test_project_sample_is_typed_and_split():
    ds = data.load_ner_sample()
    assert {k: len(v) for k, v in ds.items()} == {"train": 240, "devel": 60, "test": 60}
    counts = data.entity_counts(ds["train"])
    assert set(counts) == {"Chemical", "Disease", "Gene"} and min(counts.values()) > 50
    train_text = {" ".join(t) for t in ds["train"]["tokens"]}
    assert not train_text & {" ".join(t) for t in ds["test"]["tokens"]}, "no sentence in both train and test"


def test_sample_matches_its_generator(tmp_path):
    gen = data.DATA_DIR / "make_ner_sample.py"
    subprocess.run([sys.executable, str(gen), str(tmp_path)], check=True, capture_output=True)
    for name in [f"{split}.tsv" for split in data.SPLITS] + ["sources.tsv"]:
        assert filecmp.cmp(tmp_path / name, data.DATA_DIR / "ner" / name, shallow=False), name


def _mentions_and_skeletons(split):
    """Entity mentions (type, text) and each sentence with its entities replaced by their type."""
    names = data.tag_names(split)
    mentions, skeletons = [], set()
    for tokens, tags in zip(split["tokens"], split["ner_tags"]):
        skeleton = []
        for tok, t in zip(tokens, tags):
            tag = names[t]
            if tag.startswith("B-"):
                mentions.append([tag[2:], tok])
                skeleton.append(f"<{tag[2:]}>")
            elif tag.startswith("I-"):
                mentions[-1][1] += " " + tok
            else:
                skeleton.append(tok.lower())
        skeletons.add(" ".join(skeleton))
    return [tuple(m) for m in mentions], skeletons


def test_sample_test_uses_held_out_templates_and_names():
    sys.path.insert(0, str(data.DATA_DIR))
    import sample_facts

    ds = data.load_ner_sample()
    train_mentions, train_skeletons = _mentions_and_skeletons(ds["train"])
    for split in ("devel", "test"):
        mentions, skeletons = _mentions_and_skeletons(ds[split])
        assert not skeletons & train_skeletons, f"{split} reuses a training template: {skeletons & train_skeletons}"
        unseen = [m for m in mentions if m not in set(train_mentions)]
        assert len(unseen) >= 0.4 * len(mentions), f"{split}: only {len(unseen)} of {len(mentions)} mentions are new"
    _, dev_skeletons = _mentions_and_skeletons(ds["devel"])
    assert not dev_skeletons & _mentions_and_skeletons(ds["test"])[1], "devel and test share a template"
    held = {name for names in sample_facts.HELD_OUT.values() for name in names}
    assert not held & {text for _, text in train_mentions}, "a held-out name occurs in train"
    assert held & {text for _, text in _mentions_and_skeletons(ds["test"])[0]}, "the test uses held-out names"


def test_every_real_fact_in_the_sample_has_a_source():
    sys.path.insert(0, str(data.DATA_DIR))
    import sample_facts

    rows = [line.split("\t") for line in (data.DATA_DIR / "ner" / "sources.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    sentences = {split: {" ".join(t) for t in ds["tokens"]} for split, ds in data.load_ner_sample().items()}
    known = {row[2] for table in (sample_facts.GENE_DISEASE, sample_facts.DRUG_INDICATION, sample_facts.DRUG_ADE,
                                  sample_facts.DRUG_TARGET) for row in table}
    assert len(rows) > 30
    for split, sentence, source in rows:
        assert sentence in sentences[split] and source in known, (split, sentence, source)
    invented = {n.lower() for names in sample_facts.INVENTED.values() for n in names}
    real = {n.lower() for names in sample_facts.all_real_names().values() for n in names}
    assert not invented & real, "an invented name collides with a real one"


def test_shared_corpus_missing_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv(data.SHARED_ENV, str(tmp_path))
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))  # not in a download cache either (offline)
    with pytest.raises(FileNotFoundError, match="WORKBENCH_SHARED_DATA"):
        data.corpus_dir("ncbi_disease")


@pytest.mark.realdata
def test_real_corpora_load(shared_data):
    ncbi = data.load_corpus("ncbi_disease")
    assert {k: len(v) for k, v in ncbi.items()} == {"train": 5424, "devel": 923, "test": 940}
    assert data.entity_counts(ncbi["test"]) == {"Disease": 960}
    bc5 = data.load_corpus("bc5cdr_typed")
    assert data.entity_counts(bc5["test"]) == {"Chemical": 5385, "Disease": 4424}


def test_corpus_or_sample_falls_back_offline_and_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(data.SHARED_ENV, str(tmp_path))
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("WORKBENCH_CORPUS_MIRROR", raising=False)  # offline (conftest): nothing can be fetched
    assert data.corpus_or_sample("ncbi_disease") == "sample"
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("ncbi_disease: not on this machine, and offline mode is on"), out
    assert "results labelled 'sample'" in out and "python -m workbench data download ncbi_disease" in out
    assert data.load_corpus("sample")["train"].num_rows == data.load_ner_sample()["train"].num_rows
    assert data.corpus_or_sample("ade_half") == "sample"  # derived split: only ever in the shared folder
    out = capsys.readouterr().out
    assert "it cannot be downloaded" in out and "data download" not in out, out
    assert data.corpus_or_sample("sample") == "sample"
    with pytest.raises(ValueError, match="unknown corpus 'ncbi'"):
        data.corpus_or_sample("ncbi")
    (tmp_path / "gad").mkdir()  # present in the shared folder: used, nothing downloaded
    assert data.corpus_or_sample("gad", download=False) == "gad"
