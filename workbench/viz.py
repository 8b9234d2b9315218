"""Visualisation: highlighted entities (displaCy-like HTML, escaped) and training plots.

Pure ``format_*`` functions return HTML strings; ``show_*`` wrappers display them.
Taught in 02_ner_fine_tuning (entities) and later notebooks.
"""
from __future__ import annotations

import html
import re
from typing import Iterable, Mapping

from .text import as_span

PALETTE = ["#7aecec", "#feca74", "#aa9cfc", "#bfe1d9", "#ff9561", "#c887fb", "#e4e7d2",
           "#ffeb80", "#9cc9cc", "#f0a1a1"]
KNOWN_COLORS = {"Disease": "#ff9561", "Chemical": "#7aecec", "Gene": "#aa9cfc", "Drug": "#7aecec",
                "AdverseEvent": "#f0a1a1", "ANSWER": "#ffeb80"}


def label_colors(labels: Iterable[str]) -> dict[str, str]:
    """A stable colour per label (biomedical types get their usual colours)."""
    out, i = {}, 0
    for label in sorted(set(labels)):
        if label in KNOWN_COLORS:
            out[label] = KNOWN_COLORS[label]
        else:
            out[label] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


_CSS_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(?:rgb|hsl)a?\(\s*[0-9.,%\s/]+\)")


def css_color(value, label: str = "") -> str:
    """``value`` if it is a plain CSS colour (``#ff9561``, ``lightblue``, ``rgb(1, 2, 3)``), else ``ValueError``:
    a colour is written into a ``style='...'`` attribute, so nothing else may get in there."""
    if not isinstance(value, str) or not _CSS_COLOR.fullmatch(value.strip()):
        raise ValueError(f"colour {value!r} for label {label!r} is not a CSS colour such as '#ff9561', 'lightblue' "
                         f"or 'rgb(255, 149, 97)'")
    return value.strip()


def format_spans(text: str, spans, colors: Mapping[str, str] | None = None, title: str | None = None) -> str:
    """HTML for ``text`` with character ``spans`` highlighted.

    ``spans``: ``(start, end, label)`` tuples or dicts with ``start``/``end``/``label`` (``score``
    optional). Overlapping spans: the earlier-starting (then longer) one wins, the other is
    dropped from the highlight. Everything is HTML-escaped, so ``<script>`` shows as text.
    """
    items = sorted((as_span(s) for s in spans), key=lambda s: (s[0], -(s[1] - s[0])))
    colors = dict(colors or label_colors(s[2] for s in items))
    parts, pos = [], 0
    for start, end, label, score in items:
        if not (0 <= start < end <= len(text)):
            raise ValueError(f"span ({start}, {end}, {label!r}) is outside the text (length {len(text)})")
        if start < pos:
            continue  # overlaps the previous highlight
        parts.append(html.escape(text[pos:start]))
        tip = f"{label} {score:.2f}" if isinstance(score, (int, float)) else label
        color = css_color(colors.get(label, PALETTE[0]), label)
        parts.append(
            f"<mark style='background:{color};padding:0.1em 0.3em;border-radius:0.3em' "
            f"title='{html.escape(tip, quote=True)}'>{html.escape(text[start:end])}"
            f"<span style='font-size:0.7em;font-weight:bold;margin-left:0.4em'>{html.escape(label)}</span></mark>")
        pos = end
    parts.append(html.escape(text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    head = f"<div style='font-weight:bold'>{html.escape(title)}</div>" if title else ""
    return f"<div class='wb-spans' style='line-height:2.2'>{head}{body}</div>"


def show_spans(text: str, spans, **kwargs) -> None:
    """Display :func:`format_spans` in a notebook (prints plain text outside Jupyter)."""
    show_html(format_spans(text, spans, **kwargs),
              fallback=text + "\n" + "\n".join(f"  {as_span(s)}" for s in spans))


def show_html(markup: str, fallback: str) -> None:
    """Display HTML ``markup`` in Jupyter; elsewhere print the plain-text ``fallback``."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        if get_ipython() is not None:
            display(HTML(markup))
            return
    except ImportError:
        pass
    print(fallback)




def plot_training_curve(log_history: list[dict], metric: str = "eval_f1", ax=None):
    """Training loss and an eval metric per epoch from ``trainer.state.log_history``."""
    import matplotlib.pyplot as plt

    train = [(h["epoch"], h["loss"]) for h in log_history if "loss" in h and "epoch" in h]
    evals = [(h["epoch"], h[metric]) for h in log_history if metric in h]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if train:
        ax.plot(*zip(*train), label="training loss", color="tab:blue")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if evals:
        ax2 = ax.twinx()
        ax2.plot(*zip(*evals), "o-", label=metric, color="tab:orange")
        ax2.set_ylabel(metric)
        ax2.set_ylim(0, 1)
        ax2.legend(loc="center right")
    ax.legend(loc="upper right")
    ax.set_title("Training curve")
    return ax


def plot_confusion_matrix(matrix, labels: list[str], ax=None, title: str = "Confusion matrix"):
    """Heat map of a confusion matrix (rows: gold, columns: predicted) with counts written in."""
    import matplotlib.pyplot as plt
    import numpy as np

    matrix = np.asarray(matrix)
    if matrix.shape != (len(labels), len(labels)):
        raise ValueError(f"matrix shape {matrix.shape} does not match {len(labels)} labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.2 * len(labels) + 1.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = matrix.max() if matrix.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if top and matrix[i, j] > top / 2 else "black")
    ax.set_title(title)
    return ax
