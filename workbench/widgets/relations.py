"""The relation annotator: mark which pairs of given entities are related."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import ipywidgets as W

from .. import annotations as A
from .base import _Annotator, _as_span


class RelationAnnotator(_Annotator):
    """Relate entities: pick a head and a tail (click them in the text, or the dropdowns), click a
    relation type (or press its number). ``entities`` gives each text's entity spans, e.g. from an
    :class:`EntityAnnotator` store or ``tagger(texts)``. Export with ``store.to_relations_jsonl``.
    Taught in 07_annotate_and_retrain.
    """

    kind = "relation"

    def __init__(self, texts: Sequence[str], relation_types: Sequence[str], entities: Sequence[Sequence] | None = None,
                 store: str | Path | None = "relations.jsonl", ids: Sequence | None = None, selector: str = "auto"):
        self.relation_types = list(dict.fromkeys(relation_types))
        if not self.relation_types or len(self.relation_types) > 9:
            raise ValueError("give 1 to 9 relation types (keys 1-9)")
        texts = list(texts)
        st = store if isinstance(store, A.AnnotationStore) else A.AnnotationStore(store, texts, ids)
        if entities is not None:
            st.pre_annotate([[_as_span(e) for e in ents] for ents in entities], accept=True)
        labels = {e["label"] for r in st for e in r["entities"]}
        super().__init__(st, selector, labels)
        self.head = W.Dropdown(description="head", layout=W.Layout(width="22em"))
        self.tail = W.Dropdown(description="tail", layout=W.Layout(width="22em"))
        self.relation_buttons = {}
        for n, rel in enumerate(self.relation_types, 1):
            self.relation_buttons[rel] = self._button(f"{n} {rel}", f"Relate head → tail as {rel} (key {n})",
                                                      lambda rel=rel: self._guard(self.relate, rel), "primary")
        self.relation_list = W.VBox()
        self.children = [self.progress, self.text_area, W.HBox([self.head, self.tail]),
                         W.HBox(list(self.relation_buttons.values())), self.relation_list, self.nav, self.message,
                         W.HTML("<small>click two entities (head, then tail) · <b>1</b>–<b>9</b> relation · "
                                "<b>Enter</b> done &amp; next · <b>u</b> undo</small>")]
        self.refresh()

    def pick(self, head: int, tail: int) -> None:
        """Choose the head and tail entities (indices into this document's entities)."""
        for k in (head, tail):
            A.AnnotationStore.entity(self.record, k)
        self.head.value, self.tail.value = head, tail

    def relate(self, relation: str, head: int | None = None, tail: int | None = None) -> dict:
        """Add ``head --relation--> tail`` (default: the picked pair); saved at once."""
        if relation not in self.relation_types:
            raise A.AnnotationError(f"unknown relation {relation!r}; this annotator has {self.relation_types}")
        head = self.head.value if head is None else head
        tail = self.tail.value if tail is None else tail
        if head is None or tail is None:
            raise A.AnnotationError("pick a head and a tail entity first")
        rel = self.store.add_relation(self.index, head, tail, relation)
        self._say(f"{rel['head']['text']} —{relation}→ {rel['tail']['text']}")
        self.refresh()
        return rel

    def remove_relation(self, k: int) -> dict:
        rel = self.store.remove_relation(self.index, k)
        self.refresh()
        return rel

    def _entity_clicked(self, k: int) -> None:
        # clicks in the text: the first picks the head, the next the tail
        A.AnnotationStore.entity(self.record, k)
        if self._anchor is None:
            self.head.value, self._anchor = k, k
        else:
            self.tail.value, self._anchor = k, None
        self.selected_entity = k
        self.refresh()

    def _press_more(self, key: str) -> bool:
        if key.isdigit() and 1 <= int(key) <= len(self.relation_types):
            self.relate(self.relation_types[int(key) - 1])
            return True
        return False

    def _refresh_panel(self) -> None:
        options = [(f"{k}: {e['text']} ({e['label']})", k) for k, e in enumerate(self.record["entities"])]
        for dd in (self.head, self.tail):
            old = dd.value
            dd.options = options
            dd.value = old if old is not None and old < len(options) else None
        rows = []
        for k, r in enumerate(self.record["relations"]):
            no = W.Button(description="✗", tooltip="remove", layout=W.Layout(width="2.5em"))
            no.on_click(lambda _b, k=k: self._guard(self.remove_relation, k))
            rows.append(W.HBox([no, W.HTML(A.format_relations({"relations": [r]}))]))
        self.relation_list.children = rows or [W.HTML("<i>no relations yet</i>")]
