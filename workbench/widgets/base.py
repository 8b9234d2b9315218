"""What the three annotators share: the store, navigation, undo, the mouse/keyboard text view
(:class:`TextView`, a tiny ``anywidget``) with word buttons as the fallback, and the shortcuts."""
from __future__ import annotations

import contextlib
import html
from typing import Callable, Mapping, Sequence

import ipywidgets as W

from .. import annotations as A
from ..errors import StoreConflictError, WorkbenchError
from ..text import as_span
from ..viz import label_colors

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


def _as_span(e) -> dict:
    if isinstance(e, Mapping):
        return dict(e)
    start, end, label, _ = as_span(e)
    return {"start": start, "end": end, "label": label}
