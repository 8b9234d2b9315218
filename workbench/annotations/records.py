"""Annotation records and the span <-> word mapping (no files, no HTML here).

A **record** is one document: ``{"id", "text", "status", "entities", "relations", "qa", "meta"}``.
Entities are character spans ``{"start", "end", "label", "text", "source", "score", "status"}``:
``source`` is ``"human"`` or ``"model"``; a model suggestion is ``"pending"`` until accepted.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from ..errors import AnnotationError
from ..text import as_span, spans_to_tags, tokenize_with_offsets

STATUSES = ("todo", "done", "skipped")

# ---------------------------------------------------------------- records and entities


def new_record(text: str, id: str | None = None, meta: Mapping | None = None) -> dict:
    """An empty record for ``text`` (status ``"todo"``)."""
    if not isinstance(text, str):
        raise AnnotationError(f"a document must be a string, got {type(text).__name__}")
    return {"id": str(id) if id is not None else None, "text": text, "status": "todo",
            "entities": [], "relations": [], "qa": [], "meta": dict(meta or {})}


def check_label(label, what: str = "entity label") -> str:
    """``label`` if it can be an IOB2 tag type (``B-<label>`` in a CoNLL file): a non-empty string
    without spaces, tabs or line breaks; else a clear :class:`AnnotationError`."""
    if not isinstance(label, str) or not label:
        raise AnnotationError(f"{what} must be a non-empty string, got {label!r}")
    if any(c.isspace() or not c.isprintable() for c in label):
        fix = "_".join(label.split())
        raise AnnotationError(f"{what} {label!r} contains a space, tab or control character, which a CoNLL "
                              f"tag (B-<label>) cannot hold; use e.g. {fix!r}")
    return label


def make_entity(text: str, start: int, end: int, label: str, source: str = "human",
                score: float | None = None, status: str | None = None, *, strict_label: bool = True) -> dict:
    """An entity dict for ``text[start:end]``; checks the span lies inside the text and the label
    (:func:`check_label`; ``strict_label=False`` only asks for a non-empty string -- how old files are read)."""
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise AnnotationError(f"span ({start}, {end}) is outside the text (length {len(text)}) or empty")
    if not label or not isinstance(label, str):
        raise AnnotationError(f"entity label must be a non-empty string, got {label!r}")
    if strict_label:
        check_label(label)
    if source not in ("human", "model"):
        raise AnnotationError(f"source must be 'human' or 'model', got {source!r}")
    status = status or ("pending" if source == "model" else "accepted")
    if status not in ("pending", "accepted"):
        raise AnnotationError(f"entity status must be 'pending' or 'accepted', got {status!r}")
    return {"start": start, "end": end, "label": label, "text": text[start:end], "source": source,
            "score": None if score is None else round(float(score), 4), "status": status}


def span_key(span) -> tuple[int, int]:
    """``(start, end)`` of a span dict or tuple."""
    return as_span(span)[:2]


def validate_record(rec, where: str = "record") -> dict:
    """Check one record's shape and that every span matches its text; returns a normalised copy."""
    if not isinstance(rec, dict):
        raise AnnotationError(f"{where}: expected a JSON object, got {type(rec).__name__}")
    if not isinstance(rec.get("text"), str):
        raise AnnotationError(f"{where}: needs a string 'text'")
    out = new_record(rec["text"], rec.get("id"), rec.get("meta"))
    out["status"] = rec.get("status", "todo")
    if out["status"] not in STATUSES:
        raise AnnotationError(f"{where}: status {out['status']!r} is not one of {STATUSES}")
    text = rec["text"]
    try:
        for e in rec.get("entities", []):
            ent = make_entity(text, e["start"], e["end"], e["label"], e.get("source", "human"),
                              e.get("score"), e.get("status"), strict_label=False)
            if "text" in e and e["text"] != ent["text"]:
                raise AnnotationError(f"entity text {e['text']!r} does not match text[{ent['start']}:{ent['end']}]"
                                      f" = {ent['text']!r}")
            out["entities"].append(ent)
        for r in rec.get("relations", []):
            head, tail = (make_entity(text, r[k]["start"], r[k]["end"], r[k]["label"], strict_label=False)
                          for k in ("head", "tail"))
            out["relations"].append({"head": _bare(head), "tail": _bare(tail), "label": str(r["label"])})
        for q in rec.get("qa", []):
            answers = [_answer(text, a["start"], a["end"]) for a in q.get("answers", [])]
            out["qa"].append({"id": str(q["id"]), "question": str(q["question"]), "answers": answers})
    except AnnotationError as err:
        raise AnnotationError(f"{where}: {err}") from None
    except (KeyError, TypeError, ValueError) as err:
        raise AnnotationError(f"{where}: malformed annotation ({type(err).__name__}: {err})") from None
    return out


def _bare(ent: Mapping) -> dict:
    return {"start": ent["start"], "end": ent["end"], "label": ent["label"], "text": ent["text"]}


def _answer(text: str, start: int, end: int) -> dict:
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise AnnotationError(f"answer span ({start}, {end}) is outside the text (length {len(text)}) or empty")
    return {"start": start, "end": end, "text": text[start:end]}


def accepted_entities(rec: Mapping, include_pending: bool = False) -> list[dict]:
    """The record's entities that count as annotations (pending model suggestions only on request)."""
    return [e for e in rec["entities"] if include_pending or e["status"] == "accepted"]


# ---------------------------------------------------------------- span <-> word mapping


def words(text: str) -> list[tuple[str, int, int]]:
    """The words the annotator selects and the CoNLL export writes (``data.tokenize_with_offsets``)."""
    return tokenize_with_offsets(text)


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a character selection to whole words (a mouse selection rarely hits word edges).

    Raises :class:`AnnotationError` when the selection covers no word (only spaces).
    """
    start, end = max(0, int(start)), min(len(text), int(end))
    inside = [(s, e) for _, s, e in words(text) if s < end and e > start]
    if start >= end or not inside:
        raise AnnotationError(f"selection ({start}, {end}) covers no word of the text")
    return inside[0][0], inside[-1][1]


def words_to_span(text: str, first: int, last: int | None = None) -> tuple[int, int]:
    """Character span of words ``first..last`` (inclusive; word indices from :func:`words`)."""
    toks = words(text)
    last = first if last is None else last
    first, last = min(first, last), max(first, last)
    if not 0 <= first <= last < len(toks):
        raise AnnotationError(f"word indices ({first}, {last}) out of range: the text has {len(toks)} words")
    return toks[first][1], toks[last][2]


def span_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Indices ``(first, last)`` of the words a character span overlaps."""
    inside = [i for i, (_, s, e) in enumerate(words(text)) if s < end and e > start]
    if not inside:
        raise AnnotationError(f"span ({start}, {end}) covers no word")
    return inside[0], inside[-1]


_NO_SPACE_BEFORE = set(".,;:!?)]}%") | {"'s", "n't"}
_NO_SPACE_AFTER = set("([{")


def join_tokens(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Readable text from CoNLL tokens and each token's ``(start, end)`` in it.

    ``join_tokens(["in", "acute", "leukemia", "."])`` -> ``("in acute leukemia.", [(0, 2), ...])``:
    no space before closing punctuation or after an opening bracket. Use it to turn a labelled
    corpus into raw sentences (and its tags into character spans with ``data.tags_to_spans``).
    """
    parts, offsets, pos = [], [], 0
    for n, tok in enumerate(tokens):
        if not tok or any(c.isspace() for c in tok):
            raise AnnotationError(f"token {n} ({tok!r}) is empty or contains whitespace")
        if n and tok not in _NO_SPACE_BEFORE and tokens[n - 1] not in _NO_SPACE_AFTER:
            parts.append(" ")
            pos += 1
        parts.append(tok)
        offsets.append((pos, pos + len(tok)))
        pos += len(tok)
    return "".join(parts), offsets


def split_to_texts(split, max_rows: int | None = None) -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    """Raw texts and gold character spans from a labelled split (``tokens`` + ``ner_tags``).

    Turns a CoNLL corpus into what a person would annotate; the spans are its answer key.
    """
    from ..data import tag_names
    from ..text import tags_to_spans

    names = tag_names(split)
    rows = split if max_rows is None else split.select(range(min(max_rows, len(split))))
    texts, gold = [], []
    for row in rows:
        text, offsets = join_tokens(row["tokens"])
        texts.append(text)
        gold.append(tags_to_spans(offsets, [names[t] for t in row["ner_tags"]]))
    return texts, gold


def resolve_overlaps(spans: Sequence) -> tuple[list, list]:
    """Split spans into ``(kept, dropped)``: an earlier-starting, then longer, span wins an overlap."""
    kept, dropped, pos = [], [], 0
    for span in sorted(spans, key=lambda x: (span_key(x)[0], -span_key(x)[1])):
        start, end = span_key(span)
        if start >= pos:
            kept.append(span)
            pos = end
        else:
            dropped.append(span)
    return kept, dropped


def record_to_tags(rec: Mapping, include_pending: bool = False) -> tuple[list[str], list[str]]:
    """``(tokens, IOB2 tags)`` of one record; entity edges are widened to whole words first."""
    text = rec["text"]
    toks = words(text)
    spans = []
    for e in accepted_entities(rec, include_pending):
        try:
            s, t = snap_to_words(text, e["start"], e["end"])
        except AnnotationError:
            continue  # an entity of only punctuation-free whitespace cannot be written
        spans.append((s, t, e["label"]))
    kept, _ = resolve_overlaps(spans)
    return [t for t, _, _ in toks], spans_to_tags(toks, kept)


