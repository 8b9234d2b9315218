"""A newcomer's first command: ``bash run.sh`` on a fresh clone, with no shared folder and no network.

The setting (issue 24): a copy of the project (what ``git clone`` gives: tracked and new, non-ignored files)
in a fresh folder with no ``../shared`` beside it; none of the offline variables set (``HF_HUB_OFFLINE``,
``WORKBENCH_OFFLINE``, ``WORKBENCH_FAST``, ...), so the workbench has to find out for itself that the hub and
the corpus source cannot be reached; a fresh ``WORKBENCH_CACHE`` and ``HF_HOME``. To make "unreachable"
certain on any machine, every HTTP(S) request goes to a proxy on 127.0.0.1 that refuses connections -- the
requests are still made, through the same code a user's machine runs.

``bash run.sh`` must exit 0 and every executed notebook must be free of error output. The cached demo models
(trained on the project samples, the same in this setting as under nbval) are shared with the other tests
through ``WORKBENCH_RUNS``; everything else is the newcomer's own. The table of seconds per notebook and what
each used instead of the real corpora is printed at the end of the pytest run (``conftest.py``).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.newcomer

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# What the newcomer does not have: none of these is set on a fresh machine.
UNSET = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "WORKBENCH_OFFLINE", "WORKBENCH_FAST",
         "WORKBENCH_SHARED_DATA", "WORKBENCH_CORPUS_MIRROR", "WORKBENCH_MAX_STEPS", "WORKBENCH_REHEARSAL",
         "HF_ENDPOINT", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "HF_DATASETS_CACHE",
         "NO_PROXY", "no_proxy", "PYTHONPATH")
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
FALLBACK = "Using the project sample instead"  # printed by wb.data.corpus_or_sample
TIMEOUT = 3600  # seconds for the whole run (about 10 minutes on 2 cores with the demo models cached)


def fresh_clone(dest: Path) -> Path:
    """The files ``git clone`` of this work tree would give (tracked, plus new files not ignored), times kept."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():  # a file deleted but not yet committed is listed too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def refused_port() -> int:
    with socket.socket() as s:  # bound, never listening: connections to it are refused
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newcomer_env(home: Path, venv: Path, runs: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    proxy = f"http://127.0.0.1:{refused_port()}"
    env.update({p: proxy for p in PROXIES})
    env.update(WORKBENCH_VENV=str(venv), WORKBENCH_CACHE=str(home / "cache"), HF_HOME=str(home / "hf"),
               WORKBENCH_RUNS=str(runs), CI=env.get("CI", ""))
    return env


def summarise(executed: Path) -> dict:
    """Seconds (sum of cell times), error outputs, and the lines saying what ran instead of a real corpus."""
    from datetime import datetime

    def when(stamp: str) -> datetime:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    nb = nbformat.read(executed, as_version=4)
    seconds, errors, instead = 0.0, [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            seconds += (when(timing["shell.execute_reply"]) - when(timing["iopub.execute_input"])).total_seconds()
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            instead += [line.split(":", 1)[0] for line in text.splitlines() if FALLBACK in line]
    return dict(seconds=seconds, errors=errors, instead=instead)


@pytest.fixture(scope="module")
def newcomer_run(tmp_path_factory, request):
    venv = Path(sys.prefix)
    if not (venv / ".installed").exists():
        pytest.skip(f"{venv} is not the venv `bash run.sh` made: run the tests with `bash run.sh test`")
    stale = [f for f in ("requirements.txt", "pyproject.toml")
             if (ROOT / f).stat().st_mtime > (venv / ".installed").stat().st_mtime]
    if stale:  # run.sh in the copy would reinstall into this venv (and point its editable install at the copy)
        pytest.fail(f"{', '.join(stale)} changed after {venv} was installed: run `bash run.sh test`, which "
                    f"installs first")
    home = tmp_path_factory.mktemp("newcomer")
    clone = fresh_clone(home / "clone")
    assert not (clone.parent / "shared").exists()
    env = newcomer_env(home, venv, ROOT / "notebooks" / "runs")
    start = time.monotonic()
    proc = subprocess.run(["bash", "run.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    seconds = time.monotonic() - start
    log = proc.stdout + proc.stderr
    executed = {nb.name: clone / "runs" / "notebooks" / nb.name for nb in NOTEBOOKS}
    summaries = {name: summarise(path) for name, path in executed.items() if path.exists()}
    lines = [f"{'notebook':40} {'seconds':>8}  used instead of a real corpus"]
    lines += [f"{name:40} {s['seconds']:8.0f}  {', '.join(s['instead']) or '-'}" for name, s in summaries.items()]
    lines.append(f"bash run.sh: exit {proc.returncode} after {seconds:.0f} s")
    request.config.newcomer_report = "\n".join(lines)
    keep = ROOT / "runs" / "newcomer"  # the executed copies, to open after a failure (runs/ is not committed)
    shutil.rmtree(keep, ignore_errors=True)
    if (clone / "runs" / "notebooks").exists():
        shutil.copytree(clone / "runs" / "notebooks", keep)
    return proc.returncode, log, summaries


def test_run_sh_runs_every_notebook_offline_without_the_shared_folder(newcomer_run):
    code, log, summaries = newcomer_run
    assert code == 0, f"bash run.sh failed for a newcomer offline (exit {code}):\n{log[-5000:]}"
    missing = [nb.name for nb in NOTEBOOKS if nb.name not in summaries]
    assert not missing, f"not executed: {missing}"
    errors = {name: s["errors"] for name, s in summaries.items() if s["errors"]}
    assert not errors, f"error output in executed notebooks: {errors}"


def test_the_newcomer_is_told_what_ran_instead(newcomer_run):
    code, log, summaries = newcomer_run
    assert "STAND-IN MODEL" in log or any("STAND-IN" in (ROOT / "runs" / "newcomer" / name).read_text()
                                          for name in summaries), "the stand-in was not announced"
    # every notebook that asks for a real corpus said, in its one line, that the sample ran instead
    asks = {"01_loading_models_and_data.ipynb": {"ncbi_disease"}, "03_question_answering.ipynb": {"bioasq_4b"},
            "04_relation_extraction.ipynb": {"gad"}, "09_ask_the_literature.ipynb": {"bioasq_4b"},
            "05_relation_use_cases.ipynb": {"bc5cdr_typed", "bc2gm", "ncbi_disease", "gad", "ade_half"}}
    for name, corpora in asks.items():
        assert corpora <= set(summaries[name]["instead"]), (name, summaries[name]["instead"])
