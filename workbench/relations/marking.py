"""Marking a pair in a sentence: type masks (``@GENE$``) or typed entity markers (``[E1-GENE]``)."""
from __future__ import annotations

import re
from typing import Iterable

from ..text import as_span

STYLES = ("mask", "markers")
MASK = re.compile(r"@[A-Z][A-Z0-9_-]*\$")
# ---------------------------------------------------------------- marking a pair


def check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")


def _span(entity) -> tuple[int, int, str]:
    return as_span(entity)[:3]


def check_span(text: str, entity, name: str) -> None:
    start, end, _ = _span(entity)
    if not 0 <= start < end <= len(text):
        raise ValueError(f"{name} span ({start}, {end}) is outside the text (length {len(text)})")


def mask_token(label: str) -> str:
    """``Gene`` -> ``@GENE$`` (the BioBERT RE convention)."""
    return f"@{re.sub(r'[^A-Za-z0-9]', '', label).upper()}$"


def marker_tokens(entity_types: Iterable[str]) -> list[str]:
    """The entity-marker tokens to add to a tokenizer: ``[E1-GENE]``, ``[/E1-GENE]``, ``[E2-GENE]``, ..."""
    out = []
    for role in ("E1", "E2"):
        for t in entity_types:
            name = re.sub(r"[^A-Za-z0-9]", "", t).upper()
            out += [f"[{role}-{name}]", f"[/{role}-{name}]"]
    return out


def mark_pair(text: str, head, tail, style: str = "mask") -> str:
    """Mark the pair ``head`` (E1) and ``tail`` (E2) in ``text``. Taught in 04.

    ``head``/``tail``: ``(start, end, label)`` or dicts with ``start``/``end``/``label``.
    ``mask`` replaces each mention by its type mask (``@GENE$``); ``markers`` wraps it in
    typed marker tokens (``[E1-GENE] BRCA1 [/E1-GENE]``) and keeps the words.
    """
    check_style(style)
    check_span(text, head, "head")
    check_span(text, tail, "tail")
    (hs, he, hl), (ts, te, tl) = _span(head), _span(tail)
    if hs < te and ts < he:
        raise ValueError(f"head ({hs}, {he}) and tail ({ts}, {te}) overlap: a pair needs two separate mentions")
    edits = []
    for role, (s, e, label) in (("E1", (hs, he, hl)), ("E2", (ts, te, tl))):
        if style == "mask":
            edits.append((s, e, mask_token(label)))
        else:
            name = re.sub(r"[^A-Za-z0-9]", "", label).upper()
            edits.append((s, e, f"[{role}-{name}] {text[s:e]} [/{role}-{name}]"))
    for s, e, new in sorted(edits, reverse=True):
        text = text[:s] + new + text[e:]
    return text


def fit_window(text: str, tokenizer, max_length: int) -> str:
    """Crop a long marked sentence to a window of ``max_length`` word pieces around its entities.

    Plain truncation keeps the start of the sentence and may cut off the second entity, leaving
    the classifier nothing to decide on; this keeps the span from the first to the last mask or
    marker and fills the rest of the budget with context on both sides.
    """
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=False)
    if len(offsets) <= budget:
        return text
    anchors = [m.span() for m in re.finditer(r"@[A-Z][A-Z0-9_-]*\$|\[/?E[12]-[A-Z0-9]+\]", text)]
    if not anchors:
        return text
    first = next(i for i, (s, e) in enumerate(offsets) if e > anchors[0][0])
    last = max(i for i, (s, e) in enumerate(offsets) if s < anchors[-1][1])
    spare = max(budget - (last - first + 1), 0)
    lo = max(0, first - spare // 2)
    hi = min(len(offsets), lo + max(budget, last - first + 1))
    lo = max(0, hi - max(budget, last - first + 1))
    return text[offsets[lo][0]:offsets[hi - 1][1]]
