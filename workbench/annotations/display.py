"""Escaped HTML of annotation records: the annotator's text view, progress, relations, questions."""
from __future__ import annotations

import html
from typing import Iterable, Mapping, Sequence

from ..viz import PALETTE, css_color, format_spans, label_colors
from .records import resolve_overlaps, words

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
    style = (f"background:{css_color(colors.get(ent['label'], PALETTE[0]), ent['label'])};padding:0.1em 0.2em;border-radius:0.3em;"
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


