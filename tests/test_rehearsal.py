"""The full-mode rehearsal (issue 13): every notebook runs the path of a Colab user with a GPU -- fast mode
off, registry names resolving to hub checkpoints, real corpora downloaded -- on tiny random models, offline.

The setup (corpus server on 127.0.0.1, fake hub, environment) is ``tests/rehearsal.py``; read its docstring.
Notebooks run two at a time in their own processes, started when the first test here runs; each test waits
for its notebook. The table of times is printed at the end of the pytest run. Deselect with
``-m "not rehearsal"``; run alone with ``pytest -m rehearsal`` (``../shared/data`` or ``WORKBENCH_SHARED_DATA``
must hold the real corpora, which are served as the download source).
"""
import os
from pathlib import Path

import pytest

import rehearsal as rh
from workbench import corpora

pytestmark = pytest.mark.rehearsal

JOBS = min(2, os.cpu_count() or 1)
# What each notebook asks for in full mode, and so must have downloaded.
DOWNLOADS = {"01_loading_models_and_data.ipynb": {"ncbi_disease"}, "02_ner_fine_tuning.ipynb": {"ncbi_disease"},
             "03_question_answering.ipynb": {"bioasq_4b"}, "04_relation_extraction.ipynb": {"gad"},
             "05_relation_use_cases.ipynb": {"bc5cdr_typed", "bc2gm", "ncbi_disease", "gad"},
             "07_annotate_and_retrain.ipynb": {"ncbi_disease"}, "09_ask_the_literature.ipynb": {"bioasq_4b"}}


def _selected(session) -> list[Path]:
    # nbval's notebook cells in the same session have no originalname/callspec: look only at this module's tests
    return [item.callspec.params["notebook"] for item in session.items
            if getattr(item, "originalname", None) == "test_notebook_runs_in_full_mode"
            and Path(item.path) == Path(__file__)]


@pytest.fixture(scope="module")
def rehearsal(request, shared_data, tmp_path_factory):
    """The prepared rehearsal, its selected notebooks already running in the background (for this module)."""
    with rh.rehearsal(tmp_path_factory.mktemp("rehearsal"), shared_data) as r:
        r.futures = r.start(_selected(request.session) or rh.NOTEBOOKS, jobs=JOBS)
        yield r
        for future in r.futures.values():  # a test that did not run (-x, Ctrl-C): do not leave kernels behind
            future.cancel()
        for future in r.futures.values():
            if not future.cancelled():
                future.exception()
        done = [r.results[nb.name] for nb in r.futures if nb.name in r.results]
        request.config.rehearsal_report = rh.report(done, r.elapsed(), r.jobs)  # shown at the end (conftest.py)


@pytest.mark.parametrize("notebook", rh.NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_full_mode(rehearsal, notebook):
    result = rehearsal.futures[notebook].result()
    print(f"{notebook.name}: {result['wall_seconds']:.0f} s, kernel CPU {result.get('cpu_seconds', 0):.0f} s")
    for line in result["unchecked"]:
        print("  ", line)
    assert result["ok"], f"{notebook.name} failed in the full-mode rehearsal:\n{result['error'][-4000:]}"
    assert result["full_mode"], "the setup cell did not report full mode (fast mode off)"
    assert not result["standin"], "a registry name fell back to the stand-in instead of the hub checkpoint"
    for name in DOWNLOADS.get(notebook.name, ()):
        assert corpora.cached_corpus(name, rehearsal.cache / "corpora"), f"{name} was not downloaded into the cache"


def test_corpora_came_through_the_download(rehearsal):
    """Every corpus the notebooks used was fetched from the server and checksummed into the cache (two notebooks
    running at once may both fetch one); nothing was read from or written to the shared folder they were given."""
    for future in rehearsal.futures.values():
        future.result()
    wanted = set().union(*(DOWNLOADS.get(nb.name, set()) for nb in rehearsal.futures))
    files = {f"/{name}/{f.path}" for name in wanted for f in corpora.REGISTRY[name].files}
    expected = sorted(files | {"/"})  # "/": the reachability check of the source (corpora.source_problem)
    got = sorted(set(rehearsal.server.requests))
    assert got == expected, f"files fetched from the corpus server: {got}"
    assert not any(rehearsal.empty_shared.iterdir()), "something wrote into WORKBENCH_SHARED_DATA"
