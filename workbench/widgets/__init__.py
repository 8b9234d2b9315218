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
from .base import NAV_KEYS, SHORTCUTS_HELP, TextView  # noqa: F401
from .entities import EntityAnnotator
from .qa import QAAnnotator
from .relations import RelationAnnotator

__all__ = ["EntityAnnotator", "RelationAnnotator", "QAAnnotator", "TextView", "NAV_KEYS", "SHORTCUTS_HELP"]
