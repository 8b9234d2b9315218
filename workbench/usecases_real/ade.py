"""The ADE corpus and the ADE pipeline measured: mentions located by text, a PubMed-ID split, the tagger's
and classifier's training data, and sentence / pair / entity scores."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..taggers import DictionaryTagger


ADE = "ade_half"
DRUG, EFFECT = "Chemical", "Disease"  # ADE drug and adverse-effect mentions, typed for the ADE pipeline
TAGGER_TYPES = {"bc5cdr_typed": ("Chemical", "Disease"), "bc2gm": ("Gene",), "ncbi_disease": ("Disease",),
                ADE: (DRUG, EFFECT)}


# ---------------------------------------------------------------- the ADE corpus


@dataclass
class ADESentence:
    """One ADE-corpus sentence: mentions as ``(start, end)`` in ``text``, annotated ``(drug, effect)`` pairs."""

    pmid: str
    text: str
    drugs: list[tuple[int, int]] = field(default_factory=list)
    effects: list[tuple[int, int]] = field(default_factory=list)
    pairs: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    unlocated: int = 0  # annotated mentions whose text is not in the sentence

    @property
    def has_ade(self) -> bool:
        return bool(self.pairs)


def locate(sentence: str, mention: str) -> tuple[int, int] | None:
    """Where ``mention`` is in ``sentence``: the first whole-word match (same case first, then any case),
    else the first substring match ignoring case; None when absent."""
    mention = mention.strip()
    if not mention:
        return None
    word = rf"(?<![\w]){re.escape(mention)}(?![\w])"
    for pattern, flags in ((word, 0), (word, re.IGNORECASE), (re.escape(mention), re.IGNORECASE)):
        m = re.search(pattern, sentence, flags)
        if m:
            return m.start(), m.end()
    return None


def read_ade(folder: str | Path | None = None) -> list[ADESentence]:
    """``DRUG-AE.rel`` (one row per relation) and ``ADE-NEG.txt`` as sentences, positive ones first.

    ``folder`` defaults to the shared ``ade_half`` (``wb.data.corpus_dir``; it cannot be downloaded).
    Rows of the same PubMed ID and sentence are merged; mentions are located in the sentence by text.
    Parsed once per folder (again when a file changes).
    """
    from ..data import corpus_dir

    folder = corpus_dir(ADE, folder, download=False)
    rel, neg = folder / "DRUG-AE.rel", folder / "ADE-NEG.txt"
    key = tuple((str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) for f in (rel, neg) if f.exists())
    if key not in _READ:
        _READ.clear()  # one corpus at a time is plenty
        _READ[key] = _parse_ade(rel, neg)
    return list(_READ[key])


_READ: dict[tuple, list[ADESentence]] = {}  # read_ade's last result, keyed by the files' paths, times and sizes


def _parse_ade(rel: Path, neg: Path) -> list[ADESentence]:
    from ..data import DataFormatError, read_data_text

    by_key: dict[tuple[str, str], ADESentence] = {}
    for lineno, line in enumerate(read_data_text(rel).splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("|")
        if len(cols) != 8:
            raise DataFormatError(f"{rel}:{lineno}: expected 8 '|'-separated columns, got {len(cols)}")
        pmid, text, effect, drug = cols[0].strip(), cols[1], cols[2], cols[5]
        s = by_key.setdefault((pmid, text), ADESentence(pmid, text))
        d, e = locate(text, drug), locate(text, effect)
        for span, spans in ((d, s.drugs), (e, s.effects)):
            if span is None:
                s.unlocated += 1
            elif span not in spans:
                spans.append(span)
        if d and e and (d, e) not in s.pairs:
            s.pairs.append((d, e))
    sentences = list(by_key.values())
    for lineno, line in enumerate(read_data_text(neg).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(" ", 2)
        if len(parts) != 3 or parts[1] != "NEG":
            raise DataFormatError(f"{neg}:{lineno}: expected 'PubMed-ID NEG sentence'")
        sentences.append(ADESentence(parts[0], parts[2]))
    return sentences


def split_by_pmid(items: Iterable, test_fraction: float = 0.2, pmid: Callable = lambda s: s.pmid,
                  salt: str = "") -> tuple[list, list]:
    """``(train, test)``: every item of a PubMed ID on the same side, decided by a hash of ``salt`` + the ID
    (stable across runs and machines, independent of order; another ``salt`` gives an independent split)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    train, test = [], []
    for item in items:
        h = int(hashlib.sha256(f"{salt}{pmid(item)}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (test if h < test_fraction else train).append(item)
    return train, test


def _non_overlapping(spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Longest spans first, dropping any that overlaps one already kept."""
    kept: list[tuple[int, int, str]] = []
    for s in sorted(spans, key=lambda x: (x[0] - x[1], x[0])):
        if not any(s[0] < k[1] and k[0] < s[1] for k in kept):
            kept.append(s)
    return sorted(kept)


def ade_ner_dataset(sentences: Sequence[ADESentence], dev_fraction: float = 0.1, negatives: float = 0.25):
    """The annotated drug and effect mentions as an NER ``DatasetDict`` (``train``, ``devel`` split by PubMed ID).

    Every positive sentence, plus ``negatives`` times as many negative sentences (all ``O``: the corpus marks
    drugs and effects only where a drug caused the effect, so the tagger learns to stay quiet elsewhere).
    Words as :func:`workbench.text.tokenize_with_offsets` cuts them (what the tagger sees); a mention inside a
    hyphenated word ("azithromycin-induced") tags the whole word."""
    import datasets

    from ..text import tokenize_with_offsets

    names = ["O", f"B-{DRUG}", f"I-{DRUG}", f"B-{EFFECT}", f"I-{EFFECT}"]
    positive = [s for s in sentences if s.has_ade]
    negative = [s for s in sentences if not s.has_ade]
    negative = sorted(negative, key=lambda s: hashlib.sha256(s.text.encode()).hexdigest())  # a seeded-like order
    rows = []
    for s in positive + negative[:round(negatives * len(positive))]:
        words = tokenize_with_offsets(s.text)
        spans = _non_overlapping([(a, b, DRUG) for a, b in s.drugs] + [(a, b, EFFECT) for a, b in s.effects])
        tags = ["O"] * len(words)
        for start, end, label in spans:  # widen to whole words; skip a span that would touch a tagged word
            inside = [i for i, (_, ws, we) in enumerate(words) if ws < end and we > start]
            if inside and all(tags[i] == "O" for i in inside):
                for k, i in enumerate(inside):
                    tags[i] = ("B-" if k == 0 else "I-") + label
        rows.append((s.pmid, [w for w, _, _ in words], tags))
    train, dev = split_by_pmid(rows, dev_fraction, pmid=lambda r: r[0], salt="devel")
    features = datasets.Features({"id": datasets.Value("string"), "tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))})

    def build(part, split):
        return datasets.Dataset.from_dict({"id": [f"{split}-{i}" for i in range(len(part))],
                                           "tokens": [r[1] for r in part],
                                           "ner_tags": [[names.index(t) for t in r[2]] for r in part]}, features=features)

    return datasets.DatasetDict({"train": build(train, "train"), "devel": build(dev, "devel")})


def ade_pairs(sentences: Sequence[ADESentence], names: DictionaryTagger | None = None) -> list[dict]:
    """Relation examples ``{"sentence" (masked), "label", "pmid", "text"}``: every annotated drug x effect
    pair of a positive sentence (``1`` when annotated, ``0`` otherwise) and, with ``names`` (a
    dictionary of drug and effect names), every drug x effect pair it finds in a negative sentence (``0``)."""
    from ..relations import mark_pair

    out = []
    for s in sentences:
        if s.has_ade:
            pairs = [(d, e) for d in s.drugs for e in s.effects if not (d[0] < e[1] and e[0] < d[1])]
            for d, e in pairs:
                out.append({"sentence": mark_pair(s.text, (*d, DRUG), (*e, EFFECT)),
                            "label": "1" if (d, e) in s.pairs else "0", "pmid": s.pmid, "text": s.text})
        elif names is not None:
            ents = names([s.text])[0]
            for d in (x for x in ents if x["label"] == DRUG):
                for e in (x for x in ents if x["label"] == EFFECT):
                    if d["end"] <= e["start"] or e["end"] <= d["start"]:
                        out.append({"sentence": mark_pair(s.text, d, e), "label": "0", "pmid": s.pmid,
                                    "text": s.text})
    return out


def ade_names(sentences: Sequence[ADESentence], min_length: int = 3) -> DictionaryTagger:
    """A dictionary of the drug and effect names annotated in ``sentences`` (to find candidate pairs in
    the corpus's negative sentences, which have no annotation)."""
    lexicon: dict[str, set[str]] = {DRUG: set(), EFFECT: set()}
    for s in sentences:
        for label, spans in ((DRUG, s.drugs), (EFFECT, s.effects)):
            lexicon[label].update(s.text[a:b] for a, b in spans if b - a >= min_length)
    lexicon[EFFECT] -= {t for t in lexicon[EFFECT] if t.lower() in {d.lower() for d in lexicon[DRUG]}}
    return DictionaryTagger({k: sorted(v) for k, v in lexicon.items()}, name="ADE training names (dictionary)")


def ade_relation_dataset(sentences: Sequence[ADESentence] | None = None, test_fraction: float = 0.2,
                         balance: bool = True, seed: int = 42, tagger: Callable | None = None):
    """``DatasetDict`` (``train``/``test`` by PubMed ID) of masked drug/effect pairs for the ADE classifier.

    Negatives: unannotated pairs in positive sentences, and pairs that the *training* names find in
    ADE-NEG sentences (test negatives are found with the same training names: nothing leaks). ``tagger``
    (the pipeline's own NER, trained on the training PubMed IDs only) adds the drug x effect pairs *it* finds in
    the training split's ADE-NEG sentences: the hard negatives the classifier meets in use (a drug and the
    disease it was given for). Annotated pairs outnumber the negatives; with ``balance`` the training split keeps
    every negative and a seeded sample of as many positives (a short training run on the raw mix learns to
    answer "ADE" to everything). The test split keeps its natural mix and the dictionary's negatives only, so
    its score stays the classifier's on gold mentions."""
    import datasets

    sentences = read_ade() if sentences is None else sentences
    train_s, test_s = split_by_pmid(sentences, test_fraction)
    names = ade_names(train_s)
    features = datasets.Features({"id": datasets.Value("string"), "sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["0", "1"]), "pmid": datasets.Value("string")})
    out = {}
    for split, part in (("train", train_s), ("test", test_s)):
        rows = ade_pairs(part, names)
        if tagger is not None and split == "train":
            seen = {r["sentence"] for r in rows}
            hard = {r["sentence"]: r for r in ade_pairs([x for x in part if not x.has_ade], tagger)}
            rows += [r for masked, r in hard.items() if masked not in seen]
        if balance and split == "train":
            import random

            neg = [r for r in rows if r["label"] == "0"]
            pos = [r for r in rows if r["label"] == "1"]
            rows = neg + random.Random(seed).sample(pos, min(len(pos), len(neg)))
        out[split] = datasets.Dataset.from_dict({"id": [f"{split}-{i}" for i in range(len(rows))],
                                                 "sentence": [r["sentence"] for r in rows],
                                                 "label": [int(r["label"]) for r in rows],
                                                 "pmid": [r["pmid"] for r in rows]}, features=features)
    return datasets.DatasetDict(out)


def ade_sentence_dataset(sentences: Sequence[ADESentence] | None = None, test_fraction: float = 0.2):
    """``DatasetDict`` (``train``/``test`` by PubMed ID, as :func:`ade_relation_dataset`) of whole sentences for
    the sentence screen: ``label`` 1 when the sentence has an annotated drug -> adverse-effect pair, else 0
    (ADE-NEG). Plain text, no masks: the screen judges the sentence, not a pair. The corpus's own mix (about one
    sentence in five has an ADE): its decision threshold is chosen later, on sentences it has not seen."""
    import datasets

    sentences = read_ade() if sentences is None else sentences
    features = datasets.Features({"id": datasets.Value("string"), "sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["0", "1"]), "pmid": datasets.Value("string")})
    parts = dict(zip(("train", "test"), split_by_pmid(sentences, test_fraction)))
    return datasets.DatasetDict({split: datasets.Dataset.from_dict(
        {"id": [f"{split}-{i}" for i in range(len(part))], "sentence": [s.text for s in part],
         "label": [int(s.has_ade) for s in part], "pmid": [s.pmid for s in part]}, features=features)
        for split, part in parts.items()})


# ---------------------------------------------------------------- measuring the ADE pipeline


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def match_count(pred: Sequence, gold: Sequence, same: Callable) -> int:
    """Greedy one-to-one matches between ``pred`` and ``gold`` items under ``same(p, g)``."""
    used: set[int] = set()
    for p in pred:
        k = next((i for i, g in enumerate(gold) if i not in used and same(p, g)), None)
        if k is not None:
            used.add(k)
    return len(used)


def prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def pair_scores(pred: Sequence[Sequence], gold: Sequence[Sequence], overlap: bool = False) -> dict:
    """P/R/F1 of ``(drug_span, effect_span)`` pairs, per sentence lists; exact spans or overlapping spans."""
    if len(pred) != len(gold):
        raise ValueError(f"{len(pred)} predicted lists for {len(gold)} gold lists")
    if overlap:
        same = lambda p, g: overlaps(p[0], g[0]) and overlaps(p[1], g[1])  # noqa: E731
    else:
        same = lambda p, g: tuple(p[0]) == tuple(g[0]) and tuple(p[1]) == tuple(g[1])  # noqa: E731
    tp = sum(match_count(p, g, same) for p, g in zip(pred, gold))
    n_pred, n_gold = sum(map(len, pred)), sum(map(len, gold))
    return {**prf(tp, n_pred, tp, n_gold), "predicted": n_pred, "gold": n_gold, "matched": tp}


def memo_tagger(tagger: Callable) -> Callable:
    """``tagger`` that tags each distinct text once and remembers the result."""
    cache: dict[str, list] = {}

    def tagged(texts):
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        for t, ents in zip(todo, tagger(todo) if todo else []):
            cache[t] = ents
        return [cache[t] for t in texts]

    return tagged


def _pipeline_rows(sentences: Sequence[ADESentence], events, min_score: float,
                   min_sentence_score: float = 0.0) -> list[dict]:
    """Sentence and pair rows of :func:`evaluate_ade` from the events table, calling ADE at ``min_score`` (and,
    when the events were screened, ``min_sentence_score``)."""
    pred_pairs: list[list] = [[] for _ in sentences]
    called = events.is_ade & (events.p_ade >= min_score)
    if events.p_sentence.notna().any():
        called &= events.p_sentence.astype(float) >= min_sentence_score
    for row in events[called].itertuples():
        pair = (tuple(row.drug_span), tuple(row.event_span))
        if pair not in pred_pairs[int(row.doc)]:
            pred_pairs[int(row.doc)].append(pair)
    gold_pairs = [s.pairs for s in sentences]
    flagged = [bool(p) for p in pred_pairs]
    gold = [s.has_ade for s in sentences]
    tp = sum(f and g for f, g in zip(flagged, gold))
    return [{"level": "sentence (contains an ADE)", **prf(tp, sum(flagged), tp, sum(gold)),
             "predicted": sum(flagged), "gold": sum(gold), "matched": tp},
            {"level": "pair, exact spans", **pair_scores(pred_pairs, gold_pairs)},
            {"level": "pair, overlapping spans", **pair_scores(pred_pairs, gold_pairs, overlap=True)}]


def _events(sentences: Sequence[ADESentence], ner: Callable, classifier, min_score: float, screen=None,
            min_sentence_score: float = 0.0):
    from ..usecases import detect_adverse_events

    return detect_adverse_events([{"doc_id": str(i), "text": s.text} for i, s in enumerate(sentences)], ner,
                                 classifier, min_score=min_score, screen=screen, min_sentence_score=min_sentence_score)


THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(18)) + (0.97, 0.98, 0.99)
SENTENCE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


def choose_threshold(sentences: Sequence[ADESentence], ner: Callable, classifier, screen=None,
                     thresholds: Sequence[float] = THRESHOLDS,
                     sentence_thresholds: Sequence[float] = SENTENCE_THRESHOLDS) -> dict:
    """The ``min_score`` (least probability of ADE, 0.1 to 0.99) that maximises sentence F1 + overlapping-pair F1
    of the pipeline on ``sentences`` (PubMed IDs kept out of the classifier's training):
    ``{"min_score", "sentence_f1", "pair_f1", "sentences", "grid"}``. With a sentence ``screen``, the pair of
    thresholds (``min_score``, ``min_sentence_score``: 0.05 to 0.95) chosen together. Ties go to lower thresholds."""
    events = _events(sentences, memo_tagger(ner), classifier, min(thresholds), screen, 0.0)
    grid = []
    for s_t in sorted(sentence_thresholds) if screen is not None else [None]:
        for t in sorted(thresholds):
            rows = _pipeline_rows(sentences, events, t, s_t or 0.0)
            point = {"min_score": t} if s_t is None else {"min_score": t, "min_sentence_score": s_t}
            grid.append({**point, "sentence_f1": rows[0]["f1"], "pair_f1": rows[2]["f1"]})
    best = max(grid, key=lambda g: (g["sentence_f1"] + g["pair_f1"], -g["min_score"], -g.get("min_sentence_score", 0)))
    return {**best, "sentences": len(sentences), "grid": grid}


def evaluate_ade(sentences: Sequence[ADESentence], ner: Callable, classifier, min_score: float | None = None,
                 screen=None, min_sentence_score: float | None = None) -> dict:
    """``detect_adverse_events`` on ``sentences`` measured at three levels.

    ``sentence``: a sentence is flagged when one of its pairs is called an ADE (gold: it has an annotated pair);
    ``pair exact`` / ``pair overlap``: predicted ADE pairs against annotated ones, both spans equal or both
    overlapping (one-to-one); ``drug`` / ``effect`` recall: annotated mentions the tagger found with the right
    type (exact, overlap). Thresholds left as None are the ones chosen when the classifier was trained
    (:func:`chosen_thresholds`: with or without ``screen``), else 0.5. Returns ``{"rows": [...], "events": table,
    "sentences": n, "min_score": ..., "min_sentence_score": ..., ...}``.
    """
    chosen = chosen_thresholds(classifier, screened=screen is not None)
    min_score = chosen["min_score"] if min_score is None else min_score
    if screen is not None:
        min_sentence_score = chosen["min_sentence_score"] if min_sentence_score is None else min_sentence_score
    ner = memo_tagger(ner)
    texts = [s.text for s in sentences]
    events = _events(sentences, ner, classifier, min_score, screen, min_sentence_score or 0.0)
    rows = _pipeline_rows(sentences, events, min_score, min_sentence_score or 0.0)
    tagged = ner(texts)
    for label, what in ((DRUG, "drugs"), (EFFECT, "effects")):
        found = [[(e["start"], e["end"]) for e in ents if e["label"] == label] for ents in tagged]
        golds = [getattr(s, what) for s in sentences]
        n_gold = sum(map(len, golds))
        exact = sum(match_count(f, g, lambda a, b: tuple(a) == tuple(b)) for f, g in zip(found, golds))
        over = sum(match_count(f, g, overlaps) for f, g in zip(found, golds))
        rows.append({"level": f"tagger recall: {what} ({label}), exact / overlap",
                     "precision": None, "recall": round(exact / n_gold, 3) if n_gold else 0.0,
                     "f1": None, "predicted": None, "gold": n_gold, "matched": exact,
                     "recall_overlap": round(over / n_gold, 3) if n_gold else 0.0})
    return {"rows": rows, "events": events, "sentences": len(sentences),
            "with_ade": sum(s.has_ade for s in sentences), "min_score": min_score,
            "min_sentence_score": min_sentence_score}


def chosen_thresholds(classifier, screened: bool = False) -> dict:
    """The thresholds chosen for ``classifier`` when it was trained (:func:`choose_threshold`, saved in its
    ``workbench_model.json``): ``{"min_score"}``, or with ``screened`` the pair chosen together with the sentence
    screen, ``{"min_score", "min_sentence_score"}``. 0.5 for whatever was not chosen."""
    from ..models import read_meta

    folder = getattr(classifier, "folder", None)
    threshold = (read_meta(folder).get("threshold") or {}) if folder else {}
    if screened:
        threshold = threshold.get("screened") or {}
        return {key: threshold.get(key, 0.5) for key in ("min_score", "min_sentence_score")}
    own = getattr(classifier, "min_score", None)
    return {"min_score": own if own is not None else threshold.get("min_score", 0.5)}


def ade_test_sentences(max_sentences: int | None = None, balanced: bool = False, seed: int = 42) -> list[ADESentence]:
    """The held-out sentences (test PubMed IDs of :func:`split_by_pmid`).

    Default: all of them, or a seeded sample of ``max_sentences`` keeping the corpus's ratio (about one sentence
    in five has an ADE). ``balanced``: as many sentences without an ADE as with one (all of those, or
    ``max_sentences // 2`` each) -- the setting of a reader who has already picked likely case-report sentences.
    """
    import random

    test = split_by_pmid(read_ade())[1]
    pos, neg = [s for s in test if s.has_ade], [s for s in test if not s.has_ade]
    rng = random.Random(seed)
    if balanced:
        k = min(len(pos), len(neg), len(pos) if max_sentences is None else max_sentences // 2)
        return rng.sample(pos, k) + rng.sample(neg, k)
    if max_sentences is None or max_sentences >= len(test):
        return test
    k = round(max_sentences * len(pos) / len(test))
    return rng.sample(pos, k) + rng.sample(neg, max_sentences - k)


def ade_table(result: dict):
    """The three-level table of :func:`evaluate_ade` as a DataFrame (empty cells: None, so ``fillna("")`` shows blanks)."""
    import pandas as pd

    return pd.DataFrame(result["rows"]).set_index("level").astype(object)
