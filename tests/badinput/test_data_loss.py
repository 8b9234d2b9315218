"""The four data-loss paths of issue 18, each a regression test.

1. two stores on one file never overwrite each other (merge, or refuse when both changed a document);
2. a failed save is rolled back and shown in the widget (full disk, read-only folder);
3. a store opened through a symlink (or with hard links) updates the real file and keeps its mode;
4. every export goes through the atomic writer: a failed export keeps the previous good file.
Faults are injected at the system call (``os.fsync`` / ``os.replace`` raising the errno a full or
read-only disk gives), so the tests behave the same for root and for a normal user.
"""
import errno
import json
import os
import stat

import pytest

from workbench import annotations as A
from workbench import data as D
from workbench import files
from workbench.errors import SaveError, StoreConflictError, WorkbenchError

TEXTS = ["Cisplatin caused nephrotoxicity in BRCA1 carriers.",
         "Patients with breast cancer received 5-fluorouracil.",
         "No adverse events were reported."]


def on_disk(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def labels_on_disk(path):
    return [[e["label"] for e in r["entities"]] for r in on_disk(path)]


@pytest.fixture
def fail_writes(monkeypatch):
    """``fail_writes(errno)``: from now on every fsync of a file being written fails with that errno."""
    def arm(code=errno.ENOSPC):
        def boom(fd):
            raise OSError(code, os.strerror(code))
        monkeypatch.setattr(files.os, "fsync", boom)
    return arm


# ---------------------------------------------------------------- 1. two stores, one file


def test_two_stores_on_one_file_merge_changes_to_different_documents(tmp_path):
    path = tmp_path / "ann.jsonl"
    a = A.AnnotationStore(path, TEXTS)
    b = A.AnnotationStore(path, TEXTS)  # the annotator cell run a second time
    a.add_entity(0, 0, 9, "Chemical")
    b.add_entity(1, TEXTS[1].index("breast"), TEXTS[1].index("breast") + 13, "Disease")
    a.set_status(2, "done")  # used to rewrite the file from a's stale copy: b's entity was lost
    assert labels_on_disk(path) == [["Chemical"], ["Disease"], []]
    assert on_disk(path)[2]["status"] == "done"
    assert a.merges == 1 and a[1]["entities"][0]["label"] == "Disease"  # a now shows b's work too
    b.set_status(0, "done")
    reopened = A.AnnotationStore(path, TEXTS)
    assert [len(r["entities"]) for r in reopened] == [1, 1, 0]
    assert [r["status"] for r in reopened] == ["done", "todo", "done"]


def test_two_stores_changing_the_same_document_refuse_and_reload(tmp_path):
    path = tmp_path / "ann.jsonl"
    a = A.AnnotationStore(path, TEXTS)
    b = A.AnnotationStore(path, TEXTS)
    a.add_entity(0, 0, 9, "Chemical")
    with pytest.raises(StoreConflictError, match=r"document\(s\) \['0'\] were changed by another store.*NOT saved"):
        b.set_status(0, "skipped")
    assert labels_on_disk(path)[0] == ["Chemical"] and on_disk(path)[0]["status"] == "todo"
    assert b[0] == a[0] and not b.can_undo  # b reloaded the file: memory == disk
    b.set_status(0, "skipped")  # redone on the fresh copy: saved, a's entity kept
    assert labels_on_disk(path)[0] == ["Chemical"] and on_disk(path)[0]["status"] == "skipped"


def test_undo_never_overwrites_another_stores_change(tmp_path):
    path = tmp_path / "ann.jsonl"
    a = A.AnnotationStore(path, TEXTS)
    a.add_entity(0, 0, 9, "Chemical")
    b = A.AnnotationStore(path, TEXTS)
    b.relabel(0, 0, "Drug")
    with pytest.raises(StoreConflictError):
        a.undo()
    assert labels_on_disk(path)[0] == ["Drug"]


def test_an_old_widget_clicked_after_the_cell_was_rerun_loses_nothing(tmp_path):
    from workbench.widgets import EntityAnnotator

    path = tmp_path / "ann.jsonl"
    old = EntityAnnotator(TEXTS, ["Chemical", "Disease"], store=path, selector="words")
    new = EntityAnnotator(TEXTS, ["Chemical", "Disease"], store=path, selector="words")
    new.select_words(0)
    new.label_buttons["Chemical"].click()
    old.go(1)
    old.select_words(2, 3)
    old.label_buttons["Disease"].click()
    assert labels_on_disk(path)[:2] == [["Chemical"], ["Disease"]]  # merged: old now holds new's entity
    new.select_words(2)
    new.label_buttons["Disease"].click()
    old.go(0)
    old.select_words(4)
    old.label_buttons["Chemical"].click()  # both changed document 0 since old's last save: refused, shown
    assert "NOT SAVED" in old.message.value and "another store" in old.message.value
    assert labels_on_disk(path)[0] == ["Chemical", "Disease"] == [e["label"] for e in old.entities]


def test_a_store_whose_file_was_damaged_meanwhile_refuses_to_overwrite_it(tmp_path):
    path = tmp_path / "ann.jsonl"
    a = A.AnnotationStore(path, TEXTS)
    path.write_text(path.read_text() + "{not json\n", encoding="utf-8")
    damaged = path.read_text()
    with pytest.raises(A.AnnotationError, match=r"ann\.jsonl:4: not valid JSON.*will not overwrite it"):
        a.add_entity(0, 0, 9, "Chemical")
    assert path.read_text() == damaged and a[0]["entities"] == []


# ---------------------------------------------------------------- 2. failed saves: rolled back, shown


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_change_that_cannot_be_saved_is_rolled_back(tmp_path, fail_writes, code):
    path = tmp_path / "ann.jsonl"
    st = A.AnnotationStore(path, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    before, memory = path.read_bytes(), json.dumps(st.records)
    fail_writes(code)
    with pytest.raises(SaveError, match=r"ann\.jsonl: could not write it .*previous file is unchanged") as err:
        st.add_entity(1, 0, 8, "Disease")
    assert err.value.errno == code and isinstance(err.value, OSError) and isinstance(err.value, WorkbenchError)
    for change in (lambda: st.set_status(0, "done"), lambda: st.remove_entity(0, 0), st.undo,
                   lambda: st.pre_annotate([[{"start": 0, "end": 8, "label": "Gene"}]] * 3, overwrite=True)):
        with pytest.raises(SaveError):
            change()
    assert json.dumps(st.records) == memory and path.read_bytes() == before  # memory == disk
    assert st.can_undo  # the undo that failed is still there to retry
    assert [p.name for p in tmp_path.iterdir()] == ["ann.jsonl"]  # no temp file left


def test_the_widget_shows_a_failed_save_and_shows_what_the_file_holds(tmp_path, fail_writes):
    from workbench.widgets import EntityAnnotator

    path = tmp_path / "ann.jsonl"
    ann = EntityAnnotator(TEXTS, ["Chemical", "Disease"], store=path, selector="words")
    before = path.read_bytes()
    fail_writes(errno.ENOSPC)
    ann.select_words(0)
    ann.label_buttons["Chemical"].click()  # used to show the entity as labelled, with nothing on disk
    assert "NOT SAVED" in ann.message.value and "disk is full" in ann.message.value
    assert ann.entities == [] and "Chemical" not in ann.view.value
    ann.done_button.click()  # the navigation buttons are guarded too
    assert ann.record["status"] == "todo" and "NOT SAVED" in ann.message.value
    ann.press("Enter")
    assert path.read_bytes() == before


def test_a_store_in_a_read_only_folder_opens_and_exports(tmp_path, monkeypatch):
    path = tmp_path / "ann.jsonl"
    st = A.AnnotationStore(path, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    st.set_status(0, "done")

    def read_only(*args, **kwargs):
        raise SaveError(errno.EROFS, f"{path}: read-only")
    monkeypatch.setattr("workbench.annotations.store.atomic_write_text", read_only)
    again = A.AnnotationStore(path, TEXTS)  # reading never writes
    monkeypatch.undo()
    out = again.to_conll(tmp_path / "out" / "train.tsv")
    assert D.read_conll(out)[0].tags[0] == "B-Chemical"


# ---------------------------------------------------------------- 3. symlinks, hard links, modes


def test_a_store_opened_through_a_symlink_updates_the_target(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    target = drive / "ann.jsonl"
    A.AnnotationStore(target, TEXTS)
    os.chmod(target, 0o644)
    link = tmp_path / "ann.jsonl"
    link.symlink_to(target)
    st = A.AnnotationStore(link, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    assert link.is_symlink() and os.readlink(link) == str(target)  # the link was not replaced by a file
    assert labels_on_disk(target)[0] == ["Chemical"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in drive.iterdir()) == ["ann.jsonl"]  # the temp file was beside the target


def test_hard_links_stay_linked_and_modes_are_kept(tmp_path):
    path = tmp_path / "ann.jsonl"
    A.AnnotationStore(path, TEXTS)
    os.chmod(path, 0o640)
    twin = tmp_path / "backup.jsonl"
    os.link(path, twin)
    st = A.AnnotationStore(path, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    assert labels_on_disk(twin)[0] == ["Chemical"] and path.stat().st_ino == twin.stat().st_ino
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.jsonl", "backup.jsonl"]


def test_a_new_file_gets_the_usual_mode_not_0600(tmp_path):
    path = files.atomic_write_text(tmp_path / "new.tsv", "x\tO\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "ann.jsonl"
    link.symlink_to(tmp_path / "real.jsonl")
    A.AnnotationStore(link, TEXTS)
    assert link.is_symlink() and len(on_disk(tmp_path / "real.jsonl")) == 3


# ---------------------------------------------------------------- 4. every export is atomic


def _done_store(tmp_path):
    st = A.AnnotationStore(tmp_path / "ann.jsonl", TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    st.add_entity(0, TEXTS[0].index("BRCA1"), TEXTS[0].index("BRCA1") + 5, "Gene")
    st.add_relation(0, 0, 1, "affects")
    st.add_question(0, "What caused nephrotoxicity?", 0, 9)
    for i in range(3):
        st.set_status(i, "done")
    return st


EXPORTS = {
    "to_conll": lambda st, d: st.to_conll(d / "train.tsv"),
    "to_ner_folder": lambda st, d: st.to_ner_folder(d),
    "to_squad": lambda st, d: st.to_squad(d / "qa.json"),
    "to_relations_jsonl": lambda st, d: st.to_relations_jsonl(d / "pairs.jsonl"),
    "to_jsonl": lambda st, d: st.to_jsonl(d / "ann.jsonl"),
    "data.write_conll": lambda st, d: D.write_conll([(["BRCA1", "mutations"], ["B-Gene", "O"])], d / "train.tsv"),
}


@pytest.mark.parametrize("name", EXPORTS)
def test_a_failed_export_keeps_the_previous_good_file(tmp_path, fail_writes, name):
    st = _done_store(tmp_path)
    out = tmp_path / "export"
    EXPORTS[name](st, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert before and all(before.values())
    st.add_entity(1, 0, 8, "Disease")  # something new to export
    fail_writes(errno.ENOSPC)
    with pytest.raises(SaveError, match="could not write it.*previous file is unchanged.*disk is full"):
        EXPORTS[name](st, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing truncated, no temp files


def test_model_metadata_is_written_atomically(tmp_path, fail_writes):
    from workbench.models import META_FILE, save_model

    class Stub:
        def save_pretrained(self, out):
            (out / "config.json").write_text("{}")

    save_model(Stub(), Stub(), tmp_path, task="ner")
    good = (tmp_path / META_FILE).read_text()
    fail_writes()
    with pytest.raises(SaveError):
        save_model(Stub(), Stub(), tmp_path, task="ner", note="new")
    assert (tmp_path / META_FILE).read_text() == good


def test_a_stale_devel_file_is_not_silently_paired_with_a_new_train_file(tmp_path):
    st = _done_store(tmp_path)
    st.to_ner_folder(tmp_path / "ner", dev_fraction=0.34)
    with pytest.raises(A.AnnotationError, match=r"devel\.tsv exists .*would be read with the new train\.tsv"):
        st.to_ner_folder(tmp_path / "ner")
