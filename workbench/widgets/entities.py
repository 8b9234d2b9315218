"""The entity annotator: label spans of text (notebook 07)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import ipywidgets as W

from .. import annotations as A
from .base import SHORTCUTS_HELP, _Annotator


class EntityAnnotator(_Annotator):
    """Label entity spans in ``texts`` with ``labels``; every change is saved to ``store`` (JSONL).

    Select words (drag, or click and shift-click; or :meth:`select_words`), then click a label
    (or press its number). Click an entity to pick it: a label button then relabels it,
    ``x``/Delete removes it, ``a`` accepts it. ``pre_annotations`` -- ``tagger(texts)`` output or
    a tagger callable, e.g. ``wb.ner.sample_tagger()`` -- are shown dashed as ``Label?`` to
    accept, reject or edit; **Done** accepts the ones left. Taught in 07_annotate_and_retrain.
    """

    kind = "entity"

    def __init__(self, texts: Sequence[str], labels: Sequence[str], store: str | Path | None = "annotations.jsonl",
                 pre_annotations=None, ids: Sequence | None = None, selector: str = "auto"):
        labels = list(dict.fromkeys(labels))
        if not labels or not all(isinstance(x, str) and x for x in labels):
            raise ValueError(f"labels must be a non-empty list of names, got {labels!r}")
        for label in labels:
            A.check_label(label)
        if len(labels) > 9:
            raise ValueError("at most 9 labels (keys 1-9)")
        texts = list(texts)
        st = store if isinstance(store, A.AnnotationStore) else A.AnnotationStore(store, texts, ids)
        super().__init__(st, selector, labels)
        self.labels = labels
        if pre_annotations is not None:
            preds = pre_annotations(texts) if callable(pre_annotations) else pre_annotations
            self.store.pre_annotate(preds)
        self.label_buttons = {}
        for n, label in enumerate(labels, 1):
            b = self._button(f"{n} {label}", f"Label the selection {label} (key {n})",
                             lambda label=label: self._guard(self.label, label))
            b.style.button_color = self.colors[label]
            self.label_buttons[label] = b
        self.accept_button = self._button("✓ Accept", "Accept the picked suggestion, or all (a)",
                                          lambda: self._guard(self.accept))
        self.reject_button = self._button("✗ Remove", "Remove the picked entity, or reject all suggestions (x)",
                                          lambda: self._guard(self.remove))
        self.entity_list = W.VBox()
        help_ = W.HTML(f"<small>{SHORTCUTS_HELP}</small>")
        self.children = [self.progress, W.HBox(list(self.label_buttons.values())), self.text_area,
                         W.HBox([self.accept_button, self.reject_button]), self.entity_list, self.nav,
                         self.message, help_]
        self.refresh()

    # -- the Python API (each is also a button or a key)
    @property
    def entities(self) -> list[dict]:
        """Entities of the document on screen."""
        return self.record["entities"]

    def label(self, label: str) -> dict:
        """Give the selection ``label`` (or relabel the picked entity); saved at once."""
        if label not in self.labels:
            raise A.AnnotationError(f"unknown label {label!r}; this annotator has {self.labels}")
        if self.selected_entity is not None:
            ent = self.store.relabel(self.index, self.selected_entity, label)
        elif self.selection is not None:
            ent = self.store.add_entity(self.index, *self.selection, label)
        else:
            raise A.AnnotationError("select some words first (drag over them, or click one)")
        self.selection, self.selected_entity = None, None
        self._say(f"{label}: {ent['text']}")
        self.refresh()
        return ent

    def add(self, start: int, end: int, label: str) -> dict:
        """Select ``text[start:end]`` and label it -- the same as doing it with the mouse."""
        self.select(start, end)
        return self.label(label)

    def accept(self, k: int | None = None) -> int:
        """Accept suggestion ``k`` (or the picked one; with neither, every pending suggestion)."""
        k = self.selected_entity if k is None else k
        n = self.store.accept(self.index, k)
        self.selected_entity = None
        self._say(f"accepted {n} suggestion{'s' * (n != 1)}")
        self.refresh()
        return n

    def remove(self, k: int | None = None) -> int:
        """Remove entity ``k`` (or the picked one; with neither, reject every pending suggestion)."""
        k = self.selected_entity if k is None else k
        n = 1 if k is not None else 0
        if k is not None:
            ent = self.store.remove_entity(self.index, k)
            self._say(f"removed {ent['label']}: {ent['text']}")
        else:
            n = self.store.reject(self.index)
            self._say(f"rejected {n} suggestion{'s' * (n != 1)}")
        self.selected_entity = None
        self.refresh()
        return n

    def relabel(self, k: int, label: str) -> dict:
        self.select_entity(k)
        return self.label(label)

    def _press_more(self, key: str) -> bool:
        if key.isdigit() and 1 <= int(key) <= len(self.labels):
            self.label(self.labels[int(key) - 1])
        elif key == "a":
            self.accept()
        elif key in ("x", "Delete", "Backspace"):
            self.remove()
        else:
            return False
        return True

    def _refresh_panel(self) -> None:
        rows = []
        for k, e in enumerate(self.entities):
            pending = e["status"] == "pending"
            score = f" {e['score']:.2f}" if e.get("score") is not None else ""
            pick = W.Button(description=f"{e['label']}{'?' if pending else ''}: {e['text']}",
                            tooltip=("model suggestion" + score if pending else "your annotation") + " — click to pick",
                            layout=W.Layout(width="auto"), button_style="info" if k == self.selected_entity else "")
            pick.style.button_color = None if k == self.selected_entity else self.colors.get(e["label"])
            pick.on_click(lambda _b, k=k: self._guard(self._entity_clicked, k))
            ok = W.Button(description="✓", tooltip="accept", layout=W.Layout(width="2.5em"), disabled=not pending)
            ok.on_click(lambda _b, k=k: self._guard(self.accept, k))
            no = W.Button(description="✗", tooltip="remove", layout=W.Layout(width="2.5em"))
            no.on_click(lambda _b, k=k: self._guard(self.remove, k))
            rows.append(W.HBox([ok, no, pick]))
        self.entity_list.children = rows or [W.HTML("<i>no entities yet: select words, then click a label</i>")]
        pending = any(e["status"] == "pending" for e in self.entities)
        self.accept_button.disabled = not (pending or self.selected_entity is not None)
