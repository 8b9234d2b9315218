"""From raw text to relations: sentences -> NER -> typed candidate pairs -> marked inputs -> classifier."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

from ..text import split_sentences
from .classifier import RelationClassifier
from .marking import mark_pair

DEFAULT_PAIRS = (("Gene", "Disease"),)
# ---------------------------------------------------------------- from raw text to relations

def candidate_pairs(entities: Sequence[dict], pair_types=DEFAULT_PAIRS) -> list[tuple[dict, dict]]:
    """Typed candidate pairs ``(head, tail)`` among one sentence's entities, e.g. every Gene x Disease.

    Types compare case-insensitively; a mention never pairs with itself or with an overlapping one.
    """
    pairs = []
    for head_type, tail_type in pair_types:
        for h in entities:
            if h["label"].lower() != head_type.lower():
                continue
            for t in entities:
                if t is h or t["label"].lower() != tail_type.lower():
                    continue
                if h["start"] < t["end"] and t["start"] < h["end"]:
                    continue
                pairs.append((h, t))
    return pairs


def _entity(e: Mapping, offset: int, text: str) -> dict:
    start, end = int(e["start"]) + offset, int(e["end"]) + offset
    out = {"start": start, "end": end, "label": str(e["label"]), "text": text[start:end],
           "score": float(e.get("score", 1.0))}
    if "source" in e:
        out["source"] = e["source"]
    return out


def extract_relations(texts: str | Sequence[str], ner: Callable, classifier, pair_types=DEFAULT_PAIRS,
                      keep_negative: bool = False, min_score: float = 0.0) -> list[dict]:
    """Relations in raw ``texts``: sentences -> ``ner`` -> typed pairs -> marked inputs -> ``classifier``.

    * ``ner``: any callable ``ner(list_of_texts) -> [[{start, end, label, ...}, ...], ...]`` -- e.g.
      ``wb.ner.sample_tagger()``, a ``wb.taggers.DictionaryTagger``, or both via ``wb.taggers.combine_taggers``.
    * ``classifier``: a :class:`RelationClassifier`, a folder saved by one, or any callable
      ``classifier(marked_sentences) -> [{"label", "score"}]`` (its ``style`` attribute, default
      ``mask``, says how to mark pairs).
    * ``pair_types``: ``[(head_type, tail_type), ...]``; the head becomes E1, the tail E2.

    Returns one record per classified pair: ``doc``, ``head`` and ``tail`` (dicts with ``start``,
    ``end``, ``label``, ``text``, ``score``; character offsets into the original text), ``label``,
    ``score``, ``sentence`` (the evidence), ``sentence_start``, ``input`` (what the classifier saw).
    Pairs labelled negative are dropped unless ``keep_negative``. Taught in 05.
    """
    if isinstance(texts, str):
        texts = [texts]
    if not callable(ner):
        raise TypeError(f"ner must be a callable tagger (texts -> entity lists), got {type(ner).__name__}")
    if isinstance(classifier, (str, Path)):
        classifier = RelationClassifier.from_pretrained(classifier)
    if not callable(classifier):
        raise TypeError(f"classifier must be callable or a saved model folder, got {type(classifier).__name__}")
    style = getattr(classifier, "style", "mask")
    negative = getattr(classifier, "negative", None)
    sentences = [(d, s, e) for d, text in enumerate(texts) for s, e in split_sentences(text)]
    tagged = ner([texts[d][s:e] for d, s, e in sentences]) if sentences else []
    if len(tagged) != len(sentences):
        raise ValueError(f"ner returned {len(tagged)} entity lists for {len(sentences)} sentences")
    candidates = []
    for (d, s, e), ents in zip(sentences, tagged):
        sentence = texts[d][s:e]
        for h, t in candidate_pairs(list(ents), pair_types):
            head, tail = _entity(h, s, texts[d]), _entity(t, s, texts[d])
            marked = mark_pair(sentence, (h["start"], h["end"], h["label"]), (t["start"], t["end"], t["label"]), style)
            candidates.append({"doc": d, "head": head, "tail": tail, "sentence": sentence, "sentence_start": s,
                               "input": marked})
    predictions = classifier([c["input"] for c in candidates]) if candidates else []
    records = []
    for c, p in zip(candidates, predictions):
        if (p["label"] == negative and not keep_negative) or p["score"] < min_score:
            continue
        records.append({**c, "label": p["label"], "score": float(p["score"])})
    return records


def relations_table(records: Sequence[dict]):
    """Records from :func:`extract_relations` as a flat ``pandas.DataFrame`` (one row per pair)."""
    import pandas as pd

    rows = [{"doc": r["doc"], "head": r["head"]["text"], "head_type": r["head"]["label"],
             "head_start": r["head"]["start"], "head_end": r["head"]["end"], "tail": r["tail"]["text"],
             "tail_type": r["tail"]["label"], "tail_start": r["tail"]["start"], "tail_end": r["tail"]["end"],
             "label": r["label"], "score": round(r["score"], 3), "sentence": r["sentence"]} for r in records]
    return pd.DataFrame(rows, columns=["doc", "head", "head_type", "head_start", "head_end", "tail", "tail_type",
                                       "tail_start", "tail_end", "label", "score", "sentence"])
