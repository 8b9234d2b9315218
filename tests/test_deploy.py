import pytest
import torch

import workbench as wb
from workbench import deploy


@pytest.fixture(scope="module")
def tagger_parts():
    return wb.load("standin", task="token-classification", labels=["O", "B-Gene", "I-Gene"])


def test_count_and_size(tagger_parts):
    _, model = tagger_parts
    n = deploy.count_parameters(model)
    assert 20e6 < n < 25e6
    assert deploy.size_on_disk_mb(model) == pytest.approx(n * 4 / 1e6, rel=0.05)


def test_memory_estimate_scales_and_decides(tagger_parts):
    _, model = tagger_parts
    small = deploy.estimate_training_memory(model.config, 8, 128)
    big = deploy.estimate_training_memory(model.config, 32, 128)
    assert big.activations_gb == pytest.approx(4 * small.activations_gb)
    assert big.weights_gb == small.weights_gb
    half = deploy.estimate_training_memory(model.config, 32, 128, precision="fp16")
    assert half.activations_gb == pytest.approx(big.activations_gb / 2)
    assert big.fits(free_gb=16) and not big.fits(free_gb=0.5)
    bs = deploy.largest_batch_size(model.config, 128, free_gb=1.0)
    assert bs is not None and deploy.estimate_training_memory(model.config, bs, 128).fits(1.0)
    assert deploy.largest_batch_size(model.config, 512, free_gb=0.01) is None
    with pytest.raises(ValueError, match="precision"):
        deploy.estimate_training_memory(model.config, 8, 128, precision="int4")


def test_biobert_base_estimate_is_in_the_known_range():
    from transformers import BertConfig

    est = deploy.estimate_training_memory(BertConfig(vocab_size=28996), batch_size=32, seq_len=128)
    # BioBERT-base fine-tuning at batch 32 x 128 tokens is known to need roughly 5-8 GB in fp32
    assert 4 < est.total_gb < 9


def test_time_it_and_rss():
    assert deploy.time_it(sum, range(1000), repeat=3) >= 0
    assert deploy.peak_rss_mb() > 10


def test_memory_of_a_fresh_subprocess_is_its_own():
    """A small child of this (large) process reports its own peak, not the parent's (ru_maxrss would)."""
    import subprocess
    import sys

    import numpy as np

    ballast = np.ones(300 * 2**20 // 8)  # make this process at least 300 MB larger than a bare interpreter
    child = subprocess.run([sys.executable, "-c", "from workbench import deploy; "
                            "print(deploy.rss_mb(), deploy.peak_rss_mb())"],
                           capture_output=True, text=True, check=True)
    now, peak = map(float, child.stdout.split())
    assert 0 < now <= peak < deploy.peak_rss_mb() - 250
    assert deploy.rss_mb() >= ballast.nbytes / 2**20


def test_architecture_and_exact_parameter_count(tagger_parts):
    config, source = deploy.architecture("biobert")
    assert (config.vocab_size, config.hidden_size, config.num_hidden_layers) == (28996, 768, 12)
    assert "dmis-lab/biobert-base-cased-v1.1" in source
    assert deploy.architecture("scibert")[0].vocab_size == 31090
    # counted on the meta device == counted on the real model
    _, model = tagger_parts
    standin_config, _ = deploy.architecture("standin")
    assert deploy.parameters_of(standin_config, num_labels=3) == deploy.count_parameters(model)
    n = deploy.parameters_of(config, num_labels=3)
    assert deploy.parameters_of(config, num_labels=5) == n + 2 * (768 + 1)  # two more labels: weights + bias
    assert 105e6 < n < 112e6  # BERT-base with a 29k vocabulary


def test_memory_table_marks_what_fits():
    from transformers import BertConfig

    table = deploy.training_memory_table(BertConfig(vocab_size=28996), seq_lengths=(128, 512), batch_sizes=(8, 32),
                                         free_gb=15.0)
    assert len(table) == 2 * 2 * 2
    parts = table["model+grads+AdamW GB"] + table["activations GB"]
    assert (abs(parts - table["total GB"]) <= 0.011).all()
    row = lambda p, s, b: table[(table.precision == p) & (table.max_length == s) & (table.batch_size == b)].iloc[0]  # noqa: E731
    assert row("fp32", 128, 8)["fits 15 GB"] and not row("fp32", 512, 32)["fits 15 GB"]
    assert row("fp16", 512, 32)["activations GB"] < row("fp32", 512, 32)["activations GB"]


def test_measured_training_state_matches_the_estimate(tagger_parts):
    tok, model = tagger_parts
    model = __import__("copy").deepcopy(model).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    before = deploy.training_state_gb(model, optimizer)
    assert before["gradients_gb"] == 0 and before["optimizer_gb"] == 0
    enc = tok(["BRCA1 mutations cause breast cancer"], return_tensors="pt")
    out = model(**enc, labels=torch.zeros_like(enc["input_ids"]))
    out.loss.backward()
    optimizer.step()
    state = deploy.training_state_gb(model, optimizer)
    est = deploy.estimate_training_memory(model.config, 1, 8, n_params=deploy.count_parameters(model))
    assert state["weights_gb"] == pytest.approx(est.weights_gb, rel=1e-6)
    assert state["gradients_gb"] == pytest.approx(est.gradients_gb, rel=1e-6)
    assert state["optimizer_gb"] == pytest.approx(est.optimizer_gb, rel=1e-6)  # two fp32 AdamW moments


def test_tagger_speed_and_folder_size(tagger_parts, tmp_path):
    from workbench import ner

    tok, model = tagger_parts
    tagger = ner.Tagger(model, tok, batch_size=4)
    table = deploy.tagger_speed(tagger, ["BRCA1 mutations cause breast cancer."] * 6, batch_sizes=(1, 3), repeat=1)
    assert list(table["batch_size"]) == [1, 3] and (table["sentences/s"] > 0).all()
    assert tagger.batch_size == 4, "the tagger's own batch size is restored"
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.bin").write_bytes(b"x" * 1_000_000)
    (tmp_path / "sub" / "b.json").write_bytes(b"y" * 500_000)
    assert deploy.folder_size_mb(tmp_path) == pytest.approx(1.5)
