"""Cross-lingual chaining: Chinese biomedical text -> English -> NER/RE, domain terms kept exact.

Taught in 06_cross_lingual_chaining.

The pipeline, one pure step at a time:

1. :func:`split_sentences` cuts the Chinese text on 。！？； (and . ! ? ; before a space), keeping
   character offsets; :func:`chunk_span` cuts a sentence that is too long for the model.
2. :class:`Glossary` finds the user's domain terms (longest match first) and :func:`protect`
   replaces them with placeholders (``ZXQ0``, ``ZXQ1``...) that the model should copy.
3. A :class:`Translator` turns the sentences into English in batches: :class:`MarianTranslator`
   (``Helsinki-NLP/opus-mt-zh-en`` with ``AutoModelForSeq2SeqLM.generate``; transformers 5 has no
   translation pipeline) when the hub can be reached, else the clearly labelled
   :class:`StandInTranslator` -- a translation memory of the project's sample sentences plus a
   literal dictionary. It is *not* machine translation and every result says so.
4. :func:`translate` restores the placeholders as the glossary English, enforces terms the model
   copied untranslated, and reports every term as protected / enforced / matched / missed.
5. :func:`translate_then_extract` runs any English NER (and RE) callable on the translation and
   projects each entity back onto the Chinese source -- through a glossary term or a verbatim
   string such as ``BRCA1`` -- or marks it ``projection="none"``: a span is never guessed.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .data import DATA_DIR, DataFormatError
from .taggers import DictionaryTagger
from .text import trim_spans

GLOSSARY_FILE = DATA_DIR / "glossary_zh_en.tsv"
SAMPLES_FILE = DATA_DIR / "zh" / "samples.tsv"
MARIAN_ZH_EN = "Helsinki-NLP/opus-mt-zh-en"
STANDIN_LABEL = "stand-in, not machine translation"
PLACEHOLDER = "ZXQ{}"
"""Placeholder for the k-th glossary term of a sentence: rare Latin letters + a number, the kind of
string (like a gene symbol) a zh->en model copies. Found again case- and space-insensitively."""
_PLACEHOLDER_RE = re.compile(r"Z\s?X\s?Q\s?(\d+)", re.IGNORECASE)
STATUSES = ("protected", "enforced", "matched", "missed")

# ---------------------------------------------------------------- text: folding, sentences, chunks

_CJK_STOPS = "。！？；…．"
_WEST_STOPS = ".!?;"
_CLOSERS = "”’」』）)]】》\"'"
_SOFT_BREAKS = "，,、：:；; \t"
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def fold(text: str) -> tuple[str, list[int]]:
    """Width-fold ``text`` character by character (NFKC: ``５``->``5``, ``（``->``(``).

    Returns the folded text and, for each folded character, the index of the original character
    it came from -- so a match found in the folded text maps back to exact source offsets.
    """
    out, index = [], []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch) or ch
        out.append(norm)
        index.extend([i] * len(norm))
    return "".join(out), index


def split_sentences(text: str, keep_whole=()) -> list[tuple[int, int]]:
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


# ---------------------------------------------------------------- glossary


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
            self.terms[key] = GlossaryTerm(term.zh, term.en.strip(), term.label or None)
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
                    if (_is_ascii_alnum(folded[i]) and i > 0 and _is_ascii_alnum(folded[i - 1])) or (
                            _is_ascii_alnum(folded[j - 1]) and j < n and _is_ascii_alnum(folded[j])):
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
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
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
            seen[key] = (en, lineno)
            terms.append(GlossaryTerm(zh, en, label or None))
    return Glossary(terms, source=path.name)


def _as_glossary(glossary) -> Glossary | None:
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
    parts, pos = [], 0
    for k, m in enumerate(matches):
        parts += [text[pos:m.start], PLACEHOLDER.format(k)]
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts), matches


# ---------------------------------------------------------------- translators


class Translator:
    """Interface: ``translate_batch(sentences) -> translations`` plus what :func:`translate` needs.

    ``max_tokens``/``count_tokens`` let :func:`translate` chunk inputs that are too long;
    ``note(sentence)`` may say how one sentence was produced (the stand-in uses it).
    """

    name = "translator"
    is_standin = False
    max_tokens: int | None = None

    def count_tokens(self, text: str) -> int:
        return len(text)

    def translate_batch(self, sentences: list[str]) -> list[str]:
        raise NotImplementedError

    def note(self, sentence: str) -> str | None:
        return None

    def __call__(self, texts, **kwargs) -> list["Translation"]:
        return translate(texts, translator=self, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name}>"


class FunctionTranslator(Translator):
    """Wrap any ``fn(list[str]) -> list[str]`` (an API client, a test double) as a :class:`Translator`."""

    def __init__(self, fn, name: str = "custom translator", max_tokens: int | None = None, count_tokens=None,
                 is_standin: bool = False):
        self.fn, self.name, self.max_tokens, self.is_standin = fn, name, max_tokens, is_standin
        if count_tokens is not None:
            self.count_tokens = count_tokens

    def translate_batch(self, sentences):
        return list(self.fn(list(sentences)))


class MarianTranslator(Translator):
    """A MarianMT model (default ``Helsinki-NLP/opus-mt-zh-en``) with ``generate``, in length-sorted batches."""

    def __init__(self, model, tokenizer, name: str | None = None, batch_size: int = 8, max_tokens: int | None = None,
                 **generate_kwargs):
        self.model, self.tokenizer = model.eval(), tokenizer
        self.name = name or f"MarianMT {getattr(model.config, '_name_or_path', '') or 'model'}"
        self.batch_size = int(batch_size)
        limit = min(int(getattr(tokenizer, "model_max_length", 512) or 512),
                    int(getattr(model.config, "max_position_embeddings", 512)))
        self.max_tokens = max_tokens or limit
        self.generate_kwargs = generate_kwargs
        self.calls = 0  # generate() calls so far (tests and benchmarks read it)

    @classmethod
    def from_pretrained(cls, source: str | Path = MARIAN_ZH_EN, **kwargs) -> "MarianTranslator":
        """Load from a hub id or a folder saved with :meth:`save` (no download is attempted offline)."""
        import warnings

        import transformers
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        previous = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*sacremoses.*")
                tokenizer = AutoTokenizer.from_pretrained(str(source))
                model = AutoModelForSeq2SeqLM.from_pretrained(str(source))
        finally:
            transformers.logging.set_verbosity(previous)
        return cls(model, tokenizer, name=kwargs.pop("name", f"MarianMT {source}"), **kwargs)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text).input_ids)

    def translate_batch(self, sentences: list[str]) -> list[str]:
        import torch

        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        out = [""] * len(sentences)
        device = next(self.model.parameters()).device
        positions = int(getattr(self.model.config, "max_position_embeddings", 512))
        for b in range(0, len(order), self.batch_size):
            idx = order[b:b + self.batch_size]
            enc = self.tokenizer([sentences[i] for i in idx], return_tensors="pt", padding=True,
                                 truncation=True, max_length=self.max_tokens).to(device)
            kwargs = {"max_new_tokens": min(positions - 1, 2 * enc["input_ids"].shape[1] + 10), **self.generate_kwargs}
            with torch.inference_mode():
                generated = self.model.generate(**enc, **kwargs)
            self.calls += 1
            for i, text in zip(idx, self.tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[i] = text.strip()
        return out

    def save(self, out_dir: str | Path) -> Path:
        """Save model + tokenizer; reload with ``load_translator(out_dir)``."""
        from .models import save_model

        return save_model(self.model, self.tokenizer, out_dir, task="translation", translator=self.name)


# Literal word glosses of the stand-in: what a general-language dictionary gives, word by word.
# Deliberately NOT domain terms -- 肿瘤抑制因子 comes out as "tumour inhibit factor", drug names stay Chinese.
_LITERAL = {
    "肿瘤": "tumour", "抑制": "inhibit", "因子": "factor", "基因": "gene", "乳腺": "mammary gland",
    "癌": "cancer", "卵巢": "ovary", "肺": "lung", "非": "non", "小": "small", "细胞": "cell", "肝": "liver",
    "肾": "kidney", "耳": "ear", "毒性": "toxicity", "型": "type", "糖尿病": "diabetes", "病": "disease",
    "表皮": "epidermis", "生长": "growth", "受体": "receptor", "蛋白": "protein", "淀粉样": "starch-like",
    "损伤": "injury", "修复": "repair", "耐药": "drug-resistant", "化疗": "chemotherapy", "无": "no",
    "进展": "progress", "生存期": "survival period", "总": "total", "治疗": "treatment", "患者": "patient",
    "药物": "drug", "风险": "risk", "突变": "mutation", "血管": "blood vessel", "内皮": "endothelium",
    "坏死": "necrosis", "雌激素": "estrogen", "凋亡": "withering", "白血病": "leukemia", "高血压": "high blood pressure",
}
_PUNCT = {"。": ".", "、": ",", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'", "《": '"', "》": '"',
          "【": "[", "】": "]", "「": '"', "」": '"'}


def gloss(text: str, lexicon: dict | None = None) -> str:
    """Word-by-word literal gloss (longest dictionary match); unknown Chinese is left as it is."""
    lexicon = _LITERAL if lexicon is None else lexicon
    longest = max(map(len, lexicon), default=1)
    text = unicodedata.normalize("NFKC", text)
    tokens: list[tuple[str, str]] = []  # (kind, text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif _is_ascii_alnum(ch):
            m = _ASCII_WORD.match(text, i)
            tokens.append(("word", m.group()))
            i = m.end()
        elif ch.isalnum():
            for length in range(min(longest, n - i), 0, -1):
                if text[i:i + length] in lexicon:
                    tokens.append(("word", lexicon[text[i:i + length]]))
                    i += length
                    break
            else:
                if tokens and tokens[-1][0] == "unknown":
                    tokens[-1] = ("unknown", tokens[-1][1] + ch)
                else:
                    tokens.append(("unknown", ch))
                i += 1
        else:
            tokens.append(("punct", _PUNCT.get(ch, ch)))
            i += 1
    out = ""
    for kind, tok in tokens:
        glue = kind == "punct" and tok in ",.;:!?)]%" or out.endswith(("(", "["))
        out += tok if (not out or glue) else " " + tok
    return out


@dataclass
class _Template:
    regex: re.Pattern
    slots: list[tuple[str, bool]]  # (kind "term"/"copy", capitalised in the reference)
    parts: list  # English: literal strings and slot indexes
    literal: int  # literal Chinese characters (more = more specific)


class StandInTranslator(Translator):
    """Offline stand-in, NOT machine translation: a translation memory of the project's sample sentences.

    Each sample becomes a template whose glossary terms and Latin strings (BRCA1, 120, P) are slots:
    a sentence matching a template gets its reference English with the slots filled -- placeholders
    and Latin strings are copied, other Chinese is glossed word by word with a literal dictionary.
    A sentence matching no template is glossed word by word. Taught in 06_cross_lingual_chaining.
    """

    name = f"StandInTranslator: sample-sentence memory + literal dictionary ({STANDIN_LABEL})"
    is_standin = True

    def __init__(self, samples: list[dict] | None = None, glossary: Glossary | None = None, lexicon: dict | None = None):
        samples = load_samples() if samples is None else samples
        glossary = load_glossary() if glossary is None else glossary
        self.lexicon = _LITERAL if lexicon is None else lexicon
        self.templates = sorted((_make_template(s["zh"], s["en"], glossary) for s in samples),
                                key=lambda t: -t.literal)

    def _match(self, sentence: str):
        norm = unicodedata.normalize("NFKC", sentence).strip()
        for tmpl in self.templates:
            m = tmpl.regex.fullmatch(norm)
            if m:
                return tmpl, m.groups()
        return None, None

    def translate_one(self, sentence: str) -> str:
        tmpl, fillers = self._match(sentence)
        if tmpl is None:
            return gloss(sentence, self.lexicon)
        out = []
        for part in tmpl.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            filler = fillers[part].strip()
            text = filler if _ASCII_WORD.fullmatch(filler) else gloss(filler, self.lexicon)
            if tmpl.slots[part][1] and text[:1].islower():
                text = text[0].upper() + text[1:]
            out.append(text)
        return "".join(out)

    def translate_batch(self, sentences):
        return [self.translate_one(s) for s in sentences]

    def note(self, sentence: str) -> str:
        tmpl, _ = self._match(sentence)
        return ("stand-in: sentence found in the sample memory" if tmpl is not None
                else "stand-in: not in the sample memory, word-by-word gloss")


def _make_template(zh: str, en: str, glossary: Glossary) -> _Template:
    """Template of one sample pair: glossary terms and Latin strings become slots on both sides."""
    z, e = unicodedata.normalize("NFKC", zh).strip(), en.strip()
    slots = [(m.start, m.end, "term", m.term.en) for m in glossary.find(z)]
    taken = [(s, t) for s, t, *_ in slots]
    for m in _ASCII_WORD.finditer(z):
        if not any(s < m.end() and m.start() < t for s, t in taken):
            slots.append((m.start(), m.end(), "copy", m.group()))
    slots.sort()
    claimed, where = [], []
    for s, t, kind, english in slots:
        hit = _find_word(e, english, ignore_case=(kind == "term"), skip=claimed)
        if hit is None:
            raise ValueError(f"sample {zh!r}: {english!r} (for {z[s:t]!r}) is not in the reference {en!r}")
        claimed.append(hit)
        where.append(hit)
    pattern, pos = "", 0
    for s, t, kind, _ in slots:
        pattern += re.escape(z[pos:s]) + (r"(.+?)" if kind == "term" else r"([A-Za-z0-9][A-Za-z0-9.\-]*)")
        pos = t
    pattern += re.escape(z[pos:])
    parts, pos = [], 0
    for k in sorted(range(len(slots)), key=lambda k: where[k][0]):
        parts += [e[pos:where[k][0]], k]
        pos = where[k][1]
    parts.append(e[pos:])
    caps = [slots[k][2] == "term" and e[where[k][0]].isupper() and not slots[k][3][0].isupper()
            for k in range(len(slots))]
    literal = len(z) - sum(t - s for s, t, *_ in slots)
    return _Template(re.compile(pattern), [(slots[k][2], caps[k]) for k in range(len(slots))],
                     [p for p in parts if p != ""], literal)


def _find_word(text: str, word: str, ignore_case: bool = True, skip=(), start: int = 0):
    """First ``(start, end)`` of ``word`` in ``text`` at Latin word boundaries, not overlapping ``skip``."""
    hay, needle = (text.lower(), word.lower()) if ignore_case else (text, word)
    i = hay.find(needle, start)
    while i >= 0 and needle:
        j = i + len(needle)
        boundary = not (i > 0 and _is_ascii_alnum(text[i - 1]) and _is_ascii_alnum(text[i])) and not (
            j < len(text) and _is_ascii_alnum(text[j]) and _is_ascii_alnum(text[j - 1]))
        if boundary and not any(s < j and i < e for s, e in skip):
            return i, j
        i = hay.find(needle, i + 1)
    return None


_warned_standin = False


def load_translator(name: str | Path = "auto", **kwargs) -> Translator:
    """The translator to use: ``"auto"`` (MarianMT when the hub or local cache has it, else the
    stand-in, with a banner), ``"standin"``, ``"opus-mt-zh-en"``/a hub id, or a saved folder.

    Offline, a hub id that is not cached fails at once with the fix -- no download is attempted.
    """
    from .models import ModelUnavailableError, _in_hf_cache, hub_reachable

    global _warned_standin
    name = str(name)
    if name in ("standin", "stand-in"):
        return StandInTranslator(**kwargs)
    if Path(name).expanduser().is_dir():
        return MarianTranslator.from_pretrained(Path(name).expanduser(), **kwargs)
    hub_id = MARIAN_ZH_EN if name in ("auto", "opus-mt-zh-en", "marian") else name
    if _in_hf_cache(hub_id) or hub_reachable():
        try:
            return MarianTranslator.from_pretrained(hub_id, **kwargs)
        except OSError as err:
            if name != "auto":
                raise
            why = f"loading it failed ({err.__class__.__name__})"
    else:
        if name != "auto":
            raise ModelUnavailableError(
                f"cannot load translation model {hub_id!r}: the Hugging Face hub cannot be reached and it is "
                "not in the local cache. Connect to the internet (e.g. Colab), pass a saved folder, or use "
                "load_translator('standin') for the labelled offline stand-in.")
        why = "the Hugging Face hub cannot be reached"
    if not _warned_standin:
        _warned_standin = True
        print(f"\n{'!' * 78}\n  STAND-IN TRANSLATOR: {MARIAN_ZH_EN} is not available ({why}).\n"
              f"  Using the project's sample-sentence memory + a literal dictionary: {STANDIN_LABEL}.\n"
              f"  With a network (e.g. Colab) the MarianMT model loads.\n{'!' * 78}", file=sys.stderr)
    return StandInTranslator()


# ---------------------------------------------------------------- translate with glossary protection


@dataclass
class Translation:
    """One translated text. ``segments`` align source and translation sentence by sentence;
    ``terms`` say what happened to each glossary term (``status`` in :data:`STATUSES`)."""

    source: str
    text: str
    segments: list[dict] = field(default_factory=list)
    terms: list[dict] = field(default_factory=list)
    backend: str = ""
    is_standin: bool = False
    mode: str = "placeholder"

    def counts(self) -> dict[str, int]:
        """How many terms were protected / enforced / matched / missed."""
        return {s: sum(t["status"] == s for t in self.terms) for s in STATUSES}

    def to_dict(self) -> dict:
        return {"source": self.source, "translation": self.text, "backend": self.backend,
                "standin": self.is_standin, "mode": self.mode, "terms": self.terms, "segments": self.segments}

    def __repr__(self) -> str:
        tag = f" [{STANDIN_LABEL}]" if self.is_standin else ""
        return f"Translation({self.text!r}{tag}, terms={self.counts()})"


def translate(texts, translator: Translator | None = None, glossary=GLOSSARY_FILE,
              mode: str = "placeholder") -> list[Translation]:
    """Translate Chinese ``texts`` sentence by sentence with glossary terms kept exact.

    ``mode="placeholder"``: terms become placeholders before translation and are restored as the
    glossary English after it; ``mode="enforce"``: the text goes in unchanged and terms are checked
    (and, where the model copied the Chinese term, replaced) after translation. ``glossary=None``
    translates without one. Every term is reported: protected / enforced / matched / missed.
    A sentence that already contains a placeholder-like string (``ZXQ1``) is handled in enforce mode.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings; wrap a single text as [text]")
    if mode not in ("placeholder", "enforce"):
        raise ValueError(f"mode must be 'placeholder' or 'enforce', got {mode!r}")
    if translator is None:
        translator = load_translator()
    elif not isinstance(translator, Translator):
        if not callable(translator):
            raise TypeError(f"translator must be a Translator or a callable list[str] -> list[str], got "
                            f"{type(translator).__name__}")
        translator = FunctionTranslator(translator, name=getattr(translator, "__name__", "custom translator"))
    glossary = _as_glossary(glossary)
    texts = list(texts)
    items, plans = [], []
    for t, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{t}] must be a str, got {type(text).__name__}")
        matches = glossary.find(text) if glossary else []
        spans = [(m.start, m.end) for m in matches]
        plan = []
        for s, e in split_sentences(text, keep_whole=spans):
            if not any(ch.isalnum() for ch in text[s:e]):
                plan.append((s, e, None))  # punctuation only: copied, not translated
                continue
            chunks = [(s, e)]
            if translator.max_tokens:
                def measure(a, b, _m=matches):
                    return translator.count_tokens(_source_for(text, a, b, _m, mode)[0])
                chunks = chunk_span(text, s, e, measure, translator.max_tokens, keep_whole=spans)
            ids = []
            for a, b in chunks:
                src, inside, chunk_mode = _source_for(text, a, b, matches, mode)
                ids.append(len(items))
                items.append((src, inside, a == s, chunk_mode))
            plan.append((s, e, ids))
        plans.append(plan)
    outputs = translator.translate_batch([item[0] for item in items]) if items else []
    if len(outputs) != len(items):
        raise RuntimeError(f"{translator.name} returned {len(outputs)} translations for {len(items)} inputs")
    results = []
    for t, plan in enumerate(plans):
        results.append(_assemble(texts[t], plan, items, outputs, translator, mode))
    return results


def _source_for(text, a, b, matches, mode):
    """What the model receives for ``text[a:b]``, its glossary terms, and the mode actually used."""
    inside = [m for m in matches if a <= m.start and m.end <= b]
    if mode == "enforce" or _PLACEHOLDER_RE.search(text, a, b):  # a lookalike in the source: no placeholders
        return text[a:b], inside, "enforce"
    parts, pos = [], a
    for k, m in enumerate(inside):
        parts += [text[pos:m.start], PLACEHOLDER.format(k)]
        pos = m.end
    parts.append(text[pos:b])
    return "".join(parts), inside, mode


def _assemble(source, plan, items, outputs, translator, mode) -> Translation:
    en, segments, terms = "", [], []
    prev_end = None
    for s, e, ids in plan:
        if en:
            en += "\n" if "\n" in source[prev_end:s] else " "
        seg_start = len(en)
        if ids is None:
            piece, hits, note = unicodedata.normalize("NFKC", "".join(_PUNCT.get(c, c) for c in source[s:e])), [], "copied"
        else:
            piece, hits = "", []
            for k in ids:
                src, inside, first, chunk_mode = items[k]
                out, chunk_hits = restore(outputs[k], inside, mode=chunk_mode, sentence_start=first)
                if piece and out:
                    piece += " "
                hits += [dict(h, zh=source[h["zh_start"]:h["zh_end"]], en_start=h["en_start"] + len(piece) if h["en_start"] is not None else None,
                              en_end=h["en_end"] + len(piece) if h["en_end"] is not None else None) for h in chunk_hits]
                piece += out
            note = translator.note(items[ids[0]][0]) if len(ids) == 1 else f"{len(ids)} chunks"
        en += piece
        for h in hits:
            if h["en_start"] is not None:
                h["en_start"] += seg_start
                h["en_end"] += seg_start
        terms += hits
        segments.append({"zh_start": s, "zh_end": e, "en_start": seg_start, "en_end": len(en),
                         "chunks": len(ids or ()), "note": note})
        prev_end = e
    return Translation(source, en, segments, terms, backend=translator.name, is_standin=translator.is_standin,
                       mode=mode)


def restore(output: str, terms: list[TermMatch], mode: str = "placeholder", sentence_start: bool = True):
    """Put the glossary English back into one translated chunk; returns ``(text, term reports)``.

    Placeholders (``ZXQ0``, also ``zxq 0``) become their term (protected); a Chinese term the model
    copied is replaced (enforced); an English term already present is recorded (matched); anything
    else is reported missed. A term opening the sentence is capitalised unless it looks like a
    symbol (``p53``, ``mRNA``).
    """
    edits = []  # (start, end, term index, status)
    if mode == "placeholder":
        for m in _PLACEHOLDER_RE.finditer(output):
            k = int(m.group(1))
            if k < len(terms):
                edits.append((m.start(), m.end(), k, "protected"))
    done = {k for _, _, k, _ in edits}
    for k, tm in enumerate(terms):
        if k in done:
            continue
        for variant in dict.fromkeys((tm.term.zh, unicodedata.normalize("NFKC", tm.term.zh))):
            hit = _find_word(output, variant, ignore_case=False, skip=[(a, b) for a, b, *_ in edits])
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
        if text and _is_ascii_alnum(text[-1]):
            text += " "  # placeholders glued together (Chinese has no spaces) must not glue the terms
        spans.setdefault(k, (len(text), len(text) + len(english), status, english))
        text += english
        if b < len(output) and _is_ascii_alnum(output[b]):
            text += " "
        pos = b
    text += output[pos:]
    reports, claimed = [], [v[:2] for v in spans.values()]
    for k, tm in enumerate(terms):
        if k in spans:
            start, end, status, english = spans[k]
        else:
            hit = _find_word(text, tm.term.en, ignore_case=True, skip=claimed)
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


# ---------------------------------------------------------------- chaining: translate, then NER/RE


def glossary_tagger(glossary=GLOSSARY_FILE) -> DictionaryTagger:
    """:class:`DictionaryTagger` over the glossary's typed terms (Disease, Chemical, Gene)."""
    return _as_glossary(glossary).tagger()


@dataclass
class CrossLingualResult:
    """A translation with English entities, each projected onto the Chinese source where possible."""

    translation: Translation
    entities: list[dict]
    relations: object = None
    tagger: str = ""

    @property
    def source(self) -> str:
        return self.translation.source

    @property
    def text(self) -> str:
        return self.translation.text

    def zh_entities(self) -> list[dict]:
        """Projected entities as spans on the Chinese source (unprojectable ones left out)."""
        return [{"start": e["zh_span"][0], "end": e["zh_span"][1], "label": e["label"], "text": e["zh_text"],
                 "score": e.get("score")} for e in self.entities if e["zh_span"] is not None]

    def to_dict(self) -> dict:
        out = self.translation.to_dict()
        out.update(entities=[dict(e, zh_span=list(e["zh_span"]) if e["zh_span"] else None) for e in self.entities],
                   tagger=self.tagger)
        if self.relations is not None:
            out["relations"] = self.relations
        return out

    def _repr_html_(self) -> str:
        return format_parallel(self)


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
        hit = _find_word(part, word, ignore_case=False, start=pos)
        if hit is None:
            return hits
        hits.append((lo + hit[0], lo + hit[1]))
        pos = hit[0] + 1


def translate_then_extract(texts_zh, translator: Translator | None = None, ner=None, re=None,
                           glossary=GLOSSARY_FILE, mode: str = "placeholder") -> list[CrossLingualResult]:
    """Translate Chinese texts, run English NER (and RE) on the translations, project entities back.

    ``ner(texts) -> [[{start, end, label, ...}, ...], ...]`` may be any callable
    (``wb.ner.sample_tagger()``, a :class:`DictionaryTagger`, ...); ``re(texts)`` returns one record
    list per text or flat records with ``doc`` (as ``wb.relations.extract_relations`` does). Records
    with ``head``/``tail`` entity dicts get the same projection. Taught in 06_cross_lingual_chaining.
    """
    translations = translate(texts_zh, translator=translator, glossary=glossary, mode=mode)
    english = [t.text for t in translations]
    entity_lists = [[] for _ in english]
    if ner is not None:
        entity_lists = list(ner(english))
        if len(entity_lists) != len(english):
            raise ValueError(f"ner returned {len(entity_lists)} entity lists for {len(english)} texts")
    relation_lists = [None] * len(english)
    if re is not None:
        relation_lists = _per_text(list(re(english)), len(english))
    tagger = getattr(ner, "name", None) or getattr(ner, "__name__", None) or type(ner).__name__ if ner else ""
    results = []
    for tr, ents, rels in zip(translations, entity_lists, relation_lists):
        projected = [project_entity(tr, e) for e in ents]
        if rels is not None:
            rels = [_project_record(tr, r) for r in rels]
        results.append(CrossLingualResult(tr, projected, rels, str(tagger)))
    return results


def _per_text(records: list, n: int) -> list[list]:
    """RE output as one list per text: either already that, or flat records carrying ``doc`` (their text's index)."""
    if records and all(isinstance(r, dict) for r in records):
        if not all(isinstance(r.get("doc"), int) and 0 <= r["doc"] < n for r in records):
            raise ValueError("re returned flat records: each needs 'doc', the index of its text")
        grouped = [[] for _ in range(n)]
        for r in records:
            grouped[r["doc"]].append(r)
        return grouped
    if not records and n:
        return [[] for _ in range(n)]
    if len(records) != n:
        raise ValueError(f"re returned {len(records)} record lists for {n} texts")
    return records


def _project_record(translation, record):
    if not isinstance(record, dict):
        return record
    out = dict(record)
    for key in ("head", "tail"):
        ent = record.get(key)
        if isinstance(ent, dict) and "start" in ent and "end" in ent:
            out[key] = project_entity(translation, ent)
    return out


# ---------------------------------------------------------------- looking at results


def format_parallel(result: CrossLingualResult, title: str | None = None) -> str:
    """HTML: Chinese source and English translation side by side, entities highlighted in both.

    Entities that could not be projected are listed under the table, never placed by guess.
    """
    import html

    from .viz import format_spans, label_colors

    colors = label_colors(e["label"] for e in result.entities)
    left = format_spans(result.source, result.zh_entities(), colors=colors, title="Chinese source (projected)")
    right = format_spans(result.text, result.entities, colors=colors,
                         title="English" + (f" — {STANDIN_LABEL}" if result.translation.is_standin else ""))
    lost = [e for e in result.entities if e["zh_span"] is None]
    foot = ("<div style='font-size:0.85em'>not projected onto the source: "
            + ", ".join(html.escape(f"{e['text']} ({e['label']})") for e in lost) + "</div>") if lost else ""
    head = f"<div style='font-weight:bold'>{html.escape(title)}</div>" if title else ""
    cell = "<td style='vertical-align:top;text-align:left;width:50%;padding:0.3em 1em'>{}</td>"
    return (f"<div class='wb-parallel'>{head}<table style='width:100%'><tr>{cell.format(left)}{cell.format(right)}"
            f"</tr></table>{foot}</div>")


def show_parallel(result: CrossLingualResult, title: str | None = None) -> None:
    """Display :func:`format_parallel` (plain text outside Jupyter)."""
    from .viz import _show_html

    _show_html(format_parallel(result, title),
               fallback=f"{result.source}\n{result.text}\n" + "\n".join(
                   f"  {e['text']} ({e['label']}) -> {e['zh_text']} [{e['projection']}]" for e in result.entities))


def entity_text_f1(predicted: list[list[dict]], reference: list[list[dict]]) -> dict:
    """Precision/recall/F1 of entities compared as ``(label, lower-cased text)`` per document.

    For comparing NER on two *different* texts of the same document (a machine translation and a
    reference translation), where character offsets cannot be compared.
    """
    from collections import Counter

    if len(predicted) != len(reference):
        raise ValueError(f"{len(predicted)} predicted documents but {len(reference)} reference documents")
    tp = fp = fn = 0
    for pred, ref in zip(predicted, reference):
        p = Counter((e["label"], e["text"].lower()) for e in pred)
        r = Counter((e["label"], e["text"].lower()) for e in ref)
        overlap = sum((p & r).values())
        tp, fp, fn = tp + overlap, fp + sum(p.values()) - overlap, fn + sum(r.values()) - overlap
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


# ---------------------------------------------------------------- project samples


@lru_cache(maxsize=4)
def _read_samples(path: str) -> tuple:
    rows = []
    with open(path, encoding="utf-8") as fh:
        lines = [(n, line.rstrip("\r\n")) for n, line in enumerate(fh, 1)]
    body = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not body or body[0][1].split("\t") != ["doc", "zh", "en"]:
        raise DataFormatError(f"{path}:{body[0][0] if body else 1}: expected the header 'doc<TAB>zh<TAB>en'")
    for n, line in body[1:]:
        cols = line.split("\t")
        if len(cols) != 3 or not all(c.strip() for c in cols):
            raise DataFormatError(f"{path}:{n}: expected 'doc<TAB>zh<TAB>en' with three non-empty fields, got {line!r}")
        rows.append({"doc": cols[0], "zh": cols[1], "en": cols[2], "line": n})
    return tuple(rows)


def load_samples(path: str | Path = SAMPLES_FILE) -> list[dict]:
    """The project's Chinese sample sentences: ``[{doc, zh, en, line}, ...]`` (en: reference English)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such sample file")
    return [dict(r) for r in _read_samples(str(path.resolve()))]


def load_abstracts(path: str | Path = SAMPLES_FILE) -> list[dict]:
    """Sample sentences grouped into abstracts: ``[{doc, zh, en}, ...]`` (Chinese joined without spaces)."""
    docs: dict[str, dict] = {}
    for row in load_samples(path):
        d = docs.setdefault(row["doc"], {"doc": row["doc"], "zh": [], "en": []})
        d["zh"].append(row["zh"])
        d["en"].append(row["en"])
    return [{"doc": d["doc"], "zh": "".join(d["zh"]), "en": " ".join(d["en"])} for d in docs.values()]
