"""Kill test: a process SIGKILLed during repeated autosaves leaves a valid JSONL holding every
completed change (the atomic temp + fsync + rename write of workbench.annotations)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from workbench.annotations import AnnotationStore, read_jsonl

ROOT = Path(__file__).resolve().parent.parent
N_DOCS, N_WORDS = 200, 60

# Each change adds one annotation and then prints its running number: a printed number is a
# change whose save() returned. Long documents make each save a sizeable write, so kills land
# inside writes too. The writer resumes from what the file holds, as a reopened notebook would.
WRITER = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(ROOT)!r})
    from workbench.annotations import AnnotationStore
    texts = [" ".join(f"d{{d}}w{{w}}" for w in range({N_WORDS})) for d in range({N_DOCS})]
    store = AnnotationStore(sys.argv[1], texts)
    n = sum(len(r["entities"]) + len(r["qa"]) for r in store)
    print("resumed", n, flush=True)
    while n < {N_DOCS * N_WORDS}:
        doc, word = divmod(n // 2, {N_WORDS})
        text = store[doc]["text"]
        if n % 2:
            store.add_question(doc, f"question {{n}}?")
        else:
            start = text.index(f"d{{doc}}w{{word}}", 0)
            store.add_entity(doc, start, start + len(f"d{{doc}}w{{word}}"), "Gene")
        n += 1
        print(n, flush=True)
""")


def count_changes(path):
    return sum(len(r["entities"]) + len(r["qa"]) for r in read_jsonl(path))


def run_and_kill(script, path, after):
    """Start the writer, SIGKILL it once it has acknowledged ``after`` more changes; return
    (resumed count, last acknowledged count)."""
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        first = proc.stdout.readline().split()
        assert first and first[0] == "resumed", f"writer did not start: {first}"
        resumed = last = int(first[1])
        deadline = time.monotonic() + 60
        while last < resumed + after and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            last = int(line)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()  # changes acknowledged between our last read and the kill
        for line in rest.split():
            last = int(line)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert last > resumed, "the writer made no change before the kill"
    return resumed, last


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_during_autosaves_loses_no_completed_change(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    path = tmp_path / "ann.jsonl"
    expected = 0
    for after in (7, 23, 41, 3, 11, 29, 5, 17, 37, 13, 2, 19):  # twelve kills at different points, resuming each time
        resumed, last = run_and_kill(script, path, after)
        assert resumed == expected, f"reopening lost changes: file held {resumed}, {expected} were completed"
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == N_DOCS and all(json.loads(line)["text"] for line in lines), "JSONL is not whole"
        held = count_changes(path)
        # every acknowledged change is there; at most the one in flight when killed is extra
        assert last <= held <= last + 1, f"acknowledged {last} changes, file holds {held}"
        expected = held
    store = AnnotationStore(path)
    assert len(store) == N_DOCS and store.progress() == (0, N_DOCS)
