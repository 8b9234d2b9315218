"""The crash-safe JSONL annotation store: every change saved at once, never overwriting another store's work.

* Saves are atomic (``workbench.files.atomic_write_text``): a crash or a killed kernel loses at
  most the change in flight; a symlinked file updates its target, keeps its mode and hard links.
* A change that cannot be saved (full disk, read-only folder) is rolled back and raises
  :class:`~workbench.errors.SaveError`: what is in memory is always what is on disk.
* Two stores on one file (an annotator cell run twice, two notebooks, two people on a shared
  drive): before each save the store checks whether the file changed since it last read or wrote
  it. Documents only the other store changed are merged in; when both changed the *same* document
  the save is refused with :class:`~workbench.errors.StoreConflictError` and the store reloads the
  file -- nothing is overwritten silently.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import operator
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..data import read_jsonl as read_json_lines
from ..errors import AnnotationError, SaveError, StoreConflictError
from ..files import atomic_write_text, remove_stale_temp_files
from .exports import Exports
from .records import (
    STATUSES,
    _answer,
    _bare,
    make_entity,
    new_record,
    resolve_overlaps,
    snap_to_words,
    validate_record,
)

UNDO_LIMIT = 500


def read_jsonl(path: str | Path, text: str | None = None) -> list[dict]:
    """Records of an annotation JSONL file, validated; errors name ``file:line``."""
    return read_json_lines(path, validate_record, AnnotationError, text=text)


def _whole(i, what: str) -> int:
    if isinstance(i, bool):
        raise AnnotationError(f"{what} must be a whole number, got {i!r}")
    try:
        return operator.index(i)
    except TypeError:
        raise AnnotationError(f"{what} must be a whole number, got {i!r}") from None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _serialise(records: Sequence[Mapping]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


class AnnotationStore(Exports):
    """Records of one annotation project, saved to ``path`` (JSONL) after every change.

    ``AnnotationStore("ann.jsonl", texts)`` creates the file, or reopens it and resumes: saved
    records are kept, texts not in it yet are appended, and a text that differs from the saved
    one under the same id raises :class:`AnnotationError` naming the line (your work is never
    overwritten). ``ids`` default to the texts' positions. ``path=None`` keeps it in memory only.
    Every change method saves at once and can be undone with :meth:`undo`; a change that cannot
    be saved is undone and raises. Another store's changes to the same file are merged in
    (``merges`` counts them); both changing one document raises :class:`StoreConflictError`.
    """

    def __init__(self, path: str | Path | None, texts: Sequence[str] | None = None,
                 ids: Sequence | None = None, meta: Sequence[Mapping] | None = None):
        self.path = Path(path).expanduser() if path is not None else None
        self.records: list[dict] = []
        self._history: list[tuple[int, dict]] = []
        self._synced: dict[str, dict] = {}  # id -> the record as the file held it when last read/written
        self._digest: str | None = None  # sha256 of the file as last read/written
        self.saves = 0
        self.merges = 0
        exists = False
        if self.path is not None:
            if self.path.is_dir():
                raise AnnotationError(f"{self.path}: is a folder; give a file name such as annotations.jsonl")
            remove_stale_temp_files(self.path)
            exists = self.path.exists()
            if exists:
                self.records, self._digest = self._read_file()
                self._synced = {r["id"]: copy.deepcopy(r) for r in self.records}
        n_read = len(self.records)
        if texts is not None:
            if isinstance(texts, str):
                raise AnnotationError("texts must be a list of documents, got one string (wrap it: [text])")
            self._merge(list(texts), ids, meta)
        if len({r["id"] for r in self.records}) != len(self.records):
            raise AnnotationError(f"{self.path or 'store'}: document ids are not unique")
        if self.path is not None and (not exists or len(self.records) > n_read):
            self.save()  # a store only read (e.g. for exports) is never rewritten: a read-only folder works

    def _read_file(self) -> tuple[list[dict], str]:
        try:
            data = self.path.read_bytes()
        except OSError as err:
            raise AnnotationError(f"{self.path}: cannot be read ({err.strerror})") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[:err.start].count(b"\n") + 1
            raise AnnotationError(f"{self.path}:{line}: not UTF-8 text ({err.reason} at byte {err.start})") from None
        records = read_jsonl(self.path, text=text)
        for n, rec in enumerate(records):
            if rec["id"] is None:
                rec["id"] = str(n)
        return records, _digest(data)

    def _merge(self, texts, ids, meta) -> None:
        ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
        if len(ids) != len(texts):
            raise AnnotationError(f"ids: {len(ids)} ids for {len(texts)} texts")
        if len(set(ids)) != len(ids):
            raise AnnotationError("ids: document ids must be unique")
        if meta is not None and len(meta) != len(texts):
            raise AnnotationError(f"meta: {len(meta)} entries for {len(texts)} texts")
        known = {r["id"]: n for n, r in enumerate(self.records)}
        for n, (doc_id, text) in enumerate(zip(ids, texts)):
            if doc_id in known:
                saved = self.records[known[doc_id]]["text"]
                if saved != text:
                    raise AnnotationError(
                        f"{self.path}:{known[doc_id] + 1}: document {doc_id!r} is saved with a different text "
                        f"({saved[:40]!r}... vs texts[{n}] = {str(text)[:40]!r}...). Use another store file "
                        f"or pass ids= that name each text.")
            else:
                if not isinstance(text, str):
                    raise AnnotationError(f"texts[{n}] is {type(text).__name__}, expected a string")
                self.records.append(new_record(text, doc_id, meta[n] if meta is not None else None))

    # -- basic access
    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> dict:
        return self.records[i]

    def __iter__(self):
        return iter(self.records)

    def __repr__(self) -> str:
        done, total = self.progress()
        return f"AnnotationStore({str(self.path)!r}, {total} documents, {done} done)"

    def progress(self) -> tuple[int, int]:
        """``(done, total)``; skipped documents count as done."""
        return sum(r["status"] != "todo" for r in self.records), len(self.records)

    def resume_index(self) -> int:
        """Index of the first document still to do (0 when all are done): where the user stopped."""
        return next((i for i, r in enumerate(self.records) if r["status"] == "todo"), 0)

    # -- saving
    def save(self) -> None:
        """Write every record to ``path`` atomically (called by every change).

        If the file changed since this store last read or wrote it, the other writer's documents
        are merged in first; a document both changed raises :class:`StoreConflictError` (after
        reloading the file) and nothing is written.
        """
        if self.path is None:
            return
        self._sync_with_file()
        text = _serialise(self.records)
        atomic_write_text(self.path, text)
        self._digest = _digest(text.encode("utf-8"))
        self._synced = {r["id"]: copy.deepcopy(r) for r in self.records}
        self.saves += 1

    def _changed_by_us(self, rec: Mapping) -> bool:
        return self._synced.get(rec["id"]) != rec

    def _sync_with_file(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return  # deleted meanwhile: writing it again keeps everything this store holds
        except OSError as err:
            raise SaveError(err.errno or 0, f"{self.path}: cannot be read before saving ({err.strerror})") from None
        if _digest(data) == self._digest:
            return
        try:
            theirs, digest = self._read_file()
        except AnnotationError as err:
            raise AnnotationError(f"{err}. The file was changed by someone else and cannot be read, so this "
                                  f"store will not overwrite it; your change was not saved") from None
        by_id = {r["id"]: r for r in theirs}
        both = [r["id"] for r in self.records if self._changed_by_us(r) and r["id"] in by_id
                and by_id[r["id"]] != self._synced.get(r["id"]) and by_id[r["id"]] != r]
        mine = {r["id"] for r in self.records if self._changed_by_us(r) and r["id"] not in both}
        own = {r["id"] for r in self.records}
        self.records = ([r if r["id"] in mine or r["id"] not in by_id else by_id[r["id"]] for r in self.records]
                        + [r for r in theirs if r["id"] not in own])
        self._synced = {r["id"]: copy.deepcopy(r) for r in theirs}
        self._digest = digest
        self.merges += 1
        if both:
            self._history.clear()
            raise StoreConflictError(
                f"{self.path}: document(s) {both} were changed by another store open on this file (an annotator "
                f"cell run twice, another notebook or person) since this one last saved. Your change was NOT "
                f"saved, and this store now holds the file's version; use the newest annotator and redo it.")

    @contextlib.contextmanager
    def _changing(self, i: int):
        """Change document ``i`` in a block: saved at the end, undone if the block or the save fails."""
        i = self._index(i)
        before = copy.deepcopy(self.records[i])
        try:
            yield self.records[i]
            self.save()
        except StoreConflictError:
            raise  # the store holds the file's version now
        except BaseException:
            self.records[i] = before
            raise
        self._history.append((i, before))
        del self._history[:-UNDO_LIMIT]

    def _index(self, i) -> int:
        i = _whole(i, "document index")
        if not -len(self.records) <= i < len(self.records):
            raise AnnotationError(f"document index {i} out of range (0..{len(self.records) - 1})")
        return i % len(self.records)

    def undo(self) -> int | None:
        """Undo the last change; returns the document index it touched (``None`` if nothing to undo)."""
        if not self._history:
            return None
        i, before = self._history.pop()
        now = self.records[i]
        self.records[i] = before
        try:
            self.save()
        except StoreConflictError:
            raise
        except BaseException:
            self.records[i] = now
            self._history.append((i, before))
            raise
        return i

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    # -- changes (each is saved at once and can be undone)
    def add_entity(self, i: int, start: int, end: int, label: str, snap: bool = True) -> dict:
        """Label ``text[start:end]`` of document ``i`` (widened to whole words with ``snap``).

        Entities it overlaps are replaced (a span has one label); relations on them are dropped.
        """
        text = self.records[self._index(i)]["text"]
        if snap:
            start, end = snap_to_words(text, start, end)
        ent = make_entity(text, start, end, label)
        with self._changing(i) as rec:
            gone = [e for e in rec["entities"] if e["start"] < ent["end"] and e["end"] > ent["start"]]
            rec["entities"] = sorted([e for e in rec["entities"] if e not in gone] + [ent],
                                     key=lambda e: (e["start"], e["end"]))
            self._drop_relations(rec, gone)
        return ent

    def remove_entity(self, i: int, k: int) -> dict:
        """Remove entity ``k`` of document ``i`` (and relations that use it); returns it."""
        with self._changing(i) as rec:
            ent = self.entity(rec, k)
            rec["entities"].remove(ent)
            self._drop_relations(rec, [ent])
        return ent

    def relabel(self, i: int, k: int, label: str) -> dict:
        """Give entity ``k`` of document ``i`` a new label (it becomes a human, accepted annotation)."""
        with self._changing(i) as rec:
            ent = self.entity(rec, k)
            old = _bare(ent)
            ent.update(make_entity(rec["text"], ent["start"], ent["end"], label))
            for r in rec["relations"]:
                for side in ("head", "tail"):
                    if r[side] == old:
                        r[side] = _bare(ent)
        return ent

    def accept(self, i: int, k: int | None = None) -> int:
        """Accept model suggestion ``k`` of document ``i`` (all pending ones with ``k=None``); returns how many."""
        with self._changing(i) as rec:
            targets = [self.entity(rec, k)] if k is not None else rec["entities"]
            n = 0
            for e in targets:
                if e["status"] == "pending":
                    e["status"] = "accepted"
                    n += 1
        return n

    def reject(self, i: int, k: int | None = None) -> int:
        """Reject (remove) model suggestion ``k`` of document ``i``, or all pending ones with ``k=None``."""
        with self._changing(i) as rec:
            targets = ([self.entity(rec, k)] if k is not None
                       else [e for e in rec["entities"] if e["status"] == "pending"])
            for e in targets:
                rec["entities"].remove(e)
            self._drop_relations(rec, targets)
        return len(targets)

    def set_status(self, i: int, status: str) -> None:
        """Mark document ``i`` ``"done"``, ``"skipped"`` or ``"todo"``.

        Marking it done accepts the suggestions still pending: the user saw them and let them stand.
        """
        if status not in STATUSES:
            raise AnnotationError(f"status must be one of {STATUSES}, got {status!r}")
        with self._changing(i) as rec:
            rec["status"] = status
            if status == "done":
                for e in rec["entities"]:
                    e["status"] = "accepted"

    def set_entities(self, i: int, entities: Iterable, source: str = "human") -> None:
        """Replace document ``i``'s entities with ``entities`` (dicts or ``(start, end, label)``)."""
        text = self.records[self._index(i)]["text"]
        ents = []
        for e in entities:
            if isinstance(e, Mapping):
                ents.append(make_entity(text, e["start"], e["end"], e["label"], e.get("source", source),
                                        e.get("score"), e.get("status")))
            else:
                ents.append(make_entity(text, e[0], e[1], e[2], source))
        with self._changing(i) as rec:
            rec["entities"] = sorted(ents, key=lambda e: (e["start"], e["end"]))
            rec["relations"] = []

    def pre_annotate(self, predictions: Sequence[Sequence[Mapping]], overwrite: bool = False,
                     accept: bool = False) -> int:
        """Add model suggestions (``tagger(texts)`` output, one list per document) as pending entities.

        Documents already annotated (done, or with human entities) are left alone unless
        ``overwrite``. With ``accept`` the spans count as annotations at once (curated entities,
        e.g. for relation annotation). Saved once (all or nothing); returns the number of documents changed.
        """
        if len(predictions) != len(self.records):
            raise AnnotationError(f"predictions: {len(predictions)} lists for {len(self.records)} documents")
        new = {}
        for n, (rec, preds) in enumerate(zip(self.records, predictions)):
            touched = rec["status"] != "todo" or any(e["source"] == "human" for e in rec["entities"])
            if touched and not overwrite:
                continue
            try:
                ents = [make_entity(rec["text"], p["start"], p["end"], p["label"], "model", p.get("score"),
                                    "accepted" if accept else "pending") for p in preds]
            except AnnotationError as err:
                raise AnnotationError(f"predictions[{n}]: {err}") from None
            kept, _ = resolve_overlaps(ents)
            new[n] = sorted(kept, key=lambda e: (e["start"], e["end"]))
        before = copy.deepcopy(self.records)
        for n, ents in new.items():
            self.records[n]["entities"], self.records[n]["relations"] = ents, []
        try:
            self.save()
        except StoreConflictError:
            raise
        except BaseException:
            self.records = before
            raise
        self._history.clear()
        return len(new)

    def add_relation(self, i: int, head: int, tail: int, label: str) -> dict:
        """Relate entities ``head`` and ``tail`` of document ``i`` with ``label`` (replaces an existing
        relation of the same ordered pair)."""
        if head == tail:
            raise AnnotationError("a relation needs two different entities")
        with self._changing(i) as rec:
            rel = {"head": _bare(self.entity(rec, head)), "tail": _bare(self.entity(rec, tail)), "label": str(label)}
            rec["relations"] = [r for r in rec["relations"]
                                if (r["head"], r["tail"]) != (rel["head"], rel["tail"])] + [rel]
        return rel

    def remove_relation(self, i: int, k: int) -> dict:
        with self._changing(i) as rec:
            if not 0 <= k < len(rec["relations"]):
                raise AnnotationError(f"relation index {k} out of range (document {i} has {len(rec['relations'])})")
            rel = rec["relations"].pop(k)
        return rel

    def add_question(self, i: int, question: str, start: int | None = None, end: int | None = None,
                     snap: bool = True) -> dict:
        """Add ``question`` to document ``i`` with its answer ``text[start:end]`` (no span: unanswerable)."""
        question = str(question).strip()
        if not question:
            raise AnnotationError("the question is empty")
        with self._changing(i) as rec:
            answers = []
            if start is not None and end is not None:
                if snap:
                    start, end = snap_to_words(rec["text"], start, end)
                answers.append(_answer(rec["text"], start, end))
            used = {q["id"] for r in self.records for q in r["qa"]}
            n = len(rec["qa"])
            while f"{rec['id']}-q{n}" in used:
                n += 1
            item = {"id": f"{rec['id']}-q{n}", "question": question, "answers": answers}
            rec["qa"].append(item)
        return item

    def remove_question(self, i: int, k: int) -> dict:
        with self._changing(i) as rec:
            if not 0 <= k < len(rec["qa"]):
                raise AnnotationError(f"question index {k} out of range (document {i} has {len(rec['qa'])})")
            item = rec["qa"].pop(k)
        return item

    @staticmethod
    def entity(rec: dict, k: int) -> dict:
        """Entity ``k`` of a record; a clear :class:`AnnotationError` when there is none."""
        k = _whole(k, "entity index")
        if not 0 <= k < len(rec["entities"]):
            raise AnnotationError(f"entity index {k!r} out of range (this document has {len(rec['entities'])})")
        return rec["entities"][k]

    @staticmethod
    def _drop_relations(rec: dict, entities: Sequence[Mapping]) -> None:
        gone = [_bare(e) for e in entities]
        rec["relations"] = [r for r in rec["relations"] if r["head"] not in gone and r["tail"] not in gone]
