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


@pytest.fixture
def bar_state():
    """Restore the global progress-bar switches of transformers and huggingface_hub after the test."""
    import importlib

    import transformers

    hub_tqdm = importlib.import_module("huggingface_hub.utils.tqdm")
    saved, enabled = dict(hub_tqdm.progress_bar_states), transformers.logging.is_progress_bar_enabled()
    yield
    hub_tqdm.progress_bar_states.clear()
    hub_tqdm.progress_bar_states.update(saved)
    (transformers.logging.enable_progress_bar if enabled else transformers.logging.disable_progress_bar)()
    hub_tqdm.progress_bar_states.clear()
    hub_tqdm.progress_bar_states.update(saved)


def _download_bar_shows() -> bool:
    """Does the bar huggingface_hub opens for a file download draw anything?"""
    import io

    from huggingface_hub.utils import tqdm

    out = io.StringIO()
    with tqdm(total=10, desc="model.safetensors", name="huggingface_hub.http_get", file=out, mininterval=0) as bar:
        bar.update(10)
    return "model.safetensors" in out.getvalue()


def test_quiet_libraries_keeps_download_bars(monkeypatch, bar_state):
    import transformers

    monkeypatch.delenv("CI", raising=False)
    env.quiet_libraries()
    assert transformers.logging.is_progress_bar_enabled() is False, "per-load bars stay off"
    assert transformers.logging.get_verbosity() == transformers.logging.ERROR
    assert _download_bar_shows(), "a hub download must show its progress bar"


@pytest.mark.parametrize("value", ["true", "1"])
def test_quiet_libraries_hides_download_bars_on_ci(monkeypatch, bar_state, value):
    monkeypatch.setenv("CI", value)
    assert env.in_ci()
    env.quiet_libraries()
    assert not _download_bar_shows()
    assert env.hub_download_bars(show=True) is True and _download_bar_shows(), "an explicit choice wins"


def test_in_ci_reads_the_variable(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert env.in_ci() is False
    monkeypatch.setenv("CI", "false")
    assert env.in_ci() is False
    monkeypatch.setenv("CI", "true")
    assert env.in_ci() is True


def test_check_asserts_except_in_the_rehearsal(monkeypatch, capsys):
    monkeypatch.delenv(env.REHEARSAL_ENV, raising=False)
    assert not env.rehearsal()
    env.check(True, "never shown")
    with pytest.raises(AssertionError, match="F1 0.10: too low"):
        env.check(0.1 > 0.6, "F1 0.10: too low")
    monkeypatch.setenv(env.REHEARSAL_ENV, "1")
    assert env.rehearsal()
    env.check(0.1 > 0.6, "F1 0.10: too low")
    env.check(True, "never shown")
    assert capsys.readouterr().out == "not checked in the rehearsal (random tiny model): F1 0.10: too low\n"
    monkeypatch.setenv(env.REHEARSAL_ENV, "maybe")
    with pytest.raises(ValueError, match="WORKBENCH_REHEARSAL='maybe'"):
        env.rehearsal()


def test_setup_notebook_says_when_it_is_a_rehearsal(monkeypatch, capsys):
    monkeypatch.setenv(env.REHEARSAL_ENV, "1")
    env.setup_notebook(show=True)
    assert "REHEARSAL (WORKBENCH_REHEARSAL=1)" in capsys.readouterr().out
