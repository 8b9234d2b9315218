"""Projection: an entity found on the English translation mapped back onto the Chinese source --
through a glossary term or a verbatim string (``BRCA1``), never by guess."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..text import fold
from .glossary import find_word

if TYPE_CHECKING:
    from .pipeline import Translation


def project_entity(translation: Translation, entity: dict) -> dict:
    """``entity`` (on the English translation) plus ``zh_span``, ``zh_text``, ``projection`` and ``zh_sentence``.

    ``projection="glossary"``: the entity is exactly a glossary term of the translation; ``"verbatim"``:
    its text (e.g. ``BRCA1``, ``T790M``) occurs as many times in the aligned Chinese sentence as in the
    English one, so the n-th maps to the n-th; otherwise ``"none"`` with ``zh_span=None``.
    ``zh_sentence`` is the aligned source sentence (context, not an entity span).
    """
    start, end = int(entity["start"]), int(entity["end"])
    text = translation.text
    if not (0 <= start < end <= len(text)):
        raise ValueError(f"entity {entity} is outside the translation (length {len(text)})")
    if "text" in entity and entity["text"] != text[start:end]:
        raise ValueError(f"entity {entity}: 'text' does not match translation[{start}:{end}] = {text[start:end]!r}")
    out = dict(entity, text=text[start:end], zh_span=None, zh_text=None, projection="none", zh_sentence=None)
    seg = next((s for s in translation.segments if s["en_start"] <= start < s["en_end"]), None)
    if seg is not None:
        out["zh_sentence"] = (seg["zh_start"], seg["zh_end"])
    for term in translation.terms:
        if term["en_start"] == start and term["en_end"] == end:
            out.update(zh_span=(term["zh_start"], term["zh_end"]), projection="glossary",
                       zh_text=translation.source[term["zh_start"]:term["zh_end"]])
            return out
    if seg is None or end > seg["en_end"]:
        return out
    word = text[start:end]
    en_hits = _all_words(text, word, seg["en_start"], seg["en_end"])
    zh_hits = _all_words(translation.source, word, seg["zh_start"], seg["zh_end"], folded=True)
    if (start, end) in en_hits and len(en_hits) == len(zh_hits):
        span = zh_hits[en_hits.index((start, end))]
        out.update(zh_span=span, projection="verbatim", zh_text=translation.source[span[0]:span[1]])
    return out


def _all_words(text: str, word: str, lo: int, hi: int, folded: bool = False) -> list[tuple[int, int]]:
    if folded:  # full-width ＢＲＣＡ１ in the source still matches BRCA1
        ftext, index = fold(text[lo:hi])
        return [(lo + index[a], lo + index[b - 1] + 1) for a, b in _all_words(ftext, word, 0, len(ftext))]
    hits, pos, part = [], 0, text[lo:hi]
    while True:
        hit = find_word(part, word, ignore_case=False, start=pos)
        if hit is None:
            return hits
        hits.append((lo + hit[0], lo + hit[1]))
        pos = hit[0] + 1


def project_record(translation, record):
    if not isinstance(record, dict):
        return record
    out = dict(record)
    for key in ("head", "tail"):
        ent = record.get(key)
        if isinstance(ent, dict) and "start" in ent and "end" in ent:
            out[key] = project_entity(translation, ent)
    return out
