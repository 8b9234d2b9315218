"""Annotation widgets for the notebook: entities, relations, question/answer pairs.

Taught in 07_annotate_and_retrain. A thin layer over :mod:`workbench.annotations`, which holds
the records, the crash-safe JSONL store, the span <-> word mapping and the escaped HTML.

* The buttons, the progress line and the lists are core ``ipywidgets``. The text itself is a
  tiny ``anywidget`` front end (:class:`TextView`, ~40 lines of JavaScript) because core widgets
  cannot report a mouse selection or key presses: drag over words (or click a word, shift-click
  another) to select, click an entity to pick it, use the keyboard shortcuts. anywidget runs in
  JupyterLab 4, Notebook 7, VS Code and Colab (it switches on Colab's widget manager itself).
  Without anywidget, or with ``selector="words"``, each word is a core button instead.
* Every widget is driven from Python too -- ``ann.select_words(3, 4)``,
  ``ann.label_buttons["Disease"].click()``, ``ann.done_button.click()``, ``ann.press("2")`` --
  which is how notebooks run under nbval and how the tests check them.
* Every change is written to the store at once; reopening the same file resumes.
"""
from __future__ import annotations

import contextlib
import html
from pathlib import Path
from typing import Callable, Mapping, Sequence

import ipywidgets as W

from . import annotations as A
from .errors import StoreConflictError, WorkbenchError
from .text import as_span
from .viz import label_colors

try:  # the mouse/keyboard text view; core word buttons are the fallback
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - anywidget is a requirement
    anywidget = None

NAV_KEYS = {"ArrowRight": "next", "n": "next", "ArrowLeft": "previous", "p": "previous", "Enter": "done",
            "u": "undo", "Escape": "clear"}
SHORTCUTS_HELP = ("<b>1</b>–<b>9</b> label · <b>Enter</b> done &amp; next · <b>→</b>/<b>n</b> next · "
                  "<b>←</b>/<b>p</b> previous · <b>u</b> undo · <b>a</b> accept · <b>x</b>/<b>Del</b> remove · "
                  "<b>Esc</b> clear")

_ESM = r"""
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "wb-textview";
  box.tabIndex = 0;                                   // focusable: receives the shortcuts
  box.setAttribute("data-lm-suppress-shortcuts", "true");  // JupyterLab: keys are ours here
  const draw = () => { box.innerHTML = model.get("html"); };  // HTML escaped in Python
  draw();
  model.on("change:html", draw);
  const send = (msg) => model.send(msg);
  box.addEventListener("mousedown", () => box.focus());
  box.addEventListener("mouseup", (ev) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed && box.contains(sel.anchorNode)) {     // a mouse drag
      const hit = [...box.querySelectorAll("[data-s]")].filter((w) => sel.containsNode(w, true));
      sel.removeAllRanges();
      if (hit.length) {
        send({ type: "select", start: Math.min(...hit.map((w) => +w.dataset.s)),
               end: Math.max(...hit.map((w) => +w.dataset.e)) });
      }
      return;
    }
    const ent = ev.target.closest("[data-k]");
    const word = ev.target.closest("[data-s]");
    if (ent && !ev.shiftKey) send({ type: "entity", k: +ent.dataset.k });
    else if (word) send({ type: "word", i: +word.dataset.i, extend: ev.shiftKey });
  });
  box.addEventListener("keydown", (ev) => {
    const named = ["Enter", "ArrowLeft", "ArrowRight", "Escape", "Delete", "Backspace"];
    if (ev.altKey || !(ev.key.length === 1 || named.includes(ev.key))) return;
    ev.preventDefault();
    ev.stopPropagation();                              // not a notebook command
    send({ type: "key", key: ev.key, ctrl: ev.ctrlKey || ev.metaKey });
  });
  el.appendChild(box);
}
export default { render };
"""

_CSS = """
.wb-textview { padding: 0.4em 0.6em; border: 1px solid #ccc; border-radius: 4px; cursor: text;
               user-select: text; max-width: 60em; }
.wb-textview:focus { outline: 2px solid #64b5f6; }
.wb-textview .wb-w:hover { text-decoration: underline dotted; }
.wb-textview mark { cursor: pointer; color: inherit; }
"""

if anywidget is not None:
    class TextView(anywidget.AnyWidget):
        """The text as words the mouse can select; sends ``select``/``word``/``entity``/``key`` messages."""

        _esm = _ESM
        _css = _CSS
        html = traitlets.Unicode("").tag(sync=True)
else:  # pragma: no cover
    TextView = None


class _Annotator(W.VBox):
    """What the three annotators share: the store, navigation, undo, the text view and shortcuts."""

    kind = "document"

    def __init__(self, store: A.AnnotationStore, selector: str = "auto", labels: Sequence[str] = ()):
        super().__init__()
        if selector not in ("auto", "mouse", "words"):
            raise ValueError(f"selector must be 'auto', 'mouse' or 'words', got {selector!r}")
        if selector == "mouse" and TextView is None:
            raise ImportError("selector='mouse' needs anywidget: pip install anywidget")
        if not len(store):
            raise ValueError("nothing to annotate: the list of texts is empty")
        self.store = store
        self.colors = label_colors(labels)
        self.selector = "words" if selector == "words" or TextView is None else "mouse"
        self.index = store.resume_index()
        self.selection: tuple[int, int] | None = None
        self.selected_entity: int | None = None
        self._anchor: int | None = None
        self._batching = False
        self.progress = W.HTML()
        self.message = W.HTML()
        self.prev_button = self._button("◀ Previous", "Previous document (← or p)", self.previous)
        self.next_button = self._button("Next ▶", "Next document (→ or n)", self.next)
        self.done_button = self._button("✓ Done", "Mark done, go to the next to do (Enter)", self.done, "success")
        self.skip_button = self._button("Skip", "Mark skipped: left out of exports", self.skip)
        self.undo_button = self._button("↶ Undo", "Undo the last change (u)", self.undo)
        self.nav = W.HBox([self.prev_button, self.next_button, self.done_button, self.skip_button, self.undo_button])
        if self.selector == "mouse":
            self.view = TextView()
            self.view.on_msg(self._on_view_msg)
            self.text_area = self.view
        else:
            self.view = W.HTML()
            self.word_box = W.Box(layout=W.Layout(flex_flow="row wrap"))
            self.text_area = W.VBox([self.view, self.word_box])

    # -- small builders
    def _button(self, text: str, tip: str, action: Callable, style: str = "", width: str = "auto") -> W.Button:
        b = W.Button(description=text, tooltip=tip, button_style=style, layout=W.Layout(width=width))
        b.on_click(lambda _b: self._guard(action))
        return b

    # -- state
    @property
    def record(self) -> dict:
        """The record of the document on screen."""
        return self.store[self.index]

    @property
    def text(self) -> str:
        return self.record["text"]

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b00020" if error else "#555"
        self.message.value = f"<span style='color:{color}'>{html.escape(text)}</span>"

    def _guard(self, action: Callable, *args):
        """Run a UI action; a bad request or a failed save is shown under the text instead of dying
        unseen in a widget callback. A change that could not be saved was undone by the store, so the
        view is redrawn from the store: what you see is what the file holds."""
        try:
            return action(*args)
        except (WorkbenchError, OSError) as err:
            saved = not isinstance(err, (OSError, StoreConflictError))
            with contextlib.suppress(Exception):
                self.refresh()
            self._say(str(err) if saved else f"NOT SAVED: {err}. The change was undone: the view shows the file.",
                      error=True)
            return None

    # -- navigation (each also a button and a shortcut)
    def go(self, i: int) -> None:
        """Show document ``i``."""
        if not 0 <= i < len(self.store):
            raise A.AnnotationError(f"document index {i} out of range (0..{len(self.store) - 1})")
        self.index, self.selection, self.selected_entity, self._anchor = i, None, None, None
        self._say("")
        self.refresh()

    def next(self) -> None:
        self.go(min(self.index + 1, len(self.store) - 1))

    def previous(self) -> None:
        self.go(max(self.index - 1, 0))

    def done(self) -> None:
        """Mark this document done (pending suggestions are accepted) and show the next one to do."""
        self.store.set_status(self.index, "done")
        self._advance()

    def skip(self) -> None:
        """Mark this document skipped (not exported) and move on."""
        self.store.set_status(self.index, "skipped")
        self._advance()

    def _advance(self) -> None:
        todo = [i for i in range(len(self.store)) if self.store[i]["status"] == "todo"]
        after = [i for i in todo if i > self.index]
        if after or todo:
            self.go((after or todo)[0])
        else:
            self.refresh()
            self._say(f"All {len(self.store)} documents are done. Saved to {self.store.path}.")

    def undo(self) -> None:
        """Undo the last change (and show the document it touched)."""
        i = self.store.undo()
        if i is None:
            self._say("nothing to undo")
            return
        self.go(i)
        self._say("undone")

    # -- selection
    def select(self, start: int, end: int) -> tuple[int, int]:
        """Select ``text[start:end]``, widened to whole words; returns the selected span."""
        self.selection = A.snap_to_words(self.text, start, end)
        self.selected_entity, self._anchor = None, None
        self.refresh()
        return self.selection

    def select_words(self, first: int, last: int | None = None) -> tuple[int, int]:
        """Select words ``first..last`` (inclusive, as numbered by ``annotations.words``)."""
        return self.select(*A.words_to_span(self.text, first, last))

    def click_word(self, i: int, extend: bool = False) -> tuple[int, int]:
        """What clicking word ``i`` does: select it, or with ``extend`` stretch the selection to it."""
        s, e = A.words_to_span(self.text, i)
        if extend and self.selection:
            s, e = min(s, self.selection[0]), max(e, self.selection[1])
        self.selection = (s, e)
        self.selected_entity = None
        self.refresh()
        return self.selection

    def clear_selection(self) -> None:
        self.selection, self.selected_entity, self._anchor = None, None, None
        self.refresh()

    def select_entity(self, k: int | None) -> None:
        """Pick entity ``k`` of this document (to relabel, accept or remove it)."""
        if k is not None:
            A.AnnotationStore.entity(self.record, k)
        self.selected_entity, self.selection = k, None
        self.refresh()

    # -- front-end events
    def _on_view_msg(self, _widget, content: Mapping, _buffers=None) -> None:
        """Messages from the browser (:class:`TextView`); tests send the same ones."""
        kind = content.get("type")
        if kind == "select":
            self._guard(self.select, int(content["start"]), int(content["end"]))
        elif kind == "word":
            self._guard(self.click_word, int(content["i"]), bool(content.get("extend")))
        elif kind == "entity":
            self._guard(self._entity_clicked, int(content["k"]))
        elif kind == "key":
            self.press(str(content["key"]), ctrl=bool(content.get("ctrl")))

    def _entity_clicked(self, k: int) -> None:
        self.select_entity(None if self.selected_entity == k else k)

    def _word_button_clicked(self, i: int) -> None:
        # core-widget fallback: first click selects a word, a second click stretches to another
        extend = self._anchor is not None
        self.click_word(i, extend=extend)
        self._anchor = None if extend else i

    def press(self, key: str, ctrl: bool = False) -> bool:
        """Handle a keyboard shortcut as the text view does; returns whether it was one."""
        if ctrl and key.lower() == "z":
            key = "u"
        action = NAV_KEYS.get(key)
        if action == "clear":
            self.clear_selection()
        elif action:
            self._guard(getattr(self, action))
        else:
            return self._guard(self._press_more, key) or False
        return True

    def _press_more(self, key: str) -> bool:
        return False

    # -- drawing
    def _spans(self) -> list[dict]:
        return self.record["entities"]

    @contextlib.contextmanager
    def batch(self):
        """Make many changes from Python and redraw once at the end (``with ann.batch(): ...``).

        Each redraw sends widget updates to the browser; hundreds of programmatic changes would
        flood the kernel's message channel. The store still saves every change at once.
        """
        self._batching = True
        try:
            yield self
        finally:
            self._batching = False
            self.refresh()

    def refresh(self) -> None:
        """Redraw from the store (called after every change)."""
        if self._batching:
            return
        done, total = self.store.progress()
        self.progress.value = A.format_progress(done, total, self.index, self.record["status"])
        markup = A.format_annotatable(self.text, self._spans(), self.colors, self.selection, self.selected_entity)
        if self.selector == "mouse":
            self.view.html = markup
        else:
            self.view.value = A.format_record(self.record, self.colors)
            self.word_box.children = self._word_buttons()
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(self.store) - 1
        self.undo_button.disabled = not self.store.can_undo
        self._refresh_panel()

    def _word_buttons(self) -> list[W.Button]:
        buttons = []
        for i, (tok, s, e) in enumerate(A.words(self.text)):
            b = W.Button(description=tok, tooltip=f"word {i}", layout=W.Layout(width="auto", margin="1px"))
            ent = next((x for x in self._spans() if x["start"] < e and x["end"] > s), None)
            if ent is not None:
                b.style.button_color = self.colors.get(ent["label"], "#ddd")
            if self.selection and s < self.selection[1] and e > self.selection[0]:
                b.button_style = "warning"
            b.on_click(lambda _b, i=i: self._guard(self._word_button_clicked, i))
            buttons.append(b)
        return buttons

    def _refresh_panel(self) -> None:
        """Subclasses draw their lists here."""


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


class QAAnnotator(_Annotator):
    """Write questions about each context and select their answers (SQuAD style).

    Type a question, select the answer words, click **Add** (or **No answer** for a question the
    text cannot answer). Export with ``store.to_squad(path)``. Taught in 07_annotate_and_retrain.
    """

    kind = "qa"

    def __init__(self, contexts: Sequence[str], store: str | Path | None = "qa.jsonl", ids: Sequence | None = None,
                 selector: str = "auto"):
        st = store if isinstance(store, A.AnnotationStore) else A.AnnotationStore(store, list(contexts), ids)
        super().__init__(st, selector, ["ANSWER"])
        self.question = W.Text(placeholder="Type a question, select its answer in the text, click Add",
                               layout=W.Layout(width="40em"))
        self.add_button = self._button("+ Add with selected answer", "Save the question with the selection as answer",
                                       lambda: self._guard(self.ask), "primary")
        self.no_answer_button = self._button("+ Add: no answer", "The text does not answer this question",
                                             lambda: self._guard(self.ask_unanswerable))
        self.qa_list = W.VBox()
        self.children = [self.progress, self.text_area, W.HBox([self.question, self.add_button, self.no_answer_button]),
                         self.qa_list, self.nav, self.message]
        self.refresh()

    def ask(self, question: str | None = None, start: int | None = None, end: int | None = None) -> dict:
        """Save ``question`` (default: the text box) with ``text[start:end]`` (default: the selection)."""
        question = self.question.value if question is None else question
        if start is None or end is None:
            if self.selection is None:
                raise A.AnnotationError("select the answer in the text first (or click 'no answer')")
            start, end = self.selection
        item = self.store.add_question(self.index, question, start, end)
        self._after_ask(item)
        return item

    def ask_unanswerable(self, question: str | None = None) -> dict:
        item = self.store.add_question(self.index, self.question.value if question is None else question)
        self._after_ask(item)
        return item

    def _after_ask(self, item: dict) -> None:
        self.question.value, self.selection = "", None
        self._say(f"saved {item['id']}")
        self.refresh()

    def remove_question(self, k: int) -> dict:
        item = self.store.remove_question(self.index, k)
        self.refresh()
        return item

    def _spans(self) -> list[dict]:
        return [{"start": a["start"], "end": a["end"], "label": f"A{n + 1}", "status": "accepted"}
                for n, q in enumerate(self.record["qa"]) for a in q["answers"]]

    def _refresh_panel(self) -> None:
        rows = []
        for k, q in enumerate(self.record["qa"]):
            no = W.Button(description="✗", tooltip="remove", layout=W.Layout(width="2.5em"))
            no.on_click(lambda _b, k=k: self._guard(self.remove_question, k))
            answer = ", ".join(a["text"] for a in q["answers"]) or "(no answer)"
            rows.append(W.HBox([no, W.HTML(f"<b>A{k + 1}</b> {html.escape(q['question'])} → {html.escape(answer)}")]))
        self.qa_list.children = rows or [W.HTML("<i>no questions yet</i>")]


def _as_span(e) -> dict:
    if isinstance(e, Mapping):
        return dict(e)
    start, end, label, _ = as_span(e)
    return {"start": start, "end": end, "label": label}
