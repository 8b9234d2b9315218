"""How the command line reports errors: one ``error: ...`` line and exit code 2, the traceback only with
``--debug``; the model checks of ``workbench.checks``; JSON lines that survive ``str.splitlines``."""
import json
import subprocess
import sys

import pytest

from workbench import checks, cli
from workbench.errors import ModelTaskError, SaveError, UsageError, WorkbenchError


def test_an_error_is_one_line_and_exit_code_2(tmp_path, capsys):
    assert cli.main(["ner", "predict", "--model", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --model ") and "not found" in err and "Traceback" not in err


def test_debug_adds_the_traceback(tmp_path, capsys):
    assert cli.main(["--debug", "ner", "predict", "--model", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "UsageError" in err and "error: --model" in err


def test_a_file_error_names_the_file_without_errno_noise(tmp_path, capsys):
    assert cli.main(["translate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: is a folder" in err and "[Errno" not in err


def test_the_entry_point_exits_2_with_a_message():
    proc = subprocess.run([sys.executable, "-m", "workbench", "qa", "predict", "--model", "biobert", "--question",
                           "Which gene?", "--context", "BRCA1."], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error: --model biobert: the registry model 'biobert' is a base model" in proc.stderr


def test_error_types_keep_their_builtin_meaning():
    assert issubclass(SaveError, OSError) and issubclass(UsageError, ValueError)
    assert all(issubclass(k, WorkbenchError) for k in (SaveError, UsageError, ModelTaskError))
    from workbench import annotations, corpora, data, models

    for k in (data.DataFormatError, annotations.AnnotationError, models.ModelUnavailableError, models.DeviceError,
              corpora.DownloadError, corpora.CorpusUnavailable):
        assert issubclass(k, WorkbenchError), k
    assert str(SaveError(28, "x.tsv: could not write it")) == "x.tsv: could not write it"


@pytest.mark.parametrize("spec, path", [("./model", True), ("/abs/model", True), ("~/m", True), ("a/b/c", True),
                                        ("dmis-lab/biobert-base-cased-v1.1", False), ("biobert", False)])
def test_paths_are_told_from_hub_ids(spec, path):
    assert checks.looks_like_path(spec) is path


def test_a_local_first_component_makes_it_a_path(tmp_path, monkeypatch):
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)
    assert checks.looks_like_path("runs/model") and not checks.looks_like_path("elsewhere/model")


def test_the_task_of_a_folder_without_workbench_metadata_comes_from_its_architecture(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["BertForQuestionAnswering"]}))
    assert checks.saved_task(tmp_path) == "question-answering"
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["BertModel"]}))
    assert checks.saved_task(tmp_path) == "base"
    (tmp_path / "config.json").write_text("{oops")
    with pytest.raises(WorkbenchError, match=r"config\.json: cannot be read"):
        checks.saved_task(tmp_path)


@pytest.mark.parametrize("flag_type, value, message", [
    (cli.positive_int, "0", "at least 1"), (cli.positive_int, "1.5", "whole number"),
    (cli.nonnegative_int, "-1", "0 or more"), (cli.positive_float, "inf", "above 0"),
    (cli.positive_float, "nan", "above 0"), (cli.fraction, "1", "below 1"), (cli.type_pair, "Gene", "HEAD:TAIL"),
    (cli.type_list, ",", "comma-separated"), (cli.nonempty_text, " ", "empty")])
def test_flag_types_refuse_with_a_reason(flag_type, value, message):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match=message):
        flag_type(value)


def test_json_lines_survive_splitlines(capsys):
    cli.print_json_line({"text": "page\u2028two\x85three\u2029four"})
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and json.loads(out)["text"] == "page\u2028two\x85three\u2029four"
