"""Glossary stage: the user's Chinese -> English domain terms, found longest-first, protected by
placeholders before translation and restored (or enforced, or reported missed) after it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..data import DATA_DIR, DataFormatError, read_data_text
from ..taggers import DictionaryTagger
from ..text import fold

GLOSSARY_FILE = DATA_DIR / "glossary_zh_en.tsv"
PLACEHOLDER = "ZXQ{}"
"""Placeholder for the k-th glossary term of a sentence: rare Latin letters + a number, the kind of
string (like a gene symbol) a zh->en model copies. Found again case- and space-insensitively."""
PLACEHOLDER_RE = re.compile(r"Z\s?X\s?Q\s?(\d+)", re.IGNORECASE)


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def find_word(text: str, word: str, ignore_case: bool = True, skip=(), start: int = 0):
    """First ``(start, end)`` of ``word`` in ``text`` at Latin word boundaries, not overlapping ``skip``."""
    hay, needle = (text.lower(), word.lower()) if ignore_case else (text, word)
    i = hay.find(needle, start)
    while i >= 0 and needle:
        j = i + len(needle)
        boundary = not (i > 0 and is_ascii_alnum(text[i - 1]) and is_ascii_alnum(text[i])) and not (
            j < len(text) and is_ascii_alnum(text[j]) and is_ascii_alnum(text[j - 1]))
        if boundary and not any(s < j and i < e for s, e in skip):
            return i, j
        i = hay.find(needle, i + 1)
    return None


@dataclass(frozen=True)
class GlossaryTerm:
    """One glossary row: the Chinese term, the English to keep, an optional entity type."""

    zh: str
    en: str
    label: str | None = None


@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    term: GlossaryTerm


class Glossary:
    """Chinese -> English domain terms, matched longest-first on width-folded text.

    Build one with :func:`load_glossary` (a TSV file) or ``Glossary.from_dict({"顺铂": "cisplatin"})``.
    """

    def __init__(self, terms, source: str = "<glossary>"):
        self.source = source
        self.terms: dict[str, GlossaryTerm] = {}
        for term in terms:
            key = unicodedata.normalize("NFKC", term.zh).strip()
            if not key or not term.en.strip():
                raise ValueError(f"{source}: empty term in {term}")
            old = self.terms.get(key)
            if old is not None and old.en != term.en:
                raise ValueError(f"{source}: {term.zh!r} has two translations: {old.en!r} and {term.en!r}")
            if old is not None and old.label and term.label and old.label != term.label:
                raise ValueError(f"{source}: {term.zh!r} has two types: {old.label!r} and {term.label!r}")
            label = term.label or (old.label if old is not None else None)  # a repeat without a type keeps it
            self.terms[key] = GlossaryTerm(term.zh, term.en.strip(), label or None)
        self._lengths = sorted({len(k) for k in self.terms}, reverse=True)

    @classmethod
    def from_dict(cls, mapping: dict, labels: dict | None = None) -> "Glossary":
        labels = labels or {}
        return cls([GlossaryTerm(zh, en, labels.get(zh)) for zh, en in mapping.items()], source="<dict>")

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self):
        return iter(self.terms.values())

    def __repr__(self) -> str:
        return f"Glossary({len(self)} terms from {self.source})"

    def rows(self) -> list[dict]:
        """The terms as rows (for a DataFrame)."""
        return [{"zh": t.zh, "en": t.en, "label": t.label} for t in self]

    def find(self, text: str) -> list[TermMatch]:
        """Non-overlapping term occurrences in ``text``, longest match first, left to right.

        Full-width/half-width forms match each other; a term that starts or ends with a Latin
        letter or digit does not match inside a longer Latin word (``ALK`` is not found in ``ALKBH``).
        """
        folded, index = fold(text)
        starts = {j for j in range(len(folded)) if j == 0 or index[j] != index[j - 1]}
        out, i, n = [], 0, len(folded)
        while i < n:
            hit = None
            if i in starts:
                for length in self._lengths:
                    j = i + length
                    if j > n or (j < n and j not in starts):
                        continue
                    term = self.terms.get(folded[i:j])
                    if term is None:
                        continue
                    if (is_ascii_alnum(folded[i]) and i > 0 and is_ascii_alnum(folded[i - 1])) or (
                            is_ascii_alnum(folded[j - 1]) and j < n and is_ascii_alnum(folded[j])):
                        continue
                    hit = (j, term)
                    break
            if hit:
                j, term = hit
                out.append(TermMatch(index[i], index[j - 1] + 1, term))
                i = j
            else:
                i += 1
        return out

    def tagger(self) -> "DictionaryTagger":
        """An English dictionary tagger for the glossary terms that have an entity type."""
        return DictionaryTagger.from_entries({t.en: t.label for t in self if t.label},
                                name=f"dictionary tagger over {self.source} (not a trained model)")


def load_glossary(path: str | Path = GLOSSARY_FILE) -> Glossary:
    """Read a ``zh<TAB>en[<TAB>type]`` glossary; ``#`` lines are comments, a ``zh en type`` header is optional.

    Errors name ``file:line``. The project's starter glossary is ``data/glossary_zh_en.tsv``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such glossary file")
    terms, seen = [], {}
    if True:  # one block: the file is read whole (UTF-8 checked, a byte-order mark dropped)
        for lineno, raw in enumerate(read_data_text(path).split("\n"), 1):
            line = raw.rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if [c.strip().lower() for c in cols[:2]] == ["zh", "en"]:
                continue  # header
            if len(cols) < 2 or len(cols) > 3:
                raise DataFormatError(f"{path}:{lineno}: expected 'zh<TAB>en[<TAB>type]', got {line!r}"
                                      + (" (separated by spaces, not tabs?)" if len(cols) == 1 else ""))
            zh, en = cols[0].strip(), cols[1].strip()
            label = cols[2].strip() if len(cols) == 3 else ""
            if not zh or not en:
                raise DataFormatError(f"{path}:{lineno}: empty Chinese or English term in {line!r}")
            key = unicodedata.normalize("NFKC", zh)
            if key in seen and seen[key][0] != en:
                raise DataFormatError(f"{path}:{lineno}: {zh!r} -> {en!r} contradicts line {seen[key][1]} "
                                      f"({seen[key][0]!r})")
            if key in seen and label and seen[key][2] and seen[key][2] != label:
                raise DataFormatError(f"{path}:{lineno}: {zh!r} has type {label!r} here but {seen[key][2]!r} on line "
                                      f"{seen[key][1]}; give each term one type")
            seen[key] = (en, lineno, label or (seen[key][2] if key in seen else ""))
            terms.append(GlossaryTerm(zh, en, label or None))
    return Glossary(terms, source=path.name)


def as_glossary(glossary) -> Glossary | None:
    if glossary is None or isinstance(glossary, Glossary):
        return glossary
    if isinstance(glossary, dict):
        return Glossary.from_dict(glossary)
    if isinstance(glossary, (str, Path)):
        return load_glossary(glossary)
    raise TypeError(f"glossary must be a Glossary, a dict, a file path or None, got {type(glossary).__name__}")


def protect(text: str, glossary: Glossary) -> tuple[str, list[TermMatch]]:
    """Replace the k-th glossary term in ``text`` by ``ZXQ<k>``; returns the text and the terms."""
    matches = glossary.find(text)
    return with_placeholders(text, matches), matches


def with_placeholders(text: str, matches: list[TermMatch], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with the k-th of ``matches`` (term occurrences inside it, in order) as ``ZXQ<k>``."""
    end = len(text) if end is None else end
    parts, pos = [], start
    for k, m in enumerate(matches):
        parts += [text[pos:m.start], PLACEHOLDER.format(k)]
        if text[m.end:m.end + 1].isdigit():  # "ZXQ0" + "5" would read back as placeholder 5: keep them apart
            parts.append(" ")
        pos = m.end
    parts.append(text[pos:end])
    return "".join(parts)


def restore(output: str, terms: list[TermMatch], mode: str = "placeholder", sentence_start: bool = True):
    """Put the glossary English back into one translated chunk; returns ``(text, term reports)``.

    Placeholders (``ZXQ0``, also ``zxq 0``) become their term (protected); a Chinese term the model
    copied is replaced (enforced); an English term already present is recorded (matched); anything
    else is reported missed. A term opening the sentence is capitalised unless it looks like a
    symbol (``p53``, ``mRNA``).
    """
    edits = []  # (start, end, term index, status)
    if mode == "placeholder":
        for m in PLACEHOLDER_RE.finditer(output):
            k = int(m.group(1))
            if k < len(terms):
                edits.append((m.start(), m.end(), k, "protected"))
    done = {k for _, _, k, _ in edits}
    for k, tm in enumerate(terms):
        if k in done:
            continue
        for variant in dict.fromkeys((tm.term.zh, unicodedata.normalize("NFKC", tm.term.zh))):
            hit = find_word(output, variant, ignore_case=False, skip=[(a, b) for a, b, *_ in edits])
            if hit:
                edits.append((hit[0], hit[1], k, "enforced"))
                done.add(k)
                break
    edits.sort()
    text, pos, spans = "", 0, {}
    for a, b, k, status in edits:
        if a < pos:
            continue
        text += output[pos:a]
        english = terms[k].term.en
        if sentence_start and not text.strip() and _capitalisable(english):
            english = english[0].upper() + english[1:]
        if text and is_ascii_alnum(text[-1]):
            text += " "  # placeholders glued together (Chinese has no spaces) must not glue the terms
        spans.setdefault(k, (len(text), len(text) + len(english), status, english))
        text += english
        if b < len(output) and is_ascii_alnum(output[b]):
            text += " "
        pos = b
    text += output[pos:]
    reports, claimed = [], [v[:2] for v in spans.values()]
    for k, tm in enumerate(terms):
        if k in spans:
            start, end, status, english = spans[k]
        else:
            hit = find_word(text, tm.term.en, ignore_case=True, skip=claimed)
            if hit:
                claimed.append(hit)
                (start, end), status = hit, "matched"
                english = text[start:end]
            else:
                start = end = english = None
                status = "missed"
        reports.append({"zh": tm.term.zh, "en": english if english is not None else tm.term.en, "label": tm.term.label,
                        "zh_start": tm.start, "zh_end": tm.end, "en_start": start, "en_end": end, "status": status})
    return text, reports


def _capitalisable(term: str) -> bool:
    return len(term) > 1 and term[0].islower() and term[1].islower()


def glossary_tagger(glossary=GLOSSARY_FILE) -> DictionaryTagger:
    """:class:`DictionaryTagger` over the glossary's typed terms (Disease, Chemical, Gene)."""
    return as_glossary(glossary).tagger()
