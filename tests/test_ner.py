"""workbench.ner: alignment, windows, merge, metrics, training, tagging raw text, CLI."""
import json
import random
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from workbench import ner
from workbench.data import load_ner_sample, write_conll

LABELS = ["O", "B-Disease", "I-Disease", "B-Gene", "I-Gene"]


@pytest.fixture(scope="module")
def tokenizer(standin_dir):
    return wb.load_tokenizer(str(standin_dir))


@pytest.fixture(scope="module")
def sample():
    return load_ner_sample()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, sample):
    """A stand-in fine-tuned briefly on the project sample (saved, so it can be reloaded)."""
    out = tmp_path_factory.mktemp("ner") / "model"
    run = ner.train_ner(sample, "standin", out, epochs=3, learning_rate=1e-4, batch_size=16, max_length=64,
                        max_train_samples=160, progress=False)
    return run


# ---------------------------------------------------------------- windows


@pytest.mark.parametrize("seed", range(20))
def test_plan_windows_cover_every_word_within_capacity(seed):
    rng = random.Random(seed)
    lengths = [rng.randint(1, 6) for _ in range(rng.randint(1, 80))]
    capacity, stride = rng.randint(6, 30), 0
    stride = rng.randint(0, capacity - 1)
    windows = ner.plan_windows(lengths, capacity, stride)
    assert windows[0][0] == 0 and windows[-1][1] == len(lengths)
    covered = set()
    for (s, e), nxt in zip(windows, windows[1:] + [None]):
        assert e > s and sum(min(n, capacity) for n in lengths[s:e]) <= capacity
        covered.update(range(s, e))
        if nxt is not None:
            assert s < nxt[0] <= e, "windows must advance and leave no gap"
            overlap = sum(lengths[nxt[0]:e])
            assert overlap <= stride or nxt[0] == s + 1
    assert covered == set(range(len(lengths)))


def test_plan_windows_rejects_bad_stride_and_cuts_a_giant_word():
    with pytest.raises(ValueError, match="stride"):
        ner.plan_windows([1, 2], capacity=4, stride=4)
    with pytest.raises(ValueError, match="no room"):
        ner.plan_windows([1], capacity=0, stride=0)
    assert ner.plan_windows([2, 50, 1], capacity=5, stride=1) == [(0, 1), (1, 2), (2, 3)]


def test_alignment_first_piece_gets_the_label(tokenizer):
    words = ["Mutations", "in", "BRCA1", "cause", "hereditary", "cancer"]
    tags = [0, 0, 3, 0, 1, 2]
    enc = ner.encode(tokenizer, [words], [tags], max_length=64)
    (win,) = enc.windows
    pieces = ner.word_pieces(tokenizer, [words])[0]
    assert len(pieces[2]) > 1, "BRCA1 should split into several pieces for this test"
    assert [win.labels[p] for p in win.positions] == tags
    labelled = [i for i, lab in enumerate(win.labels) if lab != ner.IGNORE]
    assert labelled == win.positions, "only first pieces carry labels by default"
    assert win.input_ids[0] == tokenizer.cls_token_id and win.input_ids[-1] == tokenizer.sep_token_id


def test_label_all_tokens_turns_b_into_i_on_continuations(tokenizer):
    words = ["BRCA1", "carriers"]
    enc = ner.encode(tokenizer, [words], [[3, 0]], max_length=64, label_all_tokens=True, labels=LABELS)
    (win,) = enc.windows
    n = len(ner.word_pieces(tokenizer, [words])[0][0])
    assert win.labels[1:1 + n] == [3] + [4] * (n - 1)
    with pytest.raises(ValueError, match="label names"):
        ner.encode(tokenizer, [words], [[3, 0]], label_all_tokens=True)


def test_a_word_the_tokenizer_drops_still_gets_a_prediction(tokenizer):
    words = ["p53", "\u200b", "loss"]
    pieces = ner.word_pieces(tokenizer, [words])[0]
    assert pieces[1] == [tokenizer.unk_token_id]
    enc = ner.encode(tokenizer, [words], [[3, 0, 0]])
    assert len(enc.windows[0].positions) == 3


def test_mismatched_tags_are_reported(tokenizer):
    with pytest.raises(ValueError, match="sentence 0: 2 words but 1 tags"):
        ner.encode(tokenizer, [["a", "b"]], [[0]])


def test_merge_takes_the_window_with_most_context(tokenizer):
    words = [f"w{i}" for i in range(30)]
    enc = ner.encode(tokenizer, [words], max_length=20, stride=8)
    assert len(enc.windows) > 2
    # each window votes its own index for every word it holds
    scores = [np.tile(np.eye(len(enc.windows))[i], (len(w.positions), 1)) for i, w in enumerate(enc.windows)]
    chosen = ner.merge_windows(enc, scores)[0].argmax(-1)
    assert len(chosen) == len(words)
    for w, i in enumerate(chosen):
        win = enc.windows[i]
        assert win.first_word <= w < win.end_word
    assert chosen[0] == 0 and chosen[-1] == len(enc.windows) - 1
    assert list(chosen) == sorted(chosen), "a later word never goes back to an earlier window"


@pytest.mark.parametrize("max_length, stride", [(8, 2), (12, 5), (16, 0), (128, 32)])
def test_round_trip_reproduces_gold_tags(tokenizer, sample, max_length, stride):
    result = ner.round_trip(sample["train"], tokenizer, max_length=max_length, stride=stride)
    assert result["f1"] == 1.0 and result["identical"] == result["sentences"] == len(sample["train"])
    if max_length <= 12:
        assert result["windowed"] > 100


def test_round_trip_on_random_long_sentences(tokenizer):
    import datasets

    rng = random.Random(7)
    vocab = ["BRCA1", "p53", "cancer", "5-fluorouracil", "the", "β-catenin", "of", "TNF-α", ",", "IL-6", "x" * 40]
    rows, tags = [], []
    for _ in range(30):
        n = rng.randint(1, 120)
        rows.append([rng.choice(vocab) for _ in range(n)])
        t, prev = [], 0
        for _ in range(n):
            cur = rng.choice([0, 0, 1, 2, 3, 4])
            if cur in (2, 4) and prev not in (cur - 1, cur):
                cur -= 1  # keep IOB2 valid
            t.append(cur)
            prev = cur
        tags.append(t)
    feats = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                               "ner_tags": datasets.Sequence(datasets.ClassLabel(names=LABELS))})
    split = datasets.Dataset.from_dict({"tokens": rows, "ner_tags": tags}, features=feats)
    result = ner.round_trip(split, tokenizer, max_length=24, stride=6)
    assert result["identical"] == 30 and result["windowed"] > 10


# ---------------------------------------------------------------- metrics


def test_entity_scores_conlleval_versus_strict():
    gold = [["B-Disease", "I-Disease", "O", "B-Gene"]]
    pred = [["I-Disease", "I-Disease", "O", "B-Gene"]]  # starts with I-: conlleval accepts, strict does not
    scores = ner.entity_scores(gold, pred)
    assert scores["f1"] == 1.0 and scores["accuracy"] == 0.75
    # strict: the I-I span is no entity, so 1 of 2 gold entities found, the one prediction right
    assert scores["strict_precision"] == 1.0 and scores["strict_recall"] == 0.5
    assert scores["strict_f1"] == pytest.approx(2 / 3)


def test_error_analysis_classifies_every_kind():
    words = ["BRCA1", "and", "breast", "cancer", "in", "mice", "TP53"]
    gold = ["B-Gene", "O", "B-Disease", "I-Disease", "O", "O", "B-Gene"]
    pred = ["B-Disease", "O", "O", "B-Disease", "O", "B-Gene", "O"]
    errors = ner.error_analysis([words], [gold], [pred])
    kinds = sorted(e["kind"] for e in errors)
    assert kinds == ["boundary", "false negative", "false positive", "type"]
    boundary = next(e for e in errors if e["kind"] == "boundary")
    assert boundary["gold"] == "breast cancer [Disease]" and boundary["predicted"] == "cancer [Disease]"
    assert "[[ cancer ]]" in boundary["sentence"]
    fn = next(e for e in errors if e["kind"] == "false negative")
    assert fn["gold"] == "TP53 [Gene]" and fn["predicted"] is None
    both = ner.error_analysis([["a", "b"]], [["B-Gene", "I-Gene"]], [["B-Disease", "O"]])
    assert [e["kind"] for e in both] == ["boundary+type"]
    assert ner.error_analysis([words], [gold], [gold]) == []


def test_label_set_checks():
    with pytest.raises(ValueError, match="never trained"):
        ner.check_label_set(["O"], ["LABEL_0", "LABEL_1"])
    with pytest.raises(ValueError, match=r"\['B-Chemical'\].*entity_type"):
        ner.check_label_set(["O", "B-Chemical"], LABELS)
    ner.check_label_set(["O", "B-Gene"], LABELS)


# ---------------------------------------------------------------- training and prediction


def _batches(order, size):
    return [order[i:i + size] for i in range(0, len(order), size)]


def test_length_buckets_pad_little_and_keep_no_long_to_short_order():
    import torch

    rng = random.Random(0)
    lengths = [rng.randint(3, 120) for _ in range(2003)]
    order = ner.length_bucketed_order(lengths, 16, generator=torch.Generator().manual_seed(0), bucket_batches=10)
    assert sorted(order) == list(range(len(lengths))), "every example exactly once"
    batches = _batches(order, 16)
    assert [len(b) for b in batches[:-1]] == [16] * (len(batches) - 1) and len(batches[-1]) == 2003 % 16

    def padding(batches):
        return sum(max(lengths[k] for k in b) * len(b) - sum(lengths[k] for k in b) for b in batches)

    shuffled = _batches(torch.randperm(len(lengths), generator=torch.Generator().manual_seed(0)).tolist(), 16)
    assert padding(batches) < 0.25 * padding(shuffled), "batches group similar lengths"
    # No curriculum: the last fifth of the epoch is not made of the shortest sentences (the Trainer's
    # group_by_length yields every bucket longest-first, so each bucket, and the epoch, ends on the shortest).
    means = [np.mean([lengths[k] for k in b]) for b in batches[:-1]]
    tail, overall = np.mean(means[-len(means) // 5:]), np.mean(means)
    assert 0.8 * overall < tail < 1.2 * overall
    assert abs(np.corrcoef(range(len(means)), means)[0, 1]) < 0.3
    from transformers.trainer_pt_utils import get_length_grouped_indices

    hf = _batches(get_length_grouped_indices(lengths, 16, mega_batch_mult=10,
                                             generator=torch.Generator().manual_seed(0)), 16)
    hf_means = [np.mean([lengths[k] for k in b]) for b in hf[:-1]]
    assert hf_means[1:10] == sorted(hf_means[1:10], reverse=True)  # longest-first inside a bucket: avoided here
    falls = np.mean([b < a for a, b in zip(means, means[1:])])
    assert 0.3 < falls < 0.7, "consecutive batches get shorter about as often as longer"


def test_length_buckets_differ_between_epochs_and_handle_small_inputs():
    import torch

    torch.manual_seed(1)
    sampler = ner.LengthBucketSampler([5, 9, 2, 7, 7, 1, 3], batch_size=3)
    first, second = list(sampler), list(sampler)
    assert len(sampler) == 7 and sorted(first) == sorted(second) == list(range(7))
    assert ner.length_bucketed_order([], 4) == [] and ner.length_bucketed_order([4], 4) == [0]
    with pytest.raises(ValueError, match="batch_size"):
        ner.length_bucketed_order([1, 2], 0)


def test_token_weighted_loss_counts_every_labelled_piece_the_same():
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    short, long_ = torch.randn(4, 3, 5), torch.randn(4, 30, 5)
    lab_short, lab_long = torch.randint(0, 5, (4, 3)), torch.randint(0, 5, (4, 30))
    lab_long[:, -5:] = ner.IGNORE
    per_step = (12 + 100) / 2
    loss = ner.token_weighted_loss(per_step)
    both = loss({"logits": short}, lab_short) + loss({"logits": long_}, lab_long)
    every_piece = F.cross_entropy(torch.cat([short.reshape(-1, 5), long_.reshape(-1, 5)]),
                                  torch.cat([lab_short.reshape(-1), lab_long.reshape(-1)]), ignore_index=ner.IGNORE)
    assert torch.isclose(both / 2, every_piece), "two steps = the mean over all labelled pieces"
    per_batch_mean = (F.cross_entropy(short.reshape(-1, 5), lab_short.reshape(-1))
                      + F.cross_entropy(long_.reshape(-1, 5), lab_long.reshape(-1), ignore_index=ner.IGNORE)) / 2
    assert not torch.isclose(per_batch_mean, every_piece)  # what the default per-batch mean would give


def test_length_grouped_training_uses_buckets_and_the_token_weighted_loss(sample, tmp_path):
    run = ner.train_ner(sample, "standin", tmp_path / "grouped", epochs=1, learning_rate=1e-4, batch_size=8,
                        max_length=32, max_train_samples=48, max_eval_samples=16, group_by_length=True, progress=False)
    assert isinstance(run.trainer._get_train_sampler(), ner.LengthBucketSampler)
    assert run.trainer.compute_loss_func is not None
    losses = [h["loss"] for h in run.history if "loss" in h]
    assert losses and all(np.isfinite(losses)) and "f1" in run.dev


def test_training_learns_and_saves(trained, sample):
    # Defaults: random batches and the model's own mean loss, as Hugging Face's run_ner.py.
    assert not isinstance(trained.trainer._get_train_sampler(), ner.LengthBucketSampler)
    assert trained.trainer.compute_loss_func is None
    assert trained.labels == ["O", "B-Chemical", "I-Chemical", "B-Disease", "I-Disease", "B-Gene", "I-Gene"]
    evals = [h for h in trained.history if "eval_f1" in h]
    assert len(evals) == 3 and trained.dev["f1"] == max(h["eval_f1"] for h in evals)
    report = trained.evaluate(sample["test"])
    # an untrained head scores near 0; 30 steps reach about 0.5 on test templates and names never trained on
    assert report.f1 > 0.35, f"3 short epochs on the sample should clearly beat the untrained head: {report}"
    assert report.errors, "held-out templates and names leave errors to analyse"
    assert "not BioBERT" in report.model
    assert set(report.per_type["type"]) == {"Chemical", "Disease", "Gene"}
    assert report.as_dict()["errors"] == report.error_counts()
    meta = json.loads((trained.out_dir / "workbench_model.json").read_text())
    assert meta["is_standin"] is True and meta["max_length"] == 64 and meta["labels"] == trained.labels
    assert not list(trained.out_dir.parent.glob("checkpoints-*")), "temporary checkpoints are removed"


def test_reloaded_model_predicts_the_same(trained, sample):
    again = ner.evaluate_ner(str(trained.out_dir), sample["test"])
    assert again.f1 == pytest.approx(trained.evaluate(sample["test"]).f1)
    assert again.sentences == len(sample["test"])
    assert ner.load_tagger(trained.out_dir).folder == Path(trained.out_dir).resolve()
    assert trained.tagger().folder is None


def test_tagger_offsets_index_the_original_text(trained):
    tagger = ner.load_tagger(trained.out_dir)
    texts = ["Treatment with  tamoxifen\nreduced breast cancer recurrence in BRCA1 carriers.",
             "  Cisplatin-induced nephrotoxicity (≥ grade 2) — seen in 12% — was reversible.  ",
             "",
             "β-thalassemia patients given deferasirox. " * 40]  # long: many sentences and windows
    results = tagger(texts)
    assert len(results) == len(texts) and results[2] == []
    assert sum(len(r) for r in results) > 0
    for text, ents in zip(texts, results):
        for e in ents:
            assert text[e["start"]:e["end"]] == e["text"] and e["text"] == e["text"].strip()
            assert e["label"] in {"Chemical", "Disease", "Gene"} and 0 < e["score"] <= 1
        assert [e["start"] for e in ents] == sorted(e["start"] for e in ents)
    assert tagger(texts[0]) == results[0], "a single string gives one list"
    long_ents = results[3]
    assert len({e["start"] for e in long_ents}) == len(long_ents)


def test_predict_entities_matches_the_tagger_and_word_predictions(trained):
    text = "Metformin lowered HbA1c in type 2 diabetes. BRCA1 was not mutated."
    assert ner.predict_entities(text, trained) == trained.tagger()(text)
    words = [w for w, _, _ in wb.text.tokenize_with_offsets(text)]
    assert len(trained.tagger().predict_words([words])[0]) == len(words)
    with pytest.raises(ValueError, match="tokenizer"):
        ner.predict_entities(text, trained.model)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        trained.tagger()(["ok", 3])


def test_base_checkpoint_is_refused_as_a_tagger(standin_dir):
    with pytest.raises(ValueError, match="never trained"):
        ner.load_tagger(standin_dir)


def test_continuing_from_a_fine_tuned_folder_checks_labels(trained, tmp_path):
    folder = tmp_path / "data"
    write_conll([(["aspirin", "helps"], ["B-Drug", "O"])], folder / "train.tsv")
    with pytest.raises(ValueError, match="B-Drug"):
        ner.train_ner(folder, str(trained.out_dir), tmp_path / "out", epochs=1)


def test_cli_train_evaluate_predict(tmp_path, trained, monkeypatch, capsys):
    from workbench.cli import main

    sample_sents = [(["BRCA1", "mutations", "cause", "breast", "cancer", "."],
                     ["B", "O", "O", "B", "I", "O"])] * 12
    folder = tmp_path / "corpus"
    for split in ("train", "devel", "test"):
        write_conll(sample_sents, folder / f"{split}.tsv")
    out = tmp_path / "cli-model"
    assert main(["ner", "train", "--data", str(folder), "--model", "standin", "--out", str(out), "--epochs", "1",
                 "--batch-size", "8", "--max-length", "32", "--entity-type", "Disease", "--group-by-length",
                 "--warmup", "0.1"]) == 0
    printed = capsys.readouterr()
    summary = json.loads(printed.out)
    assert summary["labels"] == ["O", "B-Disease", "I-Disease"] and "f1" in summary["test"]
    used = {"train_used": 12, "train_total": 12, "dev_used": 12, "dev_total": 12}  # no --max-train-samples: all
    assert {k: summary[k] for k in used} == used and "training on all 12 sentences" in printed.err
    meta = json.loads((out / "workbench_model.json").read_text())
    assert {k: meta[k] for k in used} == used and meta["batch_size"] == 8 and meta["learning_rate"] == 5e-5

    assert main(["ner", "evaluate", "--data", str(folder), "--model", str(out), "--split", "devel"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) >= {"precision", "recall", "f1", "accuracy", "per_type", "strict"}

    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("Tamoxifen treats breast cancer.\n\nBRCA1 too.\n"))
    assert main(["ner", "predict", "--model", str(trained.out_dir), "--lines", "--with-text"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["line"] for r in records] == [1, 3]
    for r in records:
        for e in r["entities"]:
            assert r["text"][e["start"]:e["end"]] == e["text"]

    assert main(["ner", "evaluate", "--data", str(tmp_path / "nowhere"), "--model", str(out)]) == 2
    assert "not a folder" in capsys.readouterr().err

    capped = tmp_path / "capped"
    assert main(["ner", "train", "--data", str(folder), "--model", "standin", "--out", str(capped), "--epochs", "1",
                 "--max-length", "32", "--entity-type", "Disease", "--max-train-samples", "5"]) == 0
    printed = capsys.readouterr()
    summary = json.loads(printed.out)
    assert (summary["train_used"], summary["train_total"], summary["dev_used"]) == (5, 12, 12)
    cap_lines = [x for x in printed.err.splitlines() if x.startswith("training on 5 of 12 sentences")]
    assert len(cap_lines) == 1 and "(max_train_samples=5)" in cap_lines[0] and "--max-train-samples" in cap_lines[0]
    assert json.loads((capped / "workbench_model.json").read_text())["train_used"] == 5


# ---------------------------------------------------------------- real data


@pytest.mark.realdata
def test_ncbi_round_trip_at_128(shared_data, tokenizer):
    corpus = wb.data.load_corpus("ncbi_disease")
    result = ner.round_trip(corpus["test"], tokenizer, max_length=128)
    assert result["f1"] == 1.0 and result["identical"] == result["sentences"] == 940


@pytest.mark.realdata
def test_bc5cdr_round_trip_at_128_keeps_both_types(shared_data, tokenizer):
    corpus = wb.data.load_corpus("bc5cdr_typed")
    assert set(wb.data.entity_counts(corpus["test"])) == {"Chemical", "Disease"}
    result = ner.round_trip(corpus["devel"], tokenizer, max_length=128)
    assert result["f1"] == 1.0 and result["identical"] == result["sentences"] == len(corpus["devel"])


@pytest.mark.realdata
def test_cli_on_a_shared_corpus(shared_data, tmp_path, capsys):
    """train -> evaluate -> predict on NCBI-disease as the README shows (tiny budget; bare tags typed Disease)."""
    from workbench.cli import main

    folder, out = str(wb.data.corpus_dir("ncbi_disease")), tmp_path / "ncbi"
    assert main(["ner", "train", "--data", folder, "--model", "standin", "--entity-type", "Disease", "--out", str(out),
                 "--fast", "--epochs", "1", "--max-train-samples", "48", "--max-eval-samples", "32", "--max-length", "64"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["labels"] == ["O", "B-Disease", "I-Disease"] and summary["train_used"] == 48
    assert summary["test"]["sentences"] == 940 and set(summary["test"]["per_type"]) <= {"Disease"}

    assert main(["ner", "evaluate", "--data", folder, "--model", str(out), "--split", "devel",
                 "--max-samples", "40"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["sentences"] == 40 and 0.0 <= metrics["f1"] <= 1.0

    text = tmp_path / "abstract.txt"
    text.write_text("Cisplatin induced nephrotoxicity in two patients.\n\nNo toxicity was seen with saline.\n")
    assert main(["ner", "predict", "--model", str(out), "--lines", "--with-text", str(text)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["line"] for r in records] == [1, 3] and all(r["source"] == str(text) for r in records)
    for r in records:
        for e in r["entities"]:
            assert r["text"][e["start"]:e["end"]] == e["text"] and e["label"] == "Disease"
