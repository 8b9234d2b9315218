import pytest

from workbench import env


def test_fast_mode_follows_the_variable(monkeypatch):
    monkeypatch.setenv(env.FAST_ENV, "1")
    assert env.fast_mode() is True
    monkeypatch.setenv(env.FAST_ENV, "0")
    assert env.fast_mode() is False
    monkeypatch.setenv(env.FAST_ENV, "maybe")
    with pytest.raises(ValueError, match="WORKBENCH_FAST"):
        env.fast_mode()


def test_fast_mode_unset_means_fast_on_cpu(monkeypatch):
    monkeypatch.delenv(env.FAST_ENV, raising=False)
    monkeypatch.setattr(env, "_cuda_available", lambda: False)
    assert env.fast_mode() is True
    monkeypatch.setattr(env, "_cuda_available", lambda: True)
    assert env.fast_mode() is False


@pytest.mark.parametrize("task", ["ner", "qa", "re"])
def test_run_sizes_fast_is_smaller_than_full(task):
    fast, full = env.run_sizes(task, fast=True), env.run_sizes(task, fast=False)
    assert fast.fast and not full.fast
    assert full.max_train_samples is None and fast.max_train_samples > 0
    assert fast.max_length <= full.max_length


def test_run_sizes_rejects_unknown_task():
    with pytest.raises(ValueError, match="unknown task 'pos'"):
        env.run_sizes("pos")


def test_choose_picks_by_mode(monkeypatch):
    monkeypatch.setenv(env.FAST_ENV, "1")
    assert env.choose(fast=2, full=10) == 2
    monkeypatch.setenv(env.FAST_ENV, "0")
    assert env.choose(fast=2, full=10) == 10


def test_device_report_on_this_machine(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    report = env.device_report()
    assert report.device in {"cpu", "cuda", "mps"}
    assert report.reason
    assert report.cpu_threads >= 1 and report.ram_total_gb > 0.5
    assert report.hub.startswith("offline")
    text = str(report)
    assert "device" in text and report.torch in text
    html = report._repr_html_()
    assert html.startswith("<table>") and "<script" not in html
    if report.device == "cpu":
        assert "CPU only" in report.advice() and "Colab" in report.advice()


def test_setup_notebook_seeds_and_reports(capsys):
    import torch

    report = env.setup_notebook(seed=7)
    first = torch.rand(3)
    env.setup_notebook(seed=7, show=False)
    assert torch.equal(first, torch.rand(3)), "same seed must give the same random numbers"
    out = capsys.readouterr().out
    assert report.advice() in out and "Fast mode is" in out


def test_runs_dir_honours_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUNS_ENV, str(tmp_path / "out"))
    path = env.runs_dir("ner", "model")
    assert path == tmp_path / "out" / "ner" / "model" and path.is_dir()


def test_in_colab_detects_module(monkeypatch):
    import sys
    import types

    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert env.in_colab() is False
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert env.in_colab() is True
