"""Real browser: JupyterLab on localhost, an annotation notebook in headless Chromium, a person's
clicks, drags and key presses -- then the JSONL the widget saved is checked.

Skipped, with the reason, only when Playwright or a Chromium cannot be found
(CI installs Debian's ``chromium``; see .ci/run). Marker: ``browser``.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
TEXT = "Cisplatin caused nephrotoxicity in BRCA1 carriers."
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable")


def find_chromium(playwright) -> str | None:
    """Playwright's own Chromium when installed, else the system one (Debian's ``chromium``)."""
    try:
        path = playwright.chromium.executable_path
        if path and os.path.exists(path):
            return path
    except Exception:  # noqa: BLE001 - Playwright raises when its browser is not installed
        pass
    for name in CANDIDATES + tuple(filter(None, (shutil.which("chromium"), shutil.which("chromium-browser")))):
        if os.path.exists(name):
            return name
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(folder: Path) -> Path:
    code = (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
            "from workbench.widgets import EntityAnnotator\n"
            f"ann = EntityAnnotator([{TEXT!r}, 'Patients with breast cancer received 5-fluorouracil.'],\n"
            "                      ['Disease', 'Chemical', 'Gene'], store='ann.jsonl')\n"
            "ann")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "annotate.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on 127.0.0.1 (random free port, a token, a temp root and settings folders)."""
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root)
    port, token = free_port(), os.urandom(12).hex()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
           f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = open(tmp_path / "lab.log", "wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield {"url": url, "token": token, "root": root, "log": tmp_path / "lab.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def stored(root: Path) -> list[dict]:
    path = root / "ann.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_annotate_in_jupyterlab_with_mouse_and_keys(lab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        exe = find_chromium(p)
        if exe is None:
            pytest.skip("no Chromium found: apt-get install chromium (or python -m playwright install chromium)")
        browser = p.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        console = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        try:
            page.goto(f"{lab['url']}/lab/tree/annotate.ipynb?token={lab['token']}", timeout=60_000)
            cell = page.locator(".jp-Notebook .jp-Cell").first
            cell.wait_for(timeout=60_000)
            # the kernel must be connected and idle before the cell runs
            page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=90_000)
            view = page.locator(".wb-textview")
            for attempt in range(3):  # a run request sent while the kernel connects can be lost
                cell.click()
                page.keyboard.press("Escape")            # command mode
                page.keyboard.press("Control+Enter")     # run the cell in place: the widget appears
                try:
                    view.wait_for(timeout=30_000)
                    break
                except sync_api.TimeoutError:
                    if attempt == 2:
                        raise
            assert "Cisplatin" in view.inner_text()

            # a mouse drag from inside "nephrotoxicity" to inside "in" ... snapped to whole words
            word = view.locator("[data-s]", has_text="nephrotoxicity")
            box = word.bounding_box()
            page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2, steps=5)
            page.mouse.up()
            wait_for(lambda: view.locator(".wb-sel").count() == 1, what="the dragged word to be selected")
            page.keyboard.press("1")                  # shortcut: Disease (not a JupyterLab command here)
            wait_for(lambda: any(e["label"] == "Disease" for r in stored(lab["root"])[:1] for e in r["entities"]),
                     what="the Disease entity in ann.jsonl")

            # click a word, then the Gene button
            view.locator("[data-s]", has_text="BRCA1").click()
            page.get_by_role("button", name="3 Gene").click()
            wait_for(lambda: len(stored(lab["root"])[0]["entities"]) == 2, what="the Gene entity in ann.jsonl")

            # click the new entity to pick it, remove it with the key x, undo with u
            view.locator("mark[data-k='1']").click()
            page.keyboard.press("x")
            wait_for(lambda: len(stored(lab["root"])[0]["entities"]) == 1, what="the removal")
            page.keyboard.press("u")
            wait_for(lambda: len(stored(lab["root"])[0]["entities"]) == 2, what="the undo")

            page.screenshot(path=str(tmp_path / "annotating.png"))
            page.get_by_role("button", name="✓ Done").click()
            wait_for(lambda: stored(lab["root"])[0]["status"] == "done", what="the document marked done")
            wait_for(lambda: "breast cancer" in view.inner_text(), what="the next document")
            page.screenshot(path=str(tmp_path / "annotator.png"))
            # the notebook is untouched by our keys: still one code cell
            assert page.locator(".jp-Notebook .jp-Cell").count() == 1
            assert page.locator(".jp-Notebook .jp-MarkdownCell").count() == 0
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print("browser console:\n" + "\n".join(console[-40:]))
            print("JupyterLab log:\n" + lab["log"].read_text(errors="replace")[-3000:])
            raise
        finally:
            browser.close()

    rec = stored(lab["root"])[0]
    got = [(e["text"], e["label"], e["start"], e["end"]) for e in rec["entities"]]
    assert got == [("nephrotoxicity", "Disease", TEXT.index("nephro"), TEXT.index(" in")),
                   ("BRCA1", "Gene", TEXT.index("BRCA1"), TEXT.index("BRCA1") + 5)]
    assert rec["status"] == "done" and all(e["source"] == "human" for e in rec["entities"])
