"""The README is executed (issue 24): a documented call that no longer exists fails here.

* ``test_python_block``: every ```python block of README.md runs in a fresh process, offline, in fast mode, in a
  temporary working folder (the blocks' illustrative files -- ``annotations.jsonl``, ``my_corpus``,
  ``runs/ner/ncbi`` -- land there, never in the repository). Tracebacks give README.md line numbers.

  - Demo models built through ``cached_model`` (``wb.ner.sample_tagger()``, ``wb.qa.sample_reader()``, ...) go
    to ``notebooks/runs`` (``WORKBENCH_RUNS``), the folder the notebooks use: each is trained once for both.
  - The blocks in ``CAPPED`` train a model themselves and only show the calls around it: they run with
    ``WORKBENCH_MAX_STEPS`` (the cap the CI rehearsal uses; the trainer prints it) and a runs folder of their
    own, so a capped model never lands in ``notebooks/runs``. What a model learns is measured by the notebooks
    and the unit tests. A block that reads what its model found (Relation extraction: ``records[0]``) trains
    uncapped.
  - A block reading a real corpus that is not on this machine (``../shared/data`` or the download cache) is
    skipped, naming the corpus.
  - A block is excluded only by a visible marker on the line before its fence,
    ``<!-- readme-test: skip (reason) -->``, and reported as skipped with that reason (none is, today).
* ``test_documented_name``: every dotted ``wb.``/``workbench.`` name the README mentions (code blocks, inline
  code, tables; ``UR = wb.usecases_real``-style aliases followed) exists, all checked in one fresh process.
* ``test_documented_command``: every ``python -m workbench ...`` command the README documents (```bash blocks
  and inline code): the cheap ones (``CHEAP``) run as written and must exit 0; every other one (training,
  downloads, models that need a trained folder) runs with ``--help``, which must exit 0 and list each flag the
  README gives it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOTEBOOK_RUNS = ROOT / "notebooks" / "runs"
BLOCK_TIMEOUT = 900  # seconds; a block should take well under a minute or two once the demo models exist
# Blocks (by heading) whose own training runs capped at WORKBENCH_MAX_STEPS=TRAIN_STEPS, and why that is enough.
TRAIN_STEPS = "5"
CAPPED = {
    "One shape for every task": "shows the trainer's signature and results; trains twice (resume=True after a "
                                "finished run starts again)",
    "Named-entity recognition": "trains on NCBI-disease and evaluates on its whole test split; every call runs "
                                "on whatever the model learnt",
}
SKIP_MARKER = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<reason>.+)\)\s*-->")
FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    heading: str
    code: str
    skip: str | None  # reason given by a readme-test: skip marker

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"L{self.line}-{slug}"


def readme_blocks(text: str | None = None) -> list[Block]:
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks, heading, i = [], "top", 0
    while i < len(lines):
        if lines[i].startswith("#"):
            heading = lines[i].lstrip("#").strip()
        match = FENCE.match(lines[i])
        if match:
            start = i
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                i += 1
            marker = SKIP_MARKER.search(lines[start - 1]) if start else None
            blocks.append(Block(match["lang"], start + 1, heading, "\n".join(lines[start + 1:i]) + "\n",
                                marker["reason"] if marker else None))
        i += 1
    return blocks


def prose(text: str) -> str:
    """The README without its fenced blocks (for inline code spans)."""
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.S | re.M)


def inline_code(text: str) -> list[str]:
    """Inline code spans (they may run over a line break), whitespace collapsed."""
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose(text))]


PYTHON_BLOCKS = [b for b in readme_blocks() if b.lang == "python"]


# --- real corpora a block reads ---------------------------------------------------------------------------

def corpora_read(code: str) -> list[str]:
    """Real corpora a block reads: string literals (not comments) naming a known corpus; the BioASQ default."""
    import ast

    from workbench import corpora

    known = set(corpora.REGISTRY) | set(corpora.NOT_DOWNLOADABLE)
    literals = {node.value for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Constant)}
    names = {name for name in literals if isinstance(name, str) and name in known}
    if re.search(r"load_bioasq_folder\(\s*\)", code):
        names.add("bioasq_4b")
    return sorted(names)


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(WORKBENCH_FAST="1", WORKBENCH_OFFLINE="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", MPLBACKEND="Agg",
               WORKBENCH_RUNS=str(NOTEBOOK_RUNS),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p))
    env.update(extra)
    return env


def test_block_parser_reads_the_skip_marker():
    text = "# T\n\n<!-- readme-test: skip (needs a GPU) -->\n```python\nx = 1\n```\n## U\n```python\ny\n```\n"
    assert [(b.line, b.heading, b.code, b.skip) for b in readme_blocks(text)] == [
        (4, "T", "x = 1\n", "needs a GPU"), (8, "U", "y\n", None)]


def test_capped_blocks_exist():
    assert set(CAPPED) <= {b.heading for b in PYTHON_BLOCKS}, "CAPPED names a README heading with no python block"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[b.id for b in PYTHON_BLOCKS])
def test_python_block(block: Block, tmp_path):
    if block.skip:
        pytest.skip(f"README.md:{block.line} ({block.heading}) excluded by its marker: {block.skip}")
    from workbench.data import locate_corpus, shared_data_dir

    missing = [name for name in corpora_read(block.code) if locate_corpus(name) is None]
    if missing:
        pytest.skip(f"README.md:{block.line} reads real corpus {', '.join(missing)}, not found in {shared_data_dir()} "
                    f"nor the download cache (set WORKBENCH_SHARED_DATA)")
    script = tmp_path / f"README_md_line_{block.line}.py"
    script.write_text("\n" * block.line + block.code, encoding="utf-8")  # traceback lines = README lines
    work = tmp_path / "cwd"
    work.mkdir()
    capped = {"WORKBENCH_MAX_STEPS": TRAIN_STEPS, "WORKBENCH_RUNS": str(tmp_path / "runs")} if (
        block.heading in CAPPED) else {}
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=work, env=subprocess_env(**capped),
                              capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired as err:
        tail = (err.stdout or b"")[-2000:].decode(errors="replace") if isinstance(err.stdout, bytes) else err.stdout
        pytest.fail(f"README.md block at line {block.line} ({block.heading}) still ran after {BLOCK_TIMEOUT} s; "
                    f"its output ended with:\n{tail}")
    assert proc.returncode == 0, (f"README.md block at line {block.line} ({block.heading}) failed "
                                  f"(line numbers below are README.md's):\n{proc.stderr[-6000:]}")


# --- dotted names ------------------------------------------------------------------------------------------

NAME = re.compile(r"\b(?:wb|workbench)(?:\.[A-Za-z_]\w*)+")
ALIAS = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*((?:wb|workbench)(?:\.[A-Za-z_]\w*)+)\s*(?:;|$)")


def documented_names(text: str | None = None) -> list[str]:
    """``wb.x.y`` names the README mentions (``workbench.x`` counts as ``wb.x``), whole chains as written, with
    ``UR = wb.usecases_real``-style aliases followed (``UR.evaluate_ade`` is ``wb.usecases_real.evaluate_ade``)."""
    text = README.read_text(encoding="utf-8") if text is None else text
    text = text.replace(r"\|", "|")
    names = {m.replace("workbench.", "wb.", 1) if m.startswith("workbench.") else m for m in NAME.findall(text)}
    for span in inline_code(text) + [line for b in readme_blocks(text) for line in b.code.splitlines()]:
        for alias, target in ALIAS.findall(span):
            target = target.replace("workbench.", "wb.", 1) if target.startswith("workbench.") else target
            for use in re.findall(rf"(?<![\w.]){alias}((?:\.[A-Za-z_]\w*)+)", text):
                names.add(target + use)
    # the file name workbench/training.py and the like are paths, not names
    return sorted(n for n in names if not re.search(r"\.(py|md|json|jsonl|tsv)$", n))


NAMES = documented_names()
_RESOLVE = r"""
import json, sys
import workbench as wb
missing = {}
for name in json.loads(sys.argv[1]):
    obj, parts = wb, name.split(".")[1:]
    for i, part in enumerate(parts):
        try:
            obj = getattr(obj, part)
        except AttributeError as err:
            missing[name] = f"{'.'.join(['wb'] + parts[:i + 1])}: {type(err).__name__}: {err}"
            break
print(json.dumps(missing))
"""


@pytest.fixture(scope="module")
def unresolved_names(tmp_path_factory) -> dict[str, str]:
    """Resolve every documented name in one fresh process (a fresh ``import workbench``: lazy sub-modules too)."""
    proc = subprocess.run([sys.executable, "-c", _RESOLVE, json.dumps(NAMES)], cwd=tmp_path_factory.mktemp("names"),
                          env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", NAMES)
def test_documented_name(name, unresolved_names):
    assert name not in unresolved_names, f"README.md mentions {name}, which does not exist: {unresolved_names[name]}"


# --- command lines -----------------------------------------------------------------------------------------

# Commands run exactly as the README writes them: quick, no training, no download.
CHEAP = {("env",), ("models",), ("data", "list")}
GLOBAL_FLAGS = {"--debug"}


def documented_commands(text: str | None = None) -> list[str]:
    """``python -m workbench ...`` commands from ```bash blocks and inline code, as written."""
    text = README.read_text(encoding="utf-8") if text is None else text
    found = []
    for block in readme_blocks(text):
        if block.lang in ("bash", "sh", "shell", "console"):
            found += [line.split("#")[0].strip() for line in block.code.splitlines()]
    found += inline_code(text)
    commands = []
    for item in found:
        at = item.find("python -m workbench")
        if at >= 0 and item[at:] not in commands:
            commands.append(item[at:])
    return commands


def command_path(words: list[str]) -> tuple[str, ...]:
    """The (sub-)sub-command a documented command names, walked through the real argparse tree."""
    import argparse

    from workbench.cli import build_parser

    parser, path = build_parser(), []
    for word in words:
        if word in GLOBAL_FLAGS:
            continue
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or word not in subs[0].choices:
            break
        parser = subs[0].choices[word]
        path.append(word)
    return tuple(path)


def _command_cases() -> list[tuple[str, tuple[str, ...], list[str]]]:
    cases = []
    for command in documented_commands():
        words = command.split()[3:]
        path = command_path(words)
        flags = {f for f in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", command)} - {"--help"}
        flags = sorted(flags - GLOBAL_FLAGS if path else flags)  # global flags show in the top-level help only
        cases.append((command, path, flags))
    return cases


COMMANDS = _command_cases()


def test_every_task_command_is_documented():
    """The README's command-line examples reach every top-level sub-command the CLI has."""
    from workbench.cli import TASK_COMMANDS

    documented = {path[0] for _, path, _ in COMMANDS if path}
    assert set(TASK_COMMANDS) | {"env", "models"} <= documented, documented


@pytest.mark.parametrize("command,path,flags", COMMANDS, ids=[c for c, _, _ in COMMANDS])
def test_documented_command(command, path, flags, tmp_path):
    if not path:  # only global flags (`python -m workbench --debug ...`): checked against the top-level --help
        assert flags, f"README.md documents `{command}`, which names no sub-command of python -m workbench"
    argv = list(path) if path in CHEAP else [*path, "--help"]
    proc = subprocess.run([sys.executable, "-m", "workbench", *argv], cwd=tmp_path, env=subprocess_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"`python -m workbench {' '.join(argv)}` exited {proc.returncode}:\n{proc.stderr}"
    if path not in CHEAP:
        unknown = [flag for flag in flags if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", proc.stdout)]
        assert not unknown, f"README.md documents `{command}` with {unknown}, not in its --help:\n{proc.stdout}"
