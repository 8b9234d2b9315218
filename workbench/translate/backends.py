"""Translation backends: the :class:`Translator` interface, MarianMT (``generate`` in length-sorted
batches), a wrapper for any function, and the clearly labelled offline stand-in (a translation memory
of the project's sample sentences plus a literal dictionary -- not machine translation)."""
from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..text import length_batches
from .glossary import Glossary, find_word, is_ascii_alnum, load_glossary
from .samples import load_samples

if TYPE_CHECKING:
    from .pipeline import Translation

MARIAN_ZH_EN = "Helsinki-NLP/opus-mt-zh-en"
STANDIN_LABEL = "stand-in, not machine translation"
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")


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

    def __call__(self, texts, **kwargs) -> list[Translation]:
        from .pipeline import translate

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
    def from_pretrained(cls, source: str | Path = MARIAN_ZH_EN, device: str = "auto", fp16: bool = False,
                        **kwargs) -> "MarianTranslator":
        """Load from a hub id or a folder saved with :meth:`save` (no download is attempted offline).

        ``device="auto"`` puts the model on the GPU when CUDA is available, else on the CPU;
        ``"cpu"``/``"cuda"``/``"cuda:1"`` choose one (``"cuda"`` without CUDA is an error); ``fp16`` (CUDA only)
        halves the weights -- the one device rule of ``wb.models.resolve_device`` / ``to_device``.
        """
        from ..models import resolve_device, to_device

        device = resolve_device(device)  # a wrong device fails before any weights are read

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
        model = to_device(model, device, fp16=fp16)
        return cls(model, tokenizer, name=kwargs.pop("name", f"MarianMT {source}"), **kwargs)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text).input_ids)

    def translate_batch(self, sentences: list[str]) -> list[str]:
        import torch

        out = [""] * len(sentences)
        device = next(self.model.parameters()).device  # inputs go where the model is
        positions = int(getattr(self.model.config, "max_position_embeddings", 512))
        for idx in length_batches([len(s) for s in sentences], self.batch_size, longest_first=True):
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
        from ..models import save_model

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
        elif is_ascii_alnum(ch):
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
        hit = find_word(e, english, ignore_case=(kind == "term"), skip=claimed)
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


_warned_standin = False


def load_translator(name: str | Path = "auto", device: str = "auto", **kwargs) -> Translator:
    """The translator to use: ``"auto"`` (MarianMT when the hub or local cache has it, else the
    stand-in, with a banner), ``"standin"``, ``"opus-mt-zh-en"``/a hub id, or a saved folder.

    Offline, a hub id that is not cached fails at once with the fix -- no download is attempted.
    ``device`` is where MarianMT runs (see :meth:`MarianTranslator.from_pretrained`).
    """
    from ..models import ModelUnavailableError, hub_reachable, in_hf_cache

    global _warned_standin
    name = str(name)
    if name in ("standin", "stand-in"):
        return StandInTranslator(**kwargs)
    if Path(name).expanduser().is_dir():
        return MarianTranslator.from_pretrained(Path(name).expanduser(), device=device, **kwargs)
    hub_id = MARIAN_ZH_EN if name in ("auto", "opus-mt-zh-en", "marian") else name
    if in_hf_cache(hub_id) or hub_reachable():
        try:
            return MarianTranslator.from_pretrained(hub_id, device=device, **kwargs)
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

