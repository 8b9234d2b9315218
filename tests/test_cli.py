import json
import subprocess
import sys

from workbench import cli


def test_env_json(capsys):
    assert cli.main(["env", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["device"] in {"cpu", "cuda", "mps"} and report["hub"].startswith("offline")


def test_models_lists_registry(capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    assert "dmis-lab/biobert-base-cased-v1.1" in out and "offline stand-in: installed" in out


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 1
    assert "usage" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "workbench", "env", "--no-hub"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "device" in proc.stdout and "advice" not in proc.stdout


def test_train_commands_default_to_the_whole_split_and_the_full_recipe(capsys):
    import pytest

    from workbench import env
    from workbench.errors import UsageError

    parser = cli.build_parser()
    for task in ("ner", "qa", "re"):
        args = parser.parse_args([task, "train", "--data", "x"])
        assert cli.training_sizes(args, task) == env.run_sizes(task, fast=False), "whatever fast mode says"
        assert cli.training_sizes(args, task).max_train_samples is None
        args = parser.parse_args([task, "train", "--data", "x", "--fast", "--epochs", "1", "--max-train-samples", "5"])
        assert cli.training_sizes(args, task) == env.run_sizes(task, fast=True, epochs=1, max_train_samples=5)
        args = parser.parse_args([task, "train", "--data", "x", "--all-samples"])  # retired: the default now
        assert cli.training_sizes(args, task) == env.run_sizes(task, fast=False)
        assert "--all-samples is the default now" in capsys.readouterr().err
        with pytest.raises(UsageError, match="--all-samples and --fast"):
            cli.training_sizes(parser.parse_args([task, "train", "--data", "x", "--all-samples", "--fast"]), task)
        with pytest.raises(SystemExit):
            parser.parse_args([task, "train", "--help"])
        help_text = " ".join(capsys.readouterr().out.split())  # as one line, however argparse wraps it
        assert f"wb.run_sizes('{task}', fast=False)" in help_text and "whole training split" in help_text
        assert "--all-samples" not in help_text and "--fast" in help_text
