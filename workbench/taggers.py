"""Dictionary taggers and combining taggers: NER without training, and several taggers as one.

A tagger is any callable ``tagger(texts) -> [[{start, end, label, text, score}, ...], ...]`` with
character offsets into each text -- ``wb.ner`` taggers, :class:`DictionaryTagger`, or
:func:`combine_taggers` of several. Used by notebooks 05 (use cases) and 06 (cross-lingual).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping, Sequence


class DictionaryTagger:
    """Dictionary NER: longest whole-word match of the terms of ``lexicon``.

    ``lexicon``: ``{"Gene": ["BRCA1", ...], "Disease": [...]}`` (or :meth:`from_entries` with
    ``{term: label}``). Same interface as ``wb.ner`` taggers:
    ``tagger(texts) -> [[{start, end, label, text, score=1.0}, ...], ...]``. Matching ignores case,
    but a mention spelt exactly like a listed term takes that term's type, so ``MTOR`` (Gene) and
    ``mTOR`` (Pathway) stay apart. A match is a whole word in the sense of
    :func:`workbench.text.tokenize_with_offsets`: no letter, digit or hyphen touches either edge
    (``TALK`` holds no ``ALK``; ``5-fluorouracil`` holds no ``fluorouracil``), so every match lines up
    with the project's word tokens. It finds only the terms it lists -- no generalisation -- which is
    what makes its output predictable.
    """

    def __init__(self, lexicon: Mapping[str, Iterable[str]], case_sensitive: bool = False,
                 name: str = "dictionary tagger (not a trained model)"):
        self.name = name
        self.exact: dict[str, str] = {}
        self.types: dict[str, str] = {}  # lower-cased term -> type (first listed wins)
        for label, terms in lexicon.items():
            if isinstance(terms, (str, Mapping)):
                raise TypeError(f"lexicon[{label!r}] must be a list of terms, got {type(terms).__name__}")
            for term in terms:
                if not str(term).strip():
                    continue
                self.exact.setdefault(term, label)
                self.types.setdefault(term if case_sensitive else term.lower(), label)
        if not self.types:
            raise ValueError("lexicon is empty")
        self.case_sensitive = case_sensitive
        alternation = "|".join(re.escape(t) for t in sorted(self.exact, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", 0 if case_sensitive else re.IGNORECASE)

    @classmethod
    def from_entries(cls, entries: Mapping[str, str], **kwargs) -> "DictionaryTagger":
        """A tagger from ``{term: label}`` (e.g. a glossary's English terms and their types)."""
        lexicon: dict[str, list[str]] = {}
        for term, label in entries.items():
            lexicon.setdefault(str(label), []).append(str(term))
        return cls(lexicon, **kwargs)

    def __repr__(self) -> str:
        return f"DictionaryTagger({len(self.types)} terms; {self.name})"

    def __call__(self, texts: Sequence[str]) -> list[list[dict]]:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, e.g. tagger([text])")
        out = []
        for text in texts:
            ents = []
            for m in self.pattern.finditer(text):
                found = m.group()
                label = self.exact.get(found) or self.types[found if self.case_sensitive else found.lower()]
                ents.append({"start": m.start(), "end": m.end(), "label": label, "text": found, "score": 1.0})
            out.append(ents)
        return out


def combine_taggers(*taggers: Callable, names: Sequence[str] | None = None, resolve: str = "first") -> Callable:
    """One tagger from several, with overlapping mentions resolved.

    ``resolve="first"``: entities of earlier taggers win where mentions overlap. ``resolve="longest"``: of
    overlapping mentions (of any type, from any tagger) the longest wins, then the higher score, then the
    earlier tagger -- e.g. "BRCA1-associated breast cancer" stays one Disease rather than a Gene inside it.
    With ``names`` (one per tagger) every entity gets a ``source`` key saying which tagger found it.
    """
    if names is not None and len(names) != len(taggers):
        raise ValueError(f"{len(names)} names for {len(taggers)} taggers")
    if resolve not in ("first", "longest"):
        raise ValueError(f"resolve must be 'first' or 'longest', got {resolve!r}")

    def tagger(texts: Sequence[str]) -> list[list[dict]]:
        found_all: list[list[tuple[int, dict]]] = [[] for _ in texts]
        for k, t in enumerate(taggers):
            found = t(list(texts))
            if len(found) != len(found_all):
                raise ValueError(f"tagger {k} returned {len(found)} entity lists for {len(found_all)} texts")
            for bucket, new in zip(found_all, found):
                bucket += [(k, {**e, "source": names[k]} if names else dict(e)) for e in new]
        out = []
        for bucket in found_all:
            if resolve == "longest":
                bucket = sorted(bucket, key=lambda ke: (ke[1]["start"] - ke[1]["end"], -ke[1].get("score", 1.0), ke[0]))
            kept: list[dict] = []
            for _, e in bucket:
                if not any(e["start"] < o["end"] and o["start"] < e["end"] for o in kept):
                    kept.append(e)
            out.append(sorted(kept, key=lambda e: e["start"]))
        return out

    return tagger
