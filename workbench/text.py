"""Text helpers shared by every task: words and sentences with character offsets, spans <-> tags.

Character spans ``(start, end, label)`` (or dicts with those keys) at every public boundary,
IOB2 tags inside; ``text[start:end]`` is always the mention. English sentence splitting lives here;
Chinese sentence splitting and chunking too (``split_chinese_sentences``, ``chunk_span``).
"""
from __future__ import annotations

import re
from typing import Mapping

import regex  # Unicode-aware word characters (a dependency of transformers' tokenizers)


def as_span(span) -> tuple[int, int, str, float | None]:
    """``(start, end, label, score)`` of a span given as a dict (``start``, ``end``, ``label``, optional
    ``score``) or a tuple ``(start, end[, label[, score]])`` -- the one span normaliser of the package."""
    if isinstance(span, Mapping):
        return int(span["start"]), int(span["end"]), str(span.get("label", "")), span.get("score")
    span = tuple(span)
    if len(span) < 2:
        raise ValueError(f"a span needs at least (start, end), got {span!r}")
    label = str(span[2]) if len(span) > 2 else ""
    return int(span[0]), int(span[1]), label, (span[3] if len(span) > 3 else None)


# A word: letters/digits/marks (``regex``'s Unicode \w holds combining marks and the zero-width
# joiners, so NFD "Ce\u0301liac" and emoji/Indic ZWJ sequences stay whole) plus other numbers (m², ½),
# joined by hyphens, apostrophes or a soft hyphen. Any other visible character is its own token (with
# its combining marks). Format characters (BOM, LRM/RLM, ZWJ outside a word) and controls are not tokens.
_W = r"[\w\p{No}]"
_SYMBOL = r"[^\w\p{No}\s\p{Cf}\p{Cc}\p{Zl}\p{Zp}]\p{M}*"
_WORD = regex.compile(rf"{_W}+(?:[-'’\u00ad]{_W}+)*|{_SYMBOL}(?:\u200d{_SYMBOL})*")  # an emoji ZWJ sequence is one


def tokenize_with_offsets(text: str) -> list[tuple[str, int, int]]:
    """Words and punctuation with character offsets: ``[(token, start, end), ...]``.

    Hyphenated names stay one token (``5-fluorouracil``, ``non-small``); every other
    non-space, non-word character is its own token. A combining accent or a zero-width joiner
    never splits a word (``Ce\u0301liac`` in NFD is one word, as ``Céliac`` in NFC is); format
    characters such as a byte-order mark are skipped. ``text[start:end] == token`` always.
    """
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


_MARKS = regex.compile(r"[\p{M}\u200c\u200d]+")


def past_marks(text: str, end: int) -> int:
    """``end`` moved past the combining marks and zero-width joiners right after it: word-piece
    tokenizers that strip accents end a span of NFD ``cafe\u0301`` before the accent; this puts it back."""
    m = _MARKS.match(text, end) if 0 <= end < len(text) else None
    return m.end() if m else end


def split_lines(text: str) -> list[tuple[int, int, int]]:
    """``(line number, start, end)`` of each line of ``text``: lines end at ``\n`` only (a ``\r`` before
    it is left out of the line), so ``\f``, ``\u2028`` or ``\x1c`` inside a line -- common in pdftotext
    output -- do not start new lines as they would with ``str.splitlines``. ``text[start:end]`` is the line."""
    out, start = [], 0
    for n, line in enumerate(text.split("\n"), 1):
        end = start + len(line)
        out.append((n, start, end - 1 if line.endswith("\r") else end))
        start = end + 1
    return out


_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "Fig.", "fig.", "vs.", "Dr.", "approx.", "No.", "no.", "cf.", "ca.",
                  "ref.", "Ref.", "refs.", "Refs.", "al.")
_BOUNDARY = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of English ``text``.

    A sentence ends at ``.``, ``!`` or ``?`` followed by space and a capital or digit -- not after
    common abbreviations (``e.g.``, ``et al.``, ``Fig.``) and not inside numbers (``p < 0.05``, or
    ``0 . 05`` in tokenised text). Spans exclude surrounding whitespace; ``text[start:end]`` is the sentence.
    """
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        head = text[max(0, m.start() - 24):m.start()].rstrip()  # what precedes the mark, spaces dropped
        if any((head + m.group()).endswith(a) for a in _ABBREVIATIONS):  # "et al." and tokenised "et al ."
            continue
        if m.group() == ".":
            before, after = head[-1:], text[end:end + 8].lstrip()[:1]
            if after.isdigit() and (before.isdigit() or before in "<=>≤≥"):  # 0 . 05, P < . 001
                continue
            if re.search(r"(?:^|[\s(])[A-Z]$", head):  # an initial: "J. B. Smith", "( J . B . )"
                continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return trim_spans(text, spans)


def trim_spans(text: str, spans) -> list[tuple[int, int]]:
    """``(start, end)`` spans with surrounding whitespace removed; spans left empty are dropped."""
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def length_batches(lengths, batch_size: int | None = None, token_budget: int | None = None,
                   longest_first: bool = False) -> list[list[int]]:
    """Indices of inputs grouped into batches of similar length (less padding): the one batcher of the package.

    Inputs are sorted by ``lengths`` (stable; ascending, or descending with ``longest_first``) and cut every
    ``batch_size`` items, or -- with ``token_budget`` instead -- so that ``items x longest length`` stays
    within the budget (long inputs alone, short ones together).
    """
    if (batch_size is None) == (token_budget is None):
        raise ValueError("give exactly one of batch_size and token_budget")
    size = batch_size if batch_size is not None else token_budget
    if size < 1:
        raise ValueError(f"batch_size/token_budget must be at least 1, got {size}")
    lengths = list(lengths)
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i] if longest_first else lengths[i])
    if batch_size is not None:
        return [order[b:b + batch_size] for b in range(0, len(order), batch_size)]
    out, cur, longest = [], [], 0
    for i in order:
        widest = max(longest, lengths[i])
        if cur and (len(cur) + 1) * widest > token_budget:
            out.append(cur)
            cur, widest = [], lengths[i]
        cur.append(i)
        longest = widest
    if cur:
        out.append(cur)
    return out


def spans_to_tags(offsets, spans, strict: bool = True) -> list[str]:
    """IOB2 tags for tokens at ``offsets`` ([(start, end), ...] or (token, start, end)) from char ``spans``.

    A token is inside a span when it overlaps it. With ``strict``, a span whose edges fall inside a
    token (so it cannot be expressed with these tokens) raises ``ValueError``; spans may not overlap.
    """
    offs = [(o[-2], o[-1]) for o in offsets]
    tags = ["O"] * len(offs)
    for start, end, label, _ in sorted((as_span(s) for s in spans), key=lambda sp: (sp[0], sp[1])):
        inside = [i for i, (s, e) in enumerate(offs) if s < end and e > start]
        if not inside:
            if strict:
                raise ValueError(f"span ({start}, {end}, {label!r}) covers no token")
            continue
        if strict and (offs[inside[0]][0] != start or offs[inside[-1]][1] != end):
            raise ValueError(f"span ({start}, {end}, {label!r}) does not start/end on token boundaries")
        if any(tags[i] != "O" for i in inside):
            raise ValueError(f"span ({start}, {end}, {label!r}) overlaps another span")
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + label
    return tags


def tags_to_spans(offsets, tags) -> list[tuple[int, int, str]]:
    """Character spans ``(start, end, label)`` from IOB2 ``tags`` of tokens at ``offsets``.

    Follows conlleval: an ``I-X`` after ``O`` or after another type starts a new entity.
    """
    offs = [(o[-2], o[-1]) for o in offsets]
    if len(offs) != len(tags):
        raise ValueError(f"{len(offs)} offsets but {len(tags)} tags")
    spans: list[tuple[int, int, str]] = []
    cur = None  # [start, end, label]
    for (s, e), tag in zip(offs, tags):
        prefix, label = (tag[0], tag[2:]) if tag != "O" else ("O", "")
        if prefix == "I" and cur is not None and cur[2] == label:
            cur[1] = e
            continue
        if cur is not None:
            spans.append(tuple(cur))
            cur = None
        if prefix in ("B", "I"):
            cur = [s, e, label]
    if cur is not None:
        spans.append(tuple(cur))
    return spans


# ---------------------------------------------------------------- Chinese text: folding, sentences, chunks
# (used by workbench.translate; offsets always refer to the original, unfolded text)

_CJK_STOPS = "。！？；…．"
_WEST_STOPS = ".!?;"
_CLOSERS = "”’」』）)]】》\"'"
_SOFT_BREAKS = "，,、：:；; \t"


def fold(text: str) -> tuple[str, list[int]]:
    """Width-fold ``text`` character by character (NFKC: ``５``->``5``, ``（``->``(``).

    Returns the folded text and, for each folded character, the index of the original character
    it came from -- so a match found in the folded text maps back to exact source offsets.
    """
    import unicodedata

    out, index = [], []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch) or ch
        out.append(norm)
        index.extend([i] * len(norm))
    return "".join(out), index


def split_chinese_sentences(text: str, keep_whole=()) -> list[tuple[int, int]]:
    """Sentence spans ``[(start, end), ...]`` of ``text`` (whitespace trimmed, empty ones dropped).

    Splits after Chinese 。！？；…． (and closing quotes/brackets), after Western . ! ? ; only when a
    space or the end follows (so ``3.5`` and ``p<0.05`` stay whole), and at newlines. No split
    falls inside a span of ``keep_whole`` (e.g. glossary terms).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    inside = set()
    for s, e in keep_whole:
        inside.update(range(s + 1, e))
    spans, start, i, n = [], 0, 0, len(text)

    def push(s, e):
        spans.extend(trim_spans(text, [(s, e)]))

    while i < n:
        ch = text[i]
        if ch in "\n\r" and i not in inside:
            push(start, i)
            start = i = i + 1
            continue
        if ch in _CJK_STOPS or ch in _WEST_STOPS:
            j = i + 1
            while j < n and (text[j] in _CJK_STOPS or text[j] in _WEST_STOPS):
                j += 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            cjk = any(c in _CJK_STOPS for c in text[i:j])
            if (cjk or j == n or text[j].isspace()) and j not in inside:
                push(start, j)
                start = i = j
                continue
            i = j
            continue
        i += 1
    push(start, n)
    return spans


def chunk_span(text: str, start: int, end: int, measure, max_tokens: int, keep_whole=()) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces with ``measure(s, e) <= max_tokens``.

    Cuts go after commas/colons/spaces first; a piece with no such cut that still does not fit is
    cut between characters. No cut falls inside a ``keep_whole`` span. Pieces keep their order and
    together cover every non-space character of the input exactly once.
    """
    if measure(start, end) <= max_tokens:
        return [(start, end)]
    blocked = set()
    for s, e in keep_whole:
        blocked.update(range(s + 1, e))
    soft = [p for p in range(start + 1, end) if text[p - 1] in _SOFT_BREAKS and p not in blocked]
    hard = [p for p in range(start + 1, end) if p not in blocked]
    pieces, cur = [], start
    while cur < end:
        if measure(cur, end) <= max_tokens:
            pieces.append((cur, end))
            break
        cut = _farthest_fit([p for p in soft if p > cur], cur, measure, max_tokens)
        if cut is None:
            cut = _farthest_fit([p for p in hard if p > cur], cur, measure, max_tokens)
        if cut is None:  # a single unbreakable term longer than the limit: keep it whole
            cut = next((p for p in hard if p > cur), end)
        pieces.append((cur, cut))
        cur = cut
    return trim_spans(text, pieces)  # trim spaces at the cut points


def _farthest_fit(cuts, cur, measure, limit):
    lo, hi, best = 0, len(cuts) - 1, None
    while lo <= hi:  # token counts grow with length: binary search the farthest cut that fits
        mid = (lo + hi) // 2
        if measure(cur, cuts[mid]) <= limit:
            best, lo = cuts[mid], mid + 1
        else:
            hi = mid - 1
    return best
