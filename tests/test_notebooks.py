"""Notebook hygiene: every notebook is run by the suite, committed clean, and follows the layout."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BADGE = "https://colab.research.google.com/github/biomedical-nlp-workbench/biomedical-nlp-workbench/blob/main/notebooks/{}"


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


def test_every_notebook_is_collected_by_the_default_test_command():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    collected = {line.split("::")[0] for line in proc.stdout.splitlines() if ".ipynb::" in line}
    missing = [p.name for p in NOTEBOOKS if f"notebooks/{p.name}" not in collected]
    assert not missing, f"notebooks not run by nbval: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    dirty = [i for i, c in enumerate(cells(path)) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_layout(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), "notebooks are numbered: NN_name.ipynb"
    cs = cells(path)
    first = source(cs[0])
    assert cs[0]["cell_type"] == "markdown" and BADGE.format(path.name) in first, "first cell: Colab badge for this file"
    assert re.search(r"^# ", first, re.M) and "**You will:**" in first and "**Before this:**" in first
    assert "**Runtime:**" in first
    markdown = "\n".join(source(c) for c in cs if c["cell_type"] == "markdown")
    for heading in ("## 0 Setup", "## Summary", "## Exercises"):
        assert heading in markdown, f"{path.name}: missing '{heading}'"
    setup = [c for c in cs if c["cell_type"] == "code" and "wb.setup_notebook(" in source(c)]
    assert len(setup) == 1, f"{path.name}: exactly one setup cell calling wb.setup_notebook()"


def test_setup_cell_is_the_same_everywhere():
    setups = {p.name: next(source(c) for c in cells(p) if "wb.setup_notebook(" in source(c)) for p in NOTEBOOKS}
    first = setups[NOTEBOOKS[0].name]
    different = [name for name, s in setups.items() if s != first]
    assert not different, f"setup cell differs from {NOTEBOOKS[0].name} in {different}"
