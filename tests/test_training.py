"""workbench.training: the shared recipe -- sizes, subsets, checkpoints, resume, the cached demo models."""
import dataclasses
import json

import pytest

from workbench import env, ner, training


def test_run_sizes_overrides_ignore_none_and_reject_unknown_names():
    sizes = env.run_sizes("ner", fast=True, epochs=None, batch_size=4)
    assert sizes.batch_size == 4 and sizes.epochs == env.run_sizes("ner", fast=True).epochs
    with pytest.raises(TypeError, match="unknown sizes"):
        env.run_sizes("ner", epoch=2)
    rows = env.sizes_table()
    assert {r["task"] for r in rows} == {"ner", "qa", "re", "usecase-ner", "usecase-ade-ner", "usecase-ade-screen", "usecase-re"}
    qa_lr = next(r for r in rows if r["task"] == "qa" and r["setting"] == "learning_rate")
    assert qa_lr["fast"] > qa_lr["full"] == 5e-5


def test_max_steps_knob(monkeypatch):
    monkeypatch.delenv(training.MAX_STEPS_ENV, raising=False)
    assert training.max_steps_cap() == -1
    monkeypatch.setenv(training.MAX_STEPS_ENV, "3")
    args = training.training_args(env.run_sizes("re", fast=True), "/tmp/wb-args", evaluate=False)
    assert args.max_steps == 3 and args.output_dir.endswith("/checkpoints")
    monkeypatch.setenv(training.MAX_STEPS_ENV, "0")
    with pytest.raises(ValueError, match="WORKBENCH_MAX_STEPS='0'"):
        training.max_steps_cap()


def test_subset_is_seeded_for_train_and_a_prefix_for_dev():
    import datasets

    ds = datasets.Dataset.from_dict({"x": list(range(50))})
    a, b = training.subset(ds, 10, seed=1), training.subset(ds, 10, seed=1)
    assert a["x"] == b["x"] != list(range(10))
    assert training.subset(ds, 10, shuffle=False)["x"] == list(range(10))
    assert training.subset(ds, None) is ds and training.subset(ds, 500) is ds
    with pytest.raises(ValueError, match="at least 1"):
        training.subset(ds, 0)


class _Interrupt(Exception):
    pass


def test_an_interrupted_run_resumes_from_its_last_checkpoint(tmp_path, monkeypatch, standin_dir, capsys):
    """Kill a tiny NER run after its first epoch is saved, resume it, and compare with a run never interrupted."""
    from transformers import TrainerCallback

    class StopAfterFirstSave(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            raise _Interrupt(f"interrupted at step {state.global_step}")

    real = training.make_trainer

    def interrupted(*args, **kwargs):
        trainer = real(*args, **kwargs)
        trainer.add_callback(StopAfterFirstSave())
        return trainer

    sample = ner.as_dataset("sample")
    kw = dict(epochs=2, batch_size=16, max_length=64, max_train_samples=48, max_eval_samples=16,
              learning_rate=1e-4, progress=False, early_stopping_patience=None)
    out = tmp_path / "run"
    monkeypatch.setattr(training, "make_trainer", interrupted)
    with pytest.raises(_Interrupt):
        ner.train_ner(sample, "standin", out, **kw)
    saved = training.last_checkpoint(out)
    assert saved is not None and saved.parent == out / "checkpoints"
    assert not (out / "config.json").exists(), "an interrupted run saves no final model"
    monkeypatch.setattr(training, "make_trainer", real)
    resumed = ner.train_ner(sample, "standin", out, resume=True, **kw)
    assert f"continuing from {saved}" in capsys.readouterr().out
    steps = resumed.trainer.state.global_step
    first_epoch = [h for h in resumed.history if "loss" in h and h["epoch"] <= 1]
    assert first_epoch, "the first epoch's log comes back from the checkpoint"
    assert (out / "config.json").exists() and not (out / "checkpoints").exists()
    straight = ner.train_ner(sample, "standin", tmp_path / "straight", **kw)
    assert straight.trainer.state.global_step == steps
    assert resumed.dev["f1"] == pytest.approx(straight.dev["f1"], abs=0.02)


def test_resume_without_a_checkpoint_says_so_and_starts_afresh(tmp_path, standin_dir, capsys):
    sizes = dataclasses.replace(env.run_sizes("ner", fast=True), epochs=1, max_train_samples=16,
                                max_eval_samples=8, max_length=32)
    run = ner.train_ner("sample", "standin", tmp_path / "fresh", sizes=sizes, resume=True, progress=False)
    assert "no checkpoint" in capsys.readouterr().out and run.trainer.state.global_step > 0


def test_cached_model_builds_once_and_never_leaves_half_a_model(tmp_path, monkeypatch, standin_dir):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path))
    calls = []

    def broken(folder):
        (folder / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        training.cached_model("demo", "standin", broken, task="ner")
    assert list((tmp_path / "ner").iterdir()) == [], "the half-built folder is removed"

    def build(folder):
        calls.append(folder)
        (folder / "config.json").write_text("{}")

    first = training.cached_model("demo", "standin", build, task="ner")
    again = training.cached_model("demo", "standin", build, task="ner")
    assert first == again and len(calls) == 1 and (first / "config.json").exists()


def test_every_inference_entry_point_follows_the_one_device_rule(tmp_path, standin_dir):
    """device="cpu" runs on the CPU and says so; device="cuda" without CUDA is a clear error everywhere."""
    import torch

    from workbench import qa, relations
    from workbench.models import DeviceError

    sizes = dataclasses.replace(env.run_sizes("ner", fast=True), epochs=1, max_train_samples=16,
                                max_eval_samples=8, max_length=32)
    folder = ner.train_ner("sample", "standin", tmp_path / "ner", sizes=sizes, progress=False).out_dir
    tagger = ner.load_tagger(folder, device="cpu")
    assert tagger.device == "cpu" and "on cpu" in repr(tagger)
    assert ner.evaluate_ner(tagger, ner.as_dataset("sample")["test"].select(range(4))).device == "cpu"
    re_run = relations.train_relation_classifier(relations.load_re_sample("gene_disease"), "standin", tmp_path / "re",
                                                 epochs=1, max_train_samples=16, max_eval_samples=8, max_length=32)
    assert re_run.metrics["device"] == "cpu"
    model, _ = qa.load_reader("standin", device="cpu")
    assert next(model.parameters()).device.type == "cpu"
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present: the no-CUDA error cannot be checked here (tests/test_models.py checks CUDA)")
    for load in (lambda: ner.load_tagger(folder, device="cuda"),
                 lambda: relations.RelationClassifier.from_pretrained(re_run.out_dir, device="cuda"),
                 lambda: qa.load_reader(str(folder), device="cuda"),
                 lambda: ner.load_tagger(folder, device="cpu", fp16=True)):
        with pytest.raises(DeviceError, match="Colab"):
            load()


def test_a_capped_run_still_logs_its_loss(monkeypatch):
    monkeypatch.setenv(training.MAX_STEPS_ENV, "4")
    args = training.training_args(env.run_sizes("re"), "/tmp/wb-args", evaluate=False, steps_per_epoch=134)
    assert args.max_steps == 4 and args.logging_steps == 1  # uncapped: every 34 steps, never within 4
    monkeypatch.delenv(training.MAX_STEPS_ENV)
    assert training.training_args(env.run_sizes("re"), "/tmp/wb-args", evaluate=False,
                                  steps_per_epoch=134).logging_steps == 34


def test_trainers_keep_the_sizes_they_are_given_and_single_arguments_win(monkeypatch):
    given = env.run_sizes("usecase-ner", fast=True)
    assert env.sizes_from("ner", given) == given  # not reset to the "ner" sizes
    assert env.sizes_from("ner", given, epochs=1, batch_size=None).epochs == 1
    monkeypatch.setenv(env.FAST_ENV, "1")
    assert env.sizes_from("re", None) == env.run_sizes("re", fast=False), "no sizes: the full recipe, even in fast mode"
    assert env.sizes_from("ner", None, epochs=1).max_train_samples is None
    with pytest.raises(TypeError, match=r"sizes= must be a RunSizes such as wb\.run_sizes\('ner'\)"):
        env.sizes_from("ner", {"epochs": 1})


def test_the_data_line_says_every_cap_and_what_to_change(monkeypatch):
    monkeypatch.delenv(training.MAX_STEPS_ENV, raising=False)
    full = env.run_sizes("ner", fast=False)
    line = training.data_line(dict(train_used=2000, train_total=2000, dev_used=500, dev_total=500), full)
    assert line == ("training on all 2,000 sentences, dev all 500 sentences; 5 epochs, batch 32, lr 5e-05, "
                    "max_length 192 (base: full recipe)")
    fast = env.run_sizes("ner", fast=True)
    line = training.data_line(dict(train_used=300, train_total=2000, dev_used=None, dev_total=None), fast)
    assert line.startswith("training on 300 of 2,000 sentences (max_train_samples=300), no dev split; 6 epochs")
    assert "(base: fast sizes) -- capped: set sizes= or max_train_samples=" in line and "--max-train-samples" in line
    monkeypatch.setenv(training.MAX_STEPS_ENV, "4")
    line = training.data_line(dict(train_used=10, train_total=10, dev_used=3, dev_total=5),
                              env.run_sizes("re", fast=False, max_eval_samples=3), unit="pairs", dev_name="test")
    assert "training on all 10 pairs, test 3 of 5 pairs (max_eval_samples=3)" in line
    assert "at most 4 optimizer steps (WORKBENCH_MAX_STEPS=4)" in line and "\n" not in line


def test_a_call_without_sizes_trains_on_every_sentence_even_in_fast_mode(tmp_path, standin_dir, capsys):
    import datasets

    assert env.fast_mode(), "the tests run in fast mode (WORKBENCH_FAST=1), whose sizes would take 300 sentences"
    sample = ner.as_dataset("sample")
    small = datasets.DatasetDict(train=sample["train"].select(range(24)), devel=sample["devel"].select(range(6)))
    run = ner.train_ner(small, "standin", tmp_path / "all", epochs=1, max_length=64, progress=False)
    used = {"train_used": 24, "train_total": 24, "dev_used": 6, "dev_total": 6}
    assert run.data_used == used and run.settings["batch_size"] == env.run_sizes("ner", fast=False).batch_size
    assert capsys.readouterr().out.splitlines()[0].startswith("training on all 24 sentences, dev all 6 sentences;")
    meta = json.loads((tmp_path / "all" / "workbench_model.json").read_text())
    assert {k: meta[k] for k in used} == used
    run = ner.train_ner(small, "standin", tmp_path / "fast", sizes=env.run_sizes("ner", max_train_samples=10),
                        epochs=1, max_length=64, progress=False)
    assert run.data_used == {**used, "train_used": 10} and run.settings["batch_size"] == 16
    assert "training on 10 of 24 sentences (max_train_samples=10)" in capsys.readouterr().out
