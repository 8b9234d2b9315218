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


def test_quantized_copy_is_smaller_and_close(tagger_parts):
    tok, model = tagger_parts
    q = deploy.quantize_dynamic(model)
    assert q is not model and any("Linear" in type(m).__name__ and m is not None for m in q.modules())
    assert deploy.size_on_disk_mb(q) < 0.75 * deploy.size_on_disk_mb(model)
    enc = tok(["BRCA1 mutations cause breast cancer"], return_tensors="pt")
    with torch.no_grad():
        a, b = model(**enc).logits, q(**enc).logits
    assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.9
    assert q.workbench.is_standin, "the quantised copy keeps its provenance"
    assert isinstance(model.bert.encoder.layer[0].attention.self.query, torch.nn.Linear), "original untouched"


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
