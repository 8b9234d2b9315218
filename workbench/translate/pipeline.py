"""The pipeline: sentences -> glossary placeholders -> one batched translation call -> terms restored
and reported; then English NER/RE on the translation, projected back onto the Chinese source."""
from __future__ import annotations

import unicodedata
import warnings
from dataclasses import dataclass, field

from ..text import chunk_span, split_chinese_sentences
from .backends import _PUNCT, STANDIN_LABEL, FunctionTranslator, Translator, load_translator
from .glossary import PLACEHOLDER_RE, GLOSSARY_FILE, as_glossary, restore, with_placeholders
from .projection import project_record, project_entity

STATUSES = ("protected", "enforced", "matched", "missed")


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
    glossary = as_glossary(glossary)
    texts = list(texts)
    items, plans = [], []
    for t, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{t}] must be a str, got {type(text).__name__}")
        matches = glossary.find(text) if glossary else []
        spans = [(m.start, m.end) for m in matches]
        plan = []
        for s, e in split_chinese_sentences(text, keep_whole=spans):
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
    if mode == "enforce" or PLACEHOLDER_RE.search(text, a, b):  # a lookalike in the source: no placeholders
        return text[a:b], inside, "enforce"
    return with_placeholders(text, inside, a, b), inside, mode


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


# ---------------------------------------------------------------- chaining: translate, then NER/RE


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


def translate_then_extract(texts_zh, translator: Translator | None = None, ner=None, relations=None,
                           glossary=GLOSSARY_FILE, mode: str = "placeholder", **deprecated) -> list[CrossLingualResult]:
    """Translate Chinese texts, run English NER (and RE) on the translations, project entities back.

    ``ner(texts) -> [[{start, end, label, ...}, ...], ...]`` may be any callable
    (``wb.ner.sample_tagger()``, a :class:`DictionaryTagger`, ...); ``relations(texts)`` returns one
    record list per text or flat records with ``doc`` (as ``wb.relations.extract_relations`` does).
    Records with ``head``/``tail`` entity dicts get the same projection. (``re=`` is the old,
    deprecated name of ``relations=``.) Taught in 06_cross_lingual_chaining.
    """
    relations = _deprecated_re(relations, deprecated)
    translations = translate(texts_zh, translator=translator, glossary=glossary, mode=mode)
    english = [t.text for t in translations]
    entity_lists = [[] for _ in english]
    if ner is not None:
        entity_lists = list(ner(english))
        if len(entity_lists) != len(english):
            raise ValueError(f"ner returned {len(entity_lists)} entity lists for {len(english)} texts")
    relation_lists = [None] * len(english)
    if relations is not None:
        relation_lists = _per_text(list(relations(english)), len(english))
    tagger = getattr(ner, "name", None) or getattr(ner, "__name__", None) or type(ner).__name__ if ner else ""
    results = []
    for tr, ents, rels in zip(translations, entity_lists, relation_lists):
        projected = [project_entity(tr, e) for e in ents]
        if rels is not None:
            rels = [project_record(tr, r) for r in rels]
        results.append(CrossLingualResult(tr, projected, rels, str(tagger)))
    return results


def _deprecated_re(relations, deprecated: dict):
    """``relations`` or the value of the deprecated keyword ``re=``; any other keyword is an error."""
    unknown = set(deprecated) - {"re"}
    if unknown:
        raise TypeError(f"translate_then_extract() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    if "re" not in deprecated:
        return relations
    if relations is not None:
        raise TypeError("translate_then_extract(): pass relations= only (re= is its deprecated old name)")
    warnings.warn("translate_then_extract(re=...) is deprecated; use relations=...", DeprecationWarning, stacklevel=3)
    return deprecated["re"]


def _per_text(records: list, n: int) -> list[list]:
    """RE output as one list per text: either already that, or flat records carrying ``doc`` (their text's index)."""
    if records and all(isinstance(r, dict) for r in records):
        if not all(isinstance(r.get("doc"), int) and 0 <= r["doc"] < n for r in records):
            raise ValueError("relations returned flat records: each needs 'doc', the index of its text")
        grouped = [[] for _ in range(n)]
        for r in records:
            grouped[r["doc"]].append(r)
        return grouped
    if not records and n:
        return [[] for _ in range(n)]
    if len(records) != n:
        raise ValueError(f"relations returned {len(records)} record lists for {n} texts")
    return records


# ---------------------------------------------------------------- looking at results


def format_parallel(result: CrossLingualResult, title: str | None = None) -> str:
    """HTML: Chinese source and English translation side by side, entities highlighted in both.

    Entities that could not be projected are listed under the table, never placed by guess.
    """
    import html

    from ..viz import format_spans, label_colors

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
    from ..viz import show_html

    show_html(format_parallel(result, title),
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
