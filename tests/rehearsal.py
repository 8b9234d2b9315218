"""The full-mode rehearsal: every notebook run the way a Colab user with a GPU runs it -- offline, in minutes.

What the real path has, and what stands in for it here:

* fast mode off (``WORKBENCH_FAST=0``): ``wb.choose`` picks the full value, ``wb.run_sizes`` the published
  recipe, and the notebooks ask for the real corpora (``ncbi_disease``, ``gad``, ``bioasq_4b``);
* the corpora are *downloaded* through ``workbench/corpora.py`` (checksummed, cached): from an HTTP server on
  127.0.0.1 serving the shared corpora folder (``WORKBENCH_CORPUS_MIRROR``) into a fresh cache
  (``WORKBENCH_CACHE``), with ``WORKBENCH_SHARED_DATA`` pointing at an empty folder so nothing is read in place;
* registry names resolve to hub checkpoints: an ``HF_HOME`` built by ``tests/fakehub.py`` holds tiny random
  models under the real repo ids (BioBERT without ``tokenizer_config.json``, a Marian for opus-mt-zh-en),
  with ``HF_HUB_OFFLINE=1``;
* every Trainer run is capped by ``WORKBENCH_MAX_STEPS`` (here :data:`MAX_STEPS`);
* ``WORKBENCH_REHEARSAL=1``: quality checks written as ``wb.env.check(condition, message)`` print
  "not checked in the rehearsal (random tiny model): ..." instead of failing -- nothing else is relaxed.

Each notebook runs in its own process and kernel (nbclient), with its own ``WORKBENCH_RUNS`` folder, two
at a time on a 2-core machine. The pytest entry is ``tests/test_rehearsal.py`` (marked ``rehearsal``); by hand::

    python tests/rehearsal.py                                   # every notebook; a table of times at the end
    python tests/rehearsal.py notebooks/02_ner_fine_tuning.ipynb --keep /tmp/rehearsal   # keep what it wrote
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_STEPS = 4  # optimizer steps per training run: enough to exercise save/load/evaluate, not to learn
CELL_TIMEOUT = 1800  # seconds, as nbval's --nbval-cell-timeout in pyproject.toml
NOTEBOOK_TIMEOUT = 3600
UNCHECKED = "not checked in the rehearsal"
# Variables that would send the hub or the corpora somewhere else than the rehearsal's own copies.
CLEARED = ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "HF_ENDPOINT", "HF_DATASETS_CACHE")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves one folder read-only; remembers the paths asked for instead of logging to stderr."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def send_head(self):
        self.server.requests.append(self.path)
        return super().send_head()


@contextlib.contextmanager
def serve(folder: str | Path):
    """An HTTP server on 127.0.0.1 (a free port) serving ``folder``; yields it (``.url``, ``.requests``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder to serve the corpora from")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(folder)))
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="rehearsal-corpus-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Rehearsal:
    """A prepared rehearsal: the environment its notebooks run in and where it keeps things."""

    workdir: Path
    env: dict
    server: object
    shared: Path  # the real corpora being served
    empty_shared: Path  # what WORKBENCH_SHARED_DATA points at
    cache: Path  # WORKBENCH_CACHE (corpora land in cache/corpora)
    results: dict = field(default_factory=dict)
    jobs: int = 1
    started: float | None = None
    finished: float | None = None

    def elapsed(self) -> float:
        """Seconds from :meth:`start` to the end of the last notebook that finished."""
        return (self.finished or time.monotonic()) - (self.started or time.monotonic())

    def notebook_env(self, notebook: Path, threads: int = 1) -> dict:
        """The environment of one notebook's process: the rehearsal's, with a runs folder of its own and
        ``threads`` torch threads (tiny models gain nothing from more; several per core thrash)."""
        return dict(self.env, WORKBENCH_RUNS=str(self.workdir / "runs" / notebook.stem),
                    OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))

    def start(self, notebooks, jobs: int = 2) -> dict:
        """Run ``notebooks`` ``jobs`` at a time in the background; ``{path: Future of a summary dict}``."""
        jobs = self.jobs = max(1, jobs)
        self.started = time.monotonic()
        threads = max(1, (os.cpu_count() or 1) // jobs)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="rehearsal")
        futures = {Path(nb): pool.submit(self.run, Path(nb), threads) for nb in notebooks}
        pool.shutdown(wait=False)
        return futures

    def run(self, notebook: Path, threads: int = 1) -> dict:
        """Execute one notebook in a fresh process with :meth:`notebook_env`; its summary (see :func:`execute`)."""
        out = self.workdir / "executed" / notebook.name
        out.parent.mkdir(parents=True, exist_ok=True)
        summary_file = out.with_suffix(".json")
        summary_file.unlink(missing_ok=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--execute", str(notebook), str(out)]
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, env=self.notebook_env(notebook, threads), cwd=ROOT, capture_output=True,
                                  text=True, timeout=NOTEBOOK_TIMEOUT)
            log = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as err:
            log = f"{notebook.name}: the notebook took over {NOTEBOOK_TIMEOUT} s\n{err.stdout or ''}{err.stderr or ''}"
        if summary_file.exists():
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
        else:  # the runner itself died (import error, kernel start, timeout)
            summary = dict(notebook=notebook.name, ok=False, error=log[-4000:] or "the runner died", cells=[],
                           unchecked=[], full_mode=False, standin=False)
        summary["wall_seconds"] = time.monotonic() - start
        summary["log_tail"] = log[-3000:]
        self.results[notebook.name] = summary
        self.finished = time.monotonic()
        return summary


def environment(workdir: Path, mirror: str, empty_shared: Path, cache: Path, hf_home: Path,
                max_steps: int = MAX_STEPS, base: dict | None = None) -> dict:
    """The variables of a full-mode run (see the module docstring) on top of ``base`` (default: this process')."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in CLEARED}
    env.update(
        WORKBENCH_FAST="0", WORKBENCH_REHEARSAL="1", WORKBENCH_MAX_STEPS=str(max_steps),
        WORKBENCH_CORPUS_MIRROR=mirror, WORKBENCH_SHARED_DATA=str(empty_shared), WORKBENCH_CACHE=str(cache),
        WORKBENCH_RUNS=str(workdir / "runs"), HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
        HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", CI=env.get("CI") or "true",
        MPLBACKEND="module://matplotlib_inline.backend_inline", PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p))
    return env


@contextlib.contextmanager
def rehearsal(workdir: str | Path, shared: str | Path, max_steps: int = MAX_STEPS):
    """Prepare a rehearsal in ``workdir`` (fake hub, empty shared folder, fresh cache, corpus server); yield it."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import fakehub

    workdir = Path(workdir)
    empty_shared, cache = workdir / "shared-data-empty", workdir / "cache"
    for folder in (empty_shared, cache):
        folder.mkdir(parents=True, exist_ok=True)
        if any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty: the rehearsal must download into a fresh cache")
    hf_home = fakehub.build(workdir / "hf")
    with serve(shared) as server:
        env = environment(workdir, server.url, empty_shared, cache, hf_home, max_steps)
        yield Rehearsal(workdir, env, server, Path(shared), empty_shared, cache)


# ---------------------------------------------------------------- one notebook, inside its own process


def execute(notebook: Path, out: Path, timeout: int = CELL_TIMEOUT) -> dict:
    """Run every cell of ``notebook`` (stopping at the first error) in a kernel of this Python; save the
    executed copy to ``out``; a summary: ok, error, seconds per code cell, the checks not made."""
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    nb = nbformat.read(notebook, as_version=4)
    # a kernel of this very Python (as nbval --nbval-current-env), in the notebook's folder
    km = AsyncKernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
    client = NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(notebook.parent)}})
    kernel_cpu = [0.0]

    def measure(**_):  # the kernel's CPU seconds so far (and of the processes it ran and waited for)
        import psutil

        with contextlib.suppress(AttributeError, psutil.Error):
            t = psutil.Process(km.provisioner.process.pid).cpu_times()
            kernel_cpu[0] = t.user + t.system + t.children_user + t.children_system

    client.on_cell_executed = measure
    start, error = time.monotonic(), None
    try:
        client.execute()
    except CellExecutionError as err:
        error = str(err)
    except Exception as err:  # noqa: BLE001 - a dead kernel or a timeout is a failed notebook, said plainly
        error = f"{type(err).__name__}: {err}"
    seconds = time.monotonic() - start
    nbformat.write(nb, out)
    cells, unchecked, text = [], [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            cells.append([i, _seconds(timing["iopub.execute_input"], timing["shell.execute_reply"])])
        for output in cell.get("outputs", []):
            stream = output.get("text", "") if output.get("output_type") == "stream" else ""
            unchecked += [f"cell {i}: {line.strip()}" for line in stream.splitlines() if UNCHECKED in line]
            text.append(stream)
    summary = dict(notebook=notebook.name, ok=error is None, error=error, seconds=seconds,
                   cpu_seconds=kernel_cpu[0], cells=cells, unchecked=unchecked,
                   full_mode="Fast mode is OFF" in "".join(text),  # printed by wb.setup_notebook()
                   standin="STAND-IN MODEL" in "".join(text))  # printed by wb.models when it falls back
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def _seconds(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


# ---------------------------------------------------------------- command line


def report(results: list[dict], seconds: float | None = None, jobs: int | None = None) -> str:
    """A plain table: notebook, result, wall seconds, the kernel's CPU seconds, slowest cell, checks not made;
    with ``seconds``, a last line with the time of the whole rehearsal."""
    lines = [f"{'notebook':40} {'result':7} {'seconds':>8} {'kernel CPU s':>12} {'slowest cell':>14}  checks not made"]
    for r in results:
        slow = max(r.get("cells") or [[None, 0.0]], key=lambda c: c[1])
        slowest = f"[{slow[0]}] {slow[1]:.0f}s" if slow[0] is not None else "-"
        lines.append(f"{r['notebook']:40} {'ok' if r['ok'] else 'FAILED':7} {r.get('wall_seconds', 0):8.0f} "
                     f"{r.get('cpu_seconds', 0):12.0f} {slowest:>14}  {len(r.get('unchecked', []))}")
    if seconds is not None:
        cpu = sum(r.get("cpu_seconds", 0) for r in results)
        lines.append(f"all {len(results)} notebooks, {jobs or '?'} at a time: {seconds:.0f} s "
                     f"(kernels' CPU {cpu:.0f} s in all)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the notebooks in full mode on tiny random models, offline.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks at a time")
    parser.add_argument("--shared", type=Path, default=None, help="real corpora to serve (default: ../shared/data)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this (new) folder and keep it")
    parser.add_argument("--max-steps", type=int, default=MAX_STEPS, help="WORKBENCH_MAX_STEPS for every training")
    parser.add_argument("--execute", nargs=2, type=Path, metavar=("NOTEBOOK", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.execute:  # inside one notebook's process (environment already set by the parent)
        return 0 if execute(*args.execute)["ok"] else 1
    sys.path.insert(0, str(ROOT))
    from workbench.data import shared_data_dir

    shared = args.shared or shared_data_dir()
    notebooks = [p.resolve() for p in args.notebooks] or NOTEBOOKS
    with contextlib.ExitStack() as stack:
        workdir = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rehearsal-")))
        r = stack.enter_context(rehearsal(workdir, shared, args.max_steps))
        futures = r.start(notebooks, jobs=args.jobs)
        results = []
        for nb, future in futures.items():
            result = future.result()
            results.append(result)
            print(f"{'ok    ' if result['ok'] else 'FAILED'} {nb.name} ({result['wall_seconds']:.0f} s)", flush=True)
            for line in result["unchecked"]:
                print("   ", line)
            if not result["ok"]:
                print(result["error"][-3000:])
        print(f"\n{report(results, r.elapsed(), r.jobs)}; corpus files downloaded: {len(r.server.requests)}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
