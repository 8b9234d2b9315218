"""Exports of an annotation store for training: NER TSV/CoNLL, SQuAD JSON, relation pairs, plain JSONL.

Every file is written by ``workbench.files.atomic_write_text``: a failed export (full disk) leaves the
previous good file in place. :class:`Exports` is mixed into ``AnnotationStore``.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from ..data import conll_text
from ..errors import AnnotationError
from ..files import atomic_write_text
from .records import _bare, accepted_entities, check_label, record_to_tags


def _tagged(rec: dict, include_pending: bool = False) -> tuple[list[str], list[str]]:
    for e in accepted_entities(rec, include_pending):
        try:
            check_label(e["label"])
        except AnnotationError as err:
            raise AnnotationError(f"document {rec['id']!r}: {err}; relabel it before exporting") from None
    return record_to_tags(rec, include_pending)


class Exports:
    """The export methods of ``AnnotationStore`` (they read ``self.records``)."""

    records: list[dict]

    def selected(self, only_done: bool = True) -> list[dict]:
        """Records to export: the done ones (or every non-skipped one with ``only_done=False``)."""
        return [r for r in self.records if r["status"] == "done" or (not only_done and r["status"] == "todo")]

    def to_conll(self, path: str | Path, only_done: bool = True, include_pending: bool = False) -> Path:
        """Write the entities as BioBERT NER TSV (``token<TAB>IOB2 tag``), read by ``data.read_conll``."""
        text = conll_text([_tagged(r, include_pending) for r in self.selected(only_done)])
        atomic_write_text(path, text)
        return Path(path)

    def to_ner_folder(self, folder: str | Path, dev_fraction: float = 0.0, seed: int = 42,
                      only_done: bool = True) -> Path:
        """``train.tsv`` (and ``devel.tsv`` with ``dev_fraction`` > 0) for ``data.load_ner_dataset``.

        A ``devel.tsv`` already in the folder but not written now would be read with the new
        ``train.tsv``; that is refused (remove it, or pass ``dev_fraction``).
        """
        folder = Path(folder)
        recs = self.selected(only_done)
        if not recs:
            raise AnnotationError("nothing to export: no document is marked done yet")
        if not 0 <= dev_fraction < 1:
            raise AnnotationError(f"dev_fraction must be at least 0 and below 1, got {dev_fraction}")
        order = list(range(len(recs)))
        random.Random(seed).shuffle(order)
        dev = {order[j] for j in range(int(round(dev_fraction * len(recs))))}
        if not dev and (folder / "devel.tsv").exists():
            raise AnnotationError(f"{folder / 'devel.tsv'} exists (an earlier export?) and would be read with the "
                                  f"new train.tsv: delete it, export to another folder, or pass dev_fraction > 0")
        train = conll_text([_tagged(r) for j, r in enumerate(recs) if j not in dev])
        devel = conll_text([_tagged(r) for j, r in enumerate(recs) if j in dev]) if dev else None
        atomic_write_text(folder / "train.tsv", train)
        if devel is not None:
            atomic_write_text(folder / "devel.tsv", devel)
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
