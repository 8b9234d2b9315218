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
