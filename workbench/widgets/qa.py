"""The question-answer annotator: write questions and mark their answers in a context."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

import ipywidgets as W

from .. import annotations as A
from .base import _Annotator


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
