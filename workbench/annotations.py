"""Annotation records, the crash-safe JSONL store and exports for training -- no widgets here.

Taught in 07_annotate_and_retrain. ``workbench.widgets`` is a thin layer over this module.

* A **record** is one document: ``{"id", "text", "status", "entities", "relations", "qa", "meta"}``.
  Entities are character spans ``{"start", "end", "label", "text", "source", "score", "status"}``:
  ``source`` is ``"human"`` or ``"model"``; a model suggestion is ``"pending"`` until accepted.
  Relations hold both entities' spans (``{"head", "tail", "label"}``); QA items hold a question and
  its answer spans. ``status`` of a record is ``"todo"``, ``"done"`` or ``"skipped"``.
* :class:`AnnotationStore` keeps the records in a JSONL file, one record a line, and rewrites it
  by an atomic write (temp file, fsync, rename, fsync of the folder) after **every** change, so
  a crash or a killed kernel loses at most the change in flight. Reopening resumes: the records
  come back and :meth:`AnnotationStore.resume_index` is the first document not yet done.
* Exports: BioBERT NER TSV/CoNLL (:meth:`~AnnotationStore.to_conll`, read by
  ``workbench.data.read_conll`` / ``load_ner_dataset``), SQuAD JSON (``workbench.qa.load_squad``),
  relation pairs JSONL (``workbench.relations.read_pairs_jsonl``) and plain JSONL.
* ``format_*`` functions return escaped HTML (a ``<script>`` in a document shows as text).
"""
from __future__ import annotations

import copy
import html
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .data import read_jsonl as read_json_lines
from .data import write_conll
from .text import as_span, spans_to_tags, tokenize_with_offsets
from .viz import PALETTE, format_spans, label_colors

STATUSES = ("todo", "done", "skipped")
UNDO_LIMIT = 500


class AnnotationError(ValueError):
    """Bad annotation input; the message names the file:line or the argument."""


# ---------------------------------------------------------------- records and entities


def new_record(text: str, id: str | None = None, meta: Mapping | None = None) -> dict:
    """An empty record for ``text`` (status ``"todo"``)."""
    if not isinstance(text, str):
        raise AnnotationError(f"a document must be a string, got {type(text).__name__}")
    return {"id": str(id) if id is not None else None, "text": text, "status": "todo",
            "entities": [], "relations": [], "qa": [], "meta": dict(meta or {})}


def make_entity(text: str, start: int, end: int, label: str, source: str = "human",
                score: float | None = None, status: str | None = None) -> dict:
    """An entity dict for ``text[start:end]``; checks the span lies inside the text."""
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise AnnotationError(f"span ({start}, {end}) is outside the text (length {len(text)}) or empty")
    if not label or not isinstance(label, str):
        raise AnnotationError(f"entity label must be a non-empty string, got {label!r}")
    if source not in ("human", "model"):
        raise AnnotationError(f"source must be 'human' or 'model', got {source!r}")
    status = status or ("pending" if source == "model" else "accepted")
    if status not in ("pending", "accepted"):
        raise AnnotationError(f"entity status must be 'pending' or 'accepted', got {status!r}")
    return {"start": start, "end": end, "label": label, "text": text[start:end], "source": source,
            "score": None if score is None else round(float(score), 4), "status": status}


def span_key(span) -> tuple[int, int]:
    """``(start, end)`` of a span dict or tuple."""
    return as_span(span)[:2]


def validate_record(rec, where: str = "record") -> dict:
    """Check one record's shape and that every span matches its text; returns a normalised copy."""
    if not isinstance(rec, dict):
        raise AnnotationError(f"{where}: expected a JSON object, got {type(rec).__name__}")
    if not isinstance(rec.get("text"), str):
        raise AnnotationError(f"{where}: needs a string 'text'")
    out = new_record(rec["text"], rec.get("id"), rec.get("meta"))
    out["status"] = rec.get("status", "todo")
    if out["status"] not in STATUSES:
        raise AnnotationError(f"{where}: status {out['status']!r} is not one of {STATUSES}")
    text = rec["text"]
    try:
        for e in rec.get("entities", []):
            ent = make_entity(text, e["start"], e["end"], e["label"], e.get("source", "human"),
                              e.get("score"), e.get("status"))
            if "text" in e and e["text"] != ent["text"]:
                raise AnnotationError(f"entity text {e['text']!r} does not match text[{ent['start']}:{ent['end']}]"
                                      f" = {ent['text']!r}")
            out["entities"].append(ent)
        for r in rec.get("relations", []):
            head, tail = (make_entity(text, r[k]["start"], r[k]["end"], r[k]["label"]) for k in ("head", "tail"))
            out["relations"].append({"head": _bare(head), "tail": _bare(tail), "label": str(r["label"])})
        for q in rec.get("qa", []):
            answers = [_answer(text, a["start"], a["end"]) for a in q.get("answers", [])]
            out["qa"].append({"id": str(q["id"]), "question": str(q["question"]), "answers": answers})
    except AnnotationError as err:
        raise AnnotationError(f"{where}: {err}") from None
    except (KeyError, TypeError, ValueError) as err:
        raise AnnotationError(f"{where}: malformed annotation ({type(err).__name__}: {err})") from None
    return out


def _bare(ent: Mapping) -> dict:
    return {"start": ent["start"], "end": ent["end"], "label": ent["label"], "text": ent["text"]}


def _answer(text: str, start: int, end: int) -> dict:
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise AnnotationError(f"answer span ({start}, {end}) is outside the text (length {len(text)}) or empty")
    return {"start": start, "end": end, "text": text[start:end]}


def accepted_entities(rec: Mapping, include_pending: bool = False) -> list[dict]:
    """The record's entities that count as annotations (pending model suggestions only on request)."""
    return [e for e in rec["entities"] if include_pending or e["status"] == "accepted"]


# ---------------------------------------------------------------- span <-> word mapping


def words(text: str) -> list[tuple[str, int, int]]:
    """The words the annotator selects and the CoNLL export writes (``data.tokenize_with_offsets``)."""
    return tokenize_with_offsets(text)


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a character selection to whole words (a mouse selection rarely hits word edges).

    Raises :class:`AnnotationError` when the selection covers no word (only spaces).
    """
    start, end = max(0, int(start)), min(len(text), int(end))
    inside = [(s, e) for _, s, e in words(text) if s < end and e > start]
    if start >= end or not inside:
        raise AnnotationError(f"selection ({start}, {end}) covers no word of the text")
    return inside[0][0], inside[-1][1]


def words_to_span(text: str, first: int, last: int | None = None) -> tuple[int, int]:
    """Character span of words ``first..last`` (inclusive; word indices from :func:`words`)."""
    toks = words(text)
    last = first if last is None else last
    first, last = min(first, last), max(first, last)
    if not 0 <= first <= last < len(toks):
        raise AnnotationError(f"word indices ({first}, {last}) out of range: the text has {len(toks)} words")
    return toks[first][1], toks[last][2]


def span_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Indices ``(first, last)`` of the words a character span overlaps."""
    inside = [i for i, (_, s, e) in enumerate(words(text)) if s < end and e > start]
    if not inside:
        raise AnnotationError(f"span ({start}, {end}) covers no word")
    return inside[0], inside[-1]


_NO_SPACE_BEFORE = set(".,;:!?)]}%") | {"'s", "n't"}
_NO_SPACE_AFTER = set("([{")


def join_tokens(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Readable text from CoNLL tokens and each token's ``(start, end)`` in it.

    ``join_tokens(["in", "acute", "leukemia", "."])`` -> ``("in acute leukemia.", [(0, 2), ...])``:
    no space before closing punctuation or after an opening bracket. Use it to turn a labelled
    corpus into raw sentences (and its tags into character spans with ``data.tags_to_spans``).
    """
    parts, offsets, pos = [], [], 0
    for n, tok in enumerate(tokens):
        if not tok or any(c.isspace() for c in tok):
            raise AnnotationError(f"token {n} ({tok!r}) is empty or contains whitespace")
        if n and tok not in _NO_SPACE_BEFORE and tokens[n - 1] not in _NO_SPACE_AFTER:
            parts.append(" ")
            pos += 1
        parts.append(tok)
        offsets.append((pos, pos + len(tok)))
        pos += len(tok)
    return "".join(parts), offsets


def split_to_texts(split, max_rows: int | None = None) -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    """Raw texts and gold character spans from a labelled split (``tokens`` + ``ner_tags``).

    Turns a CoNLL corpus into what a person would annotate; the spans are its answer key.
    """
    from .data import tag_names
    from .text import tags_to_spans

    names = tag_names(split)
    rows = split if max_rows is None else split.select(range(min(max_rows, len(split))))
    texts, gold = [], []
    for row in rows:
        text, offsets = join_tokens(row["tokens"])
        texts.append(text)
        gold.append(tags_to_spans(offsets, [names[t] for t in row["ner_tags"]]))
    return texts, gold


def resolve_overlaps(spans: Sequence) -> tuple[list, list]:
    """Split spans into ``(kept, dropped)``: an earlier-starting, then longer, span wins an overlap."""
    kept, dropped, pos = [], [], 0
    for span in sorted(spans, key=lambda x: (span_key(x)[0], -span_key(x)[1])):
        start, end = span_key(span)
        if start >= pos:
            kept.append(span)
            pos = end
        else:
            dropped.append(span)
    return kept, dropped


def record_to_tags(rec: Mapping, include_pending: bool = False) -> tuple[list[str], list[str]]:
    """``(tokens, IOB2 tags)`` of one record; entity edges are widened to whole words first."""
    text = rec["text"]
    toks = words(text)
    spans = []
    for e in accepted_entities(rec, include_pending):
        try:
            s, t = snap_to_words(text, e["start"], e["end"])
        except AnnotationError:
            continue  # an entity of only punctuation-free whitespace cannot be written
        spans.append((s, t, e["label"]))
    kept, _ = resolve_overlaps(spans)
    return [t for t, _, _ in toks], spans_to_tags(toks, kept)


# ---------------------------------------------------------------- HTML (escaped)


def _display_spans(entities: Iterable[Mapping]) -> tuple[list[dict], dict]:
    """Entities for ``viz.format_spans``: pending suggestions get a ``?`` after their label."""
    ents = list(entities)
    base = label_colors(e["label"] for e in ents)
    spans, colors = [], {}
    for e in ents:
        label = e["label"] + ("?" if e.get("status") == "pending" else "")
        colors[label] = base[e["label"]]
        spans.append({"start": e["start"], "end": e["end"], "label": label, "score": e.get("score")})
    return spans, colors


def format_record(rec: Mapping, colors: Mapping[str, str] | None = None, title: str | None = None) -> str:
    """HTML of one record's text with its entities highlighted (``viz.format_spans``).

    Model suggestions not yet reviewed show as ``Label?``; everything is HTML-escaped.
    """
    spans, own = _display_spans(rec["entities"])
    if colors:
        own.update({k: colors.get(k.rstrip("?"), v) for k, v in own.items()})
    return format_spans(rec["text"], spans, colors=own, title=title)


def format_annotatable(text: str, entities: Sequence[Mapping], colors: Mapping[str, str] | None = None,
                       selection: tuple[int, int] | None = None, selected_entity: int | None = None) -> str:
    """The annotator's text view: every word a ``<span data-s data-e>`` so a mouse selection maps
    back to character offsets; entity ``k`` is a ``<mark data-k=k>`` with its label; the current
    ``selection`` and ``selected_entity`` are outlined. Escaped: ``<script>`` renders as text.
    """
    colors = dict(colors or {})
    colors.update({lab: c for lab, c in label_colors(e["label"] for e in entities).items() if lab not in colors})
    order = sorted(range(len(entities)), key=lambda k: (entities[k]["start"], -entities[k]["end"]))
    drawn, _ = resolve_overlaps([(entities[k]["start"], entities[k]["end"], k) for k in order])
    toks = words(text)
    owner = [next((k for _, _, k in drawn if entities[k]["start"] < e and entities[k]["end"] > s), None)
             for _, s, e in toks]
    sel = selection or (-1, -1)
    out, cursor, open_k = [], 0, None
    for i, (tok, s, e) in enumerate(toks):
        if open_k is not None and owner[i] != open_k:
            out.append(_close_mark(entities[open_k]))
            open_k = None
        out.append(html.escape(text[cursor:s]).replace("\n", "<br>"))
        if owner[i] is not None and owner[i] != open_k:
            open_k = owner[i]
            out.append(_open_mark(entities[open_k], open_k, colors, open_k == selected_entity))
        chosen = s < sel[1] and e > sel[0]
        style = " style='background:#ffe08a;outline:1px solid #c90'" if chosen else ""
        out.append(f"<span class='wb-w{' wb-sel' if chosen else ''}' data-i='{i}' data-s='{s}' data-e='{e}'"
                   f"{style}>{html.escape(tok)}</span>")
        cursor = e
    if open_k is not None:
        out.append(_close_mark(entities[open_k]))
    out.append(html.escape(text[cursor:]).replace("\n", "<br>"))
    return f"<div class='wb-annotatable' style='line-height:2.4;font-size:1.05em'>{''.join(out)}</div>"


def _open_mark(ent: Mapping, k: int, colors: Mapping[str, str], selected: bool) -> str:
    pending = ent.get("status") == "pending"
    style = (f"background:{colors.get(ent['label'], PALETTE[0])};padding:0.1em 0.2em;border-radius:0.3em;"
             + ("border:2px dashed #555;" if pending else "") + ("outline:3px solid #d00;" if selected else ""))
    tip = ent["label"]
    if pending:
        tip += " (model suggestion" + (f" {ent['score']:.2f}" if ent.get("score") is not None else "") + ")"
    return f"<mark class='wb-ent' data-k='{k}' style='{style}' title='{html.escape(tip, quote=True)}'>"


def _close_mark(ent: Mapping) -> str:
    label = html.escape(ent["label"] + ("?" if ent.get("status") == "pending" else ""))
    return f"<span style='font-size:0.7em;font-weight:bold;margin-left:0.3em'>{label}</span></mark>"


def format_progress(done: int, total: int, index: int | None = None, status: str | None = None) -> str:
    """``Document 3 of 10 · 2 of 10 done`` and a bar as HTML; ``status`` of the document shown."""
    where = f"Document <b>{index + 1}</b> of {total} · " if index is not None else ""
    pct = 100 * done / total if total else 0
    badge = {"done": " · <b style='color:#2e7d32'>✓ this one is done</b>",
             "skipped": " · <i>this one is skipped</i>"}.get(status or "", "")
    return (f"<div class='wb-progress'>{where}<b>{done}</b> of {total} done "
            f"<span style='display:inline-block;width:8em;height:0.6em;background:#eee;margin-left:0.5em'>"
            f"<span style='display:block;height:100%;width:{pct:.0f}%;background:#4caf50'></span></span>{badge}</div>")


def format_relations(rec: Mapping) -> str:
    """HTML list of a record's relations: ``head --label--> tail``, escaped."""
    if not rec["relations"]:
        return "<div class='wb-relations'><i>no relations yet</i></div>"
    rows = "".join(
        f"<li><b>{html.escape(r['head']['text'])}</b> <small>({html.escape(r['head']['label'])})</small>"
        f" &mdash;{html.escape(r['label'])}&rarr; <b>{html.escape(r['tail']['text'])}</b>"
        f" <small>({html.escape(r['tail']['label'])})</small></li>" for r in rec["relations"])
    return f"<ol class='wb-relations'>{rows}</ol>"


def format_qa(rec: Mapping) -> str:
    """HTML of a record's questions with their answers highlighted in the text, escaped."""
    answers = [{"start": a["start"], "end": a["end"], "label": f"A{n + 1}"}
               for n, q in enumerate(rec["qa"]) for a in q["answers"]]
    kept, _ = resolve_overlaps(answers)
    colors = {a["label"]: PALETTE[(int(a["label"][1:]) - 1) % len(PALETTE)] for a in answers}
    questions = "".join(f"<li><b>Q{n + 1}</b> {html.escape(q['question'])} &rarr; "
                        + (", ".join(html.escape(a["text"]) for a in q["answers"]) or "<i>no answer</i>") + "</li>"
                        for n, q in enumerate(rec["qa"]))
    return format_spans(rec["text"], kept, colors=colors) + f"<ol class='wb-qa'>{questions}</ol>"


# ---------------------------------------------------------------- the store


def atomic_write_text(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old file or the new one, never half of one.

    Writes a temp file in the same folder, flushes and fsyncs it, renames it over ``path``
    (atomic on POSIX and Windows) and fsyncs the folder so the rename itself is durable.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):
        dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _remove_stale_temp_files(path: Path, age_s: float = 60.0) -> None:
    """Delete temp files an interrupted :func:`atomic_write_text` left beside ``path`` (older than ``age_s``)."""
    import time

    for tmp in path.parent.glob(f".{path.name}.*.tmp") if path.parent.is_dir() else []:
        try:
            if time.time() - tmp.stat().st_mtime > age_s:
                tmp.unlink()
        except OSError:
            pass


def read_jsonl(path: str | Path) -> list[dict]:
    """Records of an annotation JSONL file, validated; errors name ``file:line``."""
    return read_json_lines(path, validate_record, AnnotationError)


class AnnotationStore:
    """Records of one annotation project, saved to ``path`` (JSONL) after every change.

    ``AnnotationStore("ann.jsonl", texts)`` creates the file, or reopens it and resumes: saved
    records are kept, texts not in it yet are appended, and a text that differs from the saved
    one under the same id raises :class:`AnnotationError` naming the line (your work is never
    overwritten). ``ids`` default to the texts' positions. ``path=None`` keeps it in memory only.
    Every change method saves at once and can be undone with :meth:`undo`.
    """

    def __init__(self, path: str | Path | None, texts: Sequence[str] | None = None,
                 ids: Sequence | None = None, meta: Sequence[Mapping] | None = None):
        self.path = Path(path) if path is not None else None
        self.records: list[dict] = []
        self._history: list[tuple[int, dict]] = []
        self.saves = 0
        if self.path is not None:
            _remove_stale_temp_files(self.path)
        if self.path is not None and self.path.exists():
            self.records = read_jsonl(self.path)
            for rec_i, rec in enumerate(self.records):
                if rec["id"] is None:
                    rec["id"] = str(rec_i)
        if texts is not None:
            self._merge(list(texts), ids, meta)
        if len({r["id"] for r in self.records}) != len(self.records):
            raise AnnotationError(f"{self.path or 'store'}: document ids are not unique")
        self.save()

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

    def save(self) -> None:
        """Write every record to ``path`` atomically (called by every change)."""
        if self.path is None:
            return
        atomic_write_text(self.path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records))
        self.saves += 1

    # -- changes (each is saved at once and can be undone)
    def _change(self, i: int) -> dict:
        if not -len(self.records) <= i < len(self.records):
            raise AnnotationError(f"document index {i} out of range (0..{len(self.records) - 1})")
        i = i % len(self.records)
        self._history.append((i, copy.deepcopy(self.records[i])))
        del self._history[:-UNDO_LIMIT]
        return self.records[i]

    def _commit(self) -> None:
        self.save()

    def undo(self) -> int | None:
        """Undo the last change; returns the document index it touched (``None`` if nothing to undo)."""
        if not self._history:
            return None
        i, before = self._history.pop()
        self.records[i] = before
        self.save()
        return i

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def add_entity(self, i: int, start: int, end: int, label: str, snap: bool = True) -> dict:
        """Label ``text[start:end]`` of document ``i`` (widened to whole words with ``snap``).

        Entities it overlaps are replaced (a span has one label); relations on them are dropped.
        """
        text = self.records[i]["text"]
        if snap:
            start, end = snap_to_words(text, start, end)
        ent = make_entity(text, start, end, label)
        rec = self._change(i)
        gone = [e for e in rec["entities"] if e["start"] < ent["end"] and e["end"] > ent["start"]]
        rec["entities"] = sorted([e for e in rec["entities"] if e not in gone] + [ent],
                                 key=lambda e: (e["start"], e["end"]))
        self._drop_relations(rec, gone)
        self._commit()
        return ent

    def remove_entity(self, i: int, k: int) -> dict:
        """Remove entity ``k`` of document ``i`` (and relations that use it); returns it."""
        rec = self._change(i)
        ent = self.entity(rec, k)
        rec["entities"].remove(ent)
        self._drop_relations(rec, [ent])
        self._commit()
        return ent

    def relabel(self, i: int, k: int, label: str) -> dict:
        """Give entity ``k`` of document ``i`` a new label (it becomes a human, accepted annotation)."""
        rec = self._change(i)
        ent = self.entity(rec, k)
        old = _bare(ent)
        new = make_entity(rec["text"], ent["start"], ent["end"], label)
        ent.update(new)
        for r in rec["relations"]:
            for side in ("head", "tail"):
                if r[side] == old:
                    r[side] = _bare(ent)
        self._commit()
        return ent

    def accept(self, i: int, k: int | None = None) -> int:
        """Accept model suggestion ``k`` of document ``i`` (all pending ones with ``k=None``); returns how many."""
        rec = self._change(i)
        targets = [self.entity(rec, k)] if k is not None else rec["entities"]
        n = 0
        for e in targets:
            if e["status"] == "pending":
                e["status"] = "accepted"
                n += 1
        self._commit()
        return n

    def reject(self, i: int, k: int | None = None) -> int:
        """Reject (remove) model suggestion ``k`` of document ``i``, or all pending ones with ``k=None``."""
        rec = self._change(i)
        targets = [self.entity(rec, k)] if k is not None else [e for e in rec["entities"] if e["status"] == "pending"]
        for e in targets:
            rec["entities"].remove(e)
        self._drop_relations(rec, targets)
        self._commit()
        return len(targets)

    def set_status(self, i: int, status: str) -> None:
        """Mark document ``i`` ``"done"``, ``"skipped"`` or ``"todo"``.

        Marking it done accepts the suggestions still pending: the user saw them and let them stand.
        """
        if status not in STATUSES:
            raise AnnotationError(f"status must be one of {STATUSES}, got {status!r}")
        rec = self._change(i)
        rec["status"] = status
        if status == "done":
            for e in rec["entities"]:
                e["status"] = "accepted"
        self._commit()

    def set_entities(self, i: int, entities: Iterable, source: str = "human") -> None:
        """Replace document ``i``'s entities with ``entities`` (dicts or ``(start, end, label)``)."""
        rec = self._change(i)
        text = rec["text"]
        ents = []
        for e in entities:
            if isinstance(e, Mapping):
                ents.append(make_entity(text, e["start"], e["end"], e["label"], e.get("source", source),
                                        e.get("score"), e.get("status")))
            else:
                ents.append(make_entity(text, e[0], e[1], e[2], source))
        rec["entities"] = sorted(ents, key=lambda e: (e["start"], e["end"]))
        rec["relations"] = []
        self._commit()

    def pre_annotate(self, predictions: Sequence[Sequence[Mapping]], overwrite: bool = False,
                     accept: bool = False) -> int:
        """Add model suggestions (``tagger(texts)`` output, one list per document) as pending entities.

        Documents already annotated (done, or with human entities) are left alone unless
        ``overwrite``. With ``accept`` the spans count as annotations at once (curated entities,
        e.g. for relation annotation). Saved once; returns the number of documents changed.
        """
        if len(predictions) != len(self.records):
            raise AnnotationError(f"predictions: {len(predictions)} lists for {len(self.records)} documents")
        changed = 0
        for rec, preds in zip(self.records, predictions):
            touched = rec["status"] != "todo" or any(e["source"] == "human" for e in rec["entities"])
            if touched and not overwrite:
                continue
            ents = [make_entity(rec["text"], p["start"], p["end"], p["label"], "model", p.get("score"),
                                "accepted" if accept else "pending") for p in preds]
            kept, _ = resolve_overlaps(ents)
            rec["entities"], rec["relations"] = sorted(kept, key=lambda e: (e["start"], e["end"])), []
            changed += 1
        self._history.clear()
        self.save()
        return changed

    def add_relation(self, i: int, head: int, tail: int, label: str) -> dict:
        """Relate entities ``head`` and ``tail`` of document ``i`` with ``label`` (replaces an existing
        relation of the same ordered pair)."""
        if head == tail:
            raise AnnotationError("a relation needs two different entities")
        rec = self._change(i)
        rel = {"head": _bare(self.entity(rec, head)), "tail": _bare(self.entity(rec, tail)), "label": str(label)}
        rec["relations"] = [r for r in rec["relations"]
                            if (r["head"], r["tail"]) != (rel["head"], rel["tail"])] + [rel]
        self._commit()
        return rel

    def remove_relation(self, i: int, k: int) -> dict:
        rec = self._change(i)
        if not 0 <= k < len(rec["relations"]):
            raise AnnotationError(f"relation index {k} out of range (document {i} has {len(rec['relations'])})")
        rel = rec["relations"].pop(k)
        self._commit()
        return rel

    def add_question(self, i: int, question: str, start: int | None = None, end: int | None = None,
                     snap: bool = True) -> dict:
        """Add ``question`` to document ``i`` with its answer ``text[start:end]`` (no span: unanswerable)."""
        question = str(question).strip()
        if not question:
            raise AnnotationError("the question is empty")
        rec = self._change(i)
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
        self._commit()
        return item

    def remove_question(self, i: int, k: int) -> dict:
        rec = self._change(i)
        if not 0 <= k < len(rec["qa"]):
            raise AnnotationError(f"question index {k} out of range (document {i} has {len(rec['qa'])})")
        item = rec["qa"].pop(k)
        self._commit()
        return item

    @staticmethod
    def entity(rec: dict, k: int) -> dict:
        """Entity ``k`` of a record; a clear :class:`AnnotationError` when there is none."""
        if not 0 <= k < len(rec["entities"]):
            raise AnnotationError(f"entity index {k} out of range (this document has {len(rec['entities'])})")
        return rec["entities"][k]

    @staticmethod
    def _drop_relations(rec: dict, entities: Sequence[Mapping]) -> None:
        gone = [_bare(e) for e in entities]
        rec["relations"] = [r for r in rec["relations"] if r["head"] not in gone and r["tail"] not in gone]

    # -- exports
    def selected(self, only_done: bool = True) -> list[dict]:
        """Records to export: the done ones (or every non-skipped one with ``only_done=False``)."""
        return [r for r in self.records if r["status"] == "done" or (not only_done and r["status"] == "todo")]

    def to_conll(self, path: str | Path, only_done: bool = True, include_pending: bool = False) -> Path:
        """Write the entities as BioBERT NER TSV (``token<TAB>IOB2 tag``) via ``data.write_conll``."""
        return write_conll([record_to_tags(r, include_pending) for r in self.selected(only_done)], path)

    def to_ner_folder(self, folder: str | Path, dev_fraction: float = 0.0, seed: int = 42,
                      only_done: bool = True) -> Path:
        """``train.tsv`` (and ``devel.tsv`` with ``dev_fraction`` > 0) for ``data.load_ner_dataset``."""
        folder = Path(folder)
        recs = self.selected(only_done)
        if not recs:
            raise AnnotationError("nothing to export: no document is marked done yet")
        order = list(range(len(recs)))
        random.Random(seed).shuffle(order)
        n_dev = int(round(dev_fraction * len(recs)))
        dev = {order[j] for j in range(n_dev)}
        write_conll([record_to_tags(r) for j, r in enumerate(recs) if j not in dev], folder / "train.tsv")
        if dev:
            write_conll([record_to_tags(r) for j, r in enumerate(recs) if j in dev], folder / "devel.tsv")
        return folder

    def to_squad(self, path: str | Path | None = None, only_done: bool = True, title: str = "annotations") -> dict:
        """SQuAD v2.0 JSON of the questions (no answer: ``is_impossible``); read by ``workbench.qa.load_squad``."""
        paragraphs = []
        for r in self.selected(only_done):
            if r["qa"]:
                paragraphs.append({"context": r["text"], "qas": [
                    {"id": q["id"], "question": q["question"], "is_impossible": not q["answers"],
                     "answers": [{"text": a["text"], "answer_start": a["start"]} for a in q["answers"]]}
                    for q in r["qa"]]})
        doc = {"version": "v2.0", "source": "workbench.annotations", "data": [{"title": title, "paragraphs": paragraphs}]}
        if path is not None:
            atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        return doc

    def to_relations_jsonl(self, path: str | Path, only_done: bool = True, negative: str | None = "0") -> Path:
        """Relation pairs as ``{"text", "head", "tail", "label"}`` lines (``relations.read_pairs_jsonl``).

        With ``negative`` set, every other ordered pair of accepted entities of a done document
        is written with that label -- what a relation classifier needs to learn "no relation".
        """
        lines = []
        for r in self.selected(only_done):
            related = {(json.dumps(x["head"], sort_keys=True), json.dumps(x["tail"], sort_keys=True)): x["label"]
                       for x in r["relations"]}
            for x in r["relations"]:
                lines.append({"text": r["text"], "head": x["head"], "tail": x["tail"], "label": x["label"]})
            if negative is not None:
                ents = [_bare(e) for e in accepted_entities(r)]
                for h in ents:
                    for t in ents:
                        key = (json.dumps(h, sort_keys=True), json.dumps(t, sort_keys=True))
                        back = (key[1], key[0])
                        if h != t and key not in related and back not in related:
                            lines.append({"text": r["text"], "head": h, "tail": t, "label": negative})
        atomic_write_text(path, "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
        return Path(path)

    def to_jsonl(self, path: str | Path, only_done: bool = True) -> Path:
        """Plain JSONL: ``{"id", "text", "entities": [{start, end, label, text}], "relations", "qa"}``."""
        rows = [{"id": r["id"], "text": r["text"], "entities": [_bare(e) for e in accepted_entities(r)],
                 "relations": r["relations"], "qa": r["qa"]} for r in self.selected(only_done)]
        atomic_write_text(path, "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows))
        return Path(path)
