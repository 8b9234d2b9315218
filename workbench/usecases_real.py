"""The use cases on real text: taggers trained on real corpora, the ADE corpus, and measured quality.

Taught in 05_relation_use_cases (the real-sentence sections); ``bench/usecases.py`` prints the tables.

* **Taggers trained on real corpora** (:func:`corpus_tagger`): Chemical + Disease from ``bc5cdr_typed``,
  Gene from ``bc2gm``, Disease from ``ncbi_disease``, and drug / adverse-effect mentions from the
  training PubMed IDs of ``ade_half`` (tagged ``Chemical`` / ``Disease`` so they plug into
  :func:`workbench.usecases.detect_adverse_events`). Fine-tuned with ``wb.ner.train_ner`` at
  ``wb.run_sizes("usecase-ner")`` (fast on a CPU, the full recipe on a GPU) and cached under ``runs/ner``.
  :func:`real_tagger` combines them, longest mention winning where types overlap, with the use-case
  dictionary as the documented fallback (last, and alone when no corpus is here).
* **ADE corpus** (:func:`read_ade`): sentences with the drug and effect mentions located *by text* (the
  corpus's offsets are abstract-level), split by PubMed ID (:func:`split_by_pmid`). :func:`ade_relation_dataset`
  builds the classifier's data: annotated pairs are ADEs; drug x effect pairs of positive sentences that are
  not annotated, and pairs the training names find in ADE-NEG sentences, are not. :func:`ade_classifier`.
* **Quality** (:func:`evaluate_ade`): ``detect_adverse_events`` on held-out PubMed IDs at three levels --
  sentence (contains an ADE), pair (drug, effect; exact and overlapping spans), and the tagger's entity recall.
* **Gene-disease mining on real sentences** (:func:`real_sentences`, :func:`gad_classifier`,
  :func:`mining_figures`): how many sentences have a gene and a disease, how many pairs reach the classifier.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .taggers import DictionaryTagger, combine_taggers

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
    """
    from .data import DataFormatError, corpus_dir, read_data_text

    folder = corpus_dir(ADE, folder, download=False)
    rel = folder / "DRUG-AE.rel"
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
    neg = folder / "ADE-NEG.txt"
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

    from .text import tokenize_with_offsets

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
    from .relations import mark_pair

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
                         balance: bool = True, seed: int = 42):
    """``DatasetDict`` (``train``/``test`` by PubMed ID) of masked drug/effect pairs for the ADE classifier.

    Negatives: unannotated pairs in positive sentences, and pairs that the *training* names find in
    ADE-NEG sentences (test negatives are found with the same training names: nothing leaks). Annotated pairs
    outnumber them three to one; with ``balance`` the training split keeps every negative and a seeded sample of
    as many positives (a short training run on the raw mix learns to answer "ADE" to everything). The test
    split keeps its natural mix."""
    import datasets

    sentences = read_ade() if sentences is None else sentences
    train_s, test_s = split_by_pmid(sentences, test_fraction)
    names = ade_names(train_s)
    features = datasets.Features({"id": datasets.Value("string"), "sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["0", "1"]), "pmid": datasets.Value("string")})
    out = {}
    for split, part in (("train", train_s), ("test", test_s)):
        rows = ade_pairs(part, names)
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


# ---------------------------------------------------------------- cached models trained on real corpora


def _mode() -> str:
    from .env import fast_mode

    return "fast" if fast_mode() else "full"


def corpus_available(name: str) -> bool:
    """Is corpus ``name`` on this machine (shared folder or download cache)? Never downloads."""
    from .data import locate_corpus

    return locate_corpus(name) is not None


def corpus_tagger(name: str, model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """A tagger fine-tuned on real corpus ``name`` (``bc5cdr_typed``, ``bc2gm``, ``ncbi_disease``, ``ade_half``),
    cached under ``runs/ner/<name>-tagger-<fast|full>-<model>``.

    Sizes: ``wb.run_sizes("usecase-ner")``. The first call trains (and says so); later calls load. A corpus
    that is not here is downloaded by ``wb.data.load_corpus`` when it can be (``ade_half`` cannot: for it,
    ``FileNotFoundError``). The ADE tagger learns drug (``Chemical``) and adverse-effect (``Disease``)
    mentions from the training PubMed IDs only.
    """
    from . import training
    from .env import run_sizes
    from .ner import load_tagger, train_ner

    if name not in TAGGER_TYPES:
        raise ValueError(f"no tagger for {name!r}; choose one of {', '.join(TAGGER_TYPES)}")

    def build(folder: Path) -> None:
        from .data import load_corpus

        data = ade_ner_dataset(split_by_pmid(read_ade())[0]) if name == ADE else load_corpus(name)
        train_ner(data, model, folder, sizes=run_sizes("usecase-ner"), progress=False)

    folder = training.cached_model(f"{name}-tagger-{_mode()}", model, build, retrain=retrain, task="ner",
                                   data=f"{name} ({'training PubMed IDs' if name == ADE else 'train split'})")
    return load_tagger(folder, device=device)


def only_types(tagger: Callable, types: Sequence[str]) -> Callable:
    """The entities of ``tagger`` whose label is one of ``types`` (e.g. only BC5CDR's Disease mentions)."""
    keep = {t.lower() for t in types}

    def tagged(texts):
        return [[e for e in ents if e["label"].lower() in keep] for ents in tagger(list(texts))]

    tagged.name = f"{getattr(tagger, 'name', 'tagger')} ({', '.join(types)} only)"
    return tagged


def real_tagger(sources: Sequence[tuple[str, Sequence[str]]] = (("bc5cdr_typed", ("Chemical", "Disease")),
                                                                 ("bc2gm", ("Gene",))),
                model: str = "biobert", fallback: bool = True) -> Callable:
    """One tagger from corpus taggers (``[(corpus, types to keep), ...]``) plus the use-case dictionary.

    Where mentions of different taggers overlap, the **longest** wins (a gene name inside a disease name
    such as "BRCA1-associated breast cancer" gives way to the disease). The dictionary (``fallback``) comes
    last: it only adds names the models missed. A corpus that is not on this machine is left out, said
    aloud; with none, the tagger is the dictionary alone. ``description`` says what it holds.
    """
    from .usecases import lexicon_tagger

    taggers, names = [], []
    for corpus, types in sources:
        if corpus != ADE and corpus not in TAGGER_TYPES:
            raise ValueError(f"no tagger for {corpus!r}; choose one of {', '.join(TAGGER_TYPES)}")
        try:
            taggers.append(only_types(corpus_tagger(corpus, model), types))
        except OSError as err:  # absent and not downloadable (or offline)
            print(f"{corpus} tagger not available ({str(err).splitlines()[0][:160]}) -> left out")
            continue
        names.append(f"{corpus} model")
    types_wanted = sorted({t for _, types in sources for t in types})
    if fallback or not taggers:
        taggers.append(lexicon_tagger(types_wanted))
        names.append("lexicon")
    tagger = combine_taggers(*taggers, names=names, resolve="longest")
    tagger.description = " + ".join(names) + ("" if len(names) > 1 else
                                              " only: the real-corpus taggers are absent; finds listed names, nothing else")
    return tagger


def ade_classifier(model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """An ADE relation classifier fine-tuned on the training PubMed IDs of ``ade_half`` (masks
    ``@CHEMICAL$``/``@DISEASE$``), cached under ``runs/re``; sizes ``wb.run_sizes("usecase-re")``."""
    from . import training
    from .env import run_sizes
    from .relations import RelationClassifier, train_relation_classifier

    def build(folder: Path) -> None:
        train_relation_classifier(ade_relation_dataset(), model, folder, sizes=run_sizes("usecase-re"),
                                  entity_types=(DRUG, EFFECT))

    folder = training.cached_model(f"ade-classifier-{_mode()}", model, build, retrain=retrain, task="re",
                                   data="ade_half (training PubMed IDs)")
    return _with_folder(RelationClassifier.from_pretrained(folder, device=device), folder)


def gad_classifier(model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """A gene-disease classifier fine-tuned on GAD fold 1 (``wb.run_sizes("usecase-re")``), cached under ``runs/re``.
    Its scores on the GAD test split (positive class) are saved with it: ``meta["metrics"]``."""
    from . import training
    from .data import corpus_dir
    from .env import run_sizes
    from .relations import RelationClassifier, load_re_dataset, train_relation_classifier

    def build(folder: Path) -> None:
        train_relation_classifier(load_re_dataset(corpus_dir("gad") / "1"), model, folder,
                                  sizes=run_sizes("usecase-re"))

    folder = training.cached_model(f"gad-classifier-{_mode()}", model, build, retrain=retrain, task="re",
                                   data="GAD fold 1 (train split)")
    return _with_folder(RelationClassifier.from_pretrained(folder, device=device), folder)


def _with_folder(classifier, folder: Path):
    classifier.folder = folder
    return classifier


def held_out_scores(classifier) -> dict:
    """The scores a cached classifier measured on its corpus's test split when it was trained (gold mentions
    masked): ``precision``, ``recall``, ``f1`` of the positive class."""
    from .models import read_meta

    metrics = read_meta(classifier.folder).get("metrics", {}) if getattr(classifier, "folder", None) else {}
    return {k: round(metrics[k], 3) for k in ("precision", "recall", "f1") if isinstance(metrics.get(k), float)}


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


def _memo(tagger: Callable) -> Callable:
    cache: dict[str, list] = {}

    def tagged(texts):
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        for t, ents in zip(todo, tagger(todo) if todo else []):
            cache[t] = ents
        return [cache[t] for t in texts]

    return tagged


def evaluate_ade(sentences: Sequence[ADESentence], ner: Callable, classifier, min_score: float = 0.5) -> dict:
    """``detect_adverse_events`` on ``sentences`` measured at three levels.

    ``sentence``: a sentence is flagged when one of its pairs is called an ADE (gold: it has an annotated pair);
    ``pair exact`` / ``pair overlap``: predicted ADE pairs against annotated ones, both spans equal or both
    overlapping (one-to-one); ``drug`` / ``effect`` recall: annotated mentions the tagger found with the right
    type (exact, overlap). Returns ``{"rows": [...], "events": table, "sentences": n, ...}``.
    """
    from .usecases import detect_adverse_events

    ner = _memo(ner)
    texts = [s.text for s in sentences]
    events = detect_adverse_events([{"doc_id": str(i), "text": t} for i, t in enumerate(texts)], ner, classifier,
                                   min_score=min_score)
    pred_pairs: list[list] = [[] for _ in sentences]
    for row in events[events.is_ade].itertuples():
        pair = (tuple(row.drug_span), tuple(row.event_span))
        if pair not in pred_pairs[int(row.doc)]:
            pred_pairs[int(row.doc)].append(pair)
    gold_pairs = [s.pairs for s in sentences]
    flagged = [bool(p) for p in pred_pairs]
    gold = [s.has_ade for s in sentences]
    tp = sum(f and g for f, g in zip(flagged, gold))
    rows = [{"level": "sentence (contains an ADE)", **prf(tp, sum(flagged), tp, sum(gold)),
             "predicted": sum(flagged), "gold": sum(gold), "matched": tp},
            {"level": "pair, exact spans", **pair_scores(pred_pairs, gold_pairs)},
            {"level": "pair, overlapping spans", **pair_scores(pred_pairs, gold_pairs, overlap=True)}]
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
    return {"rows": rows, "events": events, "sentences": len(sentences), "with_ade": sum(gold)}


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


# ---------------------------------------------------------------- gene-disease mining on real sentences


def real_sentences(corpora: Sequence[str] = ("ncbi_disease", "bc2gm"), split: str = "test",
                   max_per_corpus: int | None = None) -> list[dict]:
    """Sentences of real NER corpora as ``{"doc_id": "<corpus>/<split>/<n>", "text"}`` (words joined by
    spaces, as the corpora store them tokenised); corpora not on this machine are left out, said aloud."""
    from .data import load_corpus

    docs = []
    for name in corpora:
        if not corpus_available(name):
            print(f"{name} is not on this machine -> left out of the real sentences")
            continue
        part = load_corpus(name, download=False)[split]
        n = len(part) if max_per_corpus is None else min(max_per_corpus, len(part))
        docs += [{"doc_id": f"{name}/{split}/{i}", "text": " ".join(part[i]["tokens"])} for i in range(n)]
    return docs


def mining_figures(docs: Sequence[dict], ner: Callable) -> dict:
    """How far real sentences get: sentences, with a gene, with a disease, with both (their gene x disease
    pairs reach the classifier), and the number of those pairs."""
    from .relations import candidate_pairs

    tagged = ner([d["text"] for d in docs])
    genes = [any(e["label"] == "Gene" for e in ents) for ents in tagged]
    diseases = [any(e["label"] == "Disease" for e in ents) for ents in tagged]
    pairs = [len(candidate_pairs(ents, [("Gene", "Disease")])) for ents in tagged]
    return {"sentences": len(docs), "with a gene": sum(genes), "with a disease": sum(diseases),
            "with both (pairs reach the classifier)": sum(g and d for g, d in zip(genes, diseases)),
            "gene x disease pairs classified": sum(pairs)}


def check_sample(table, n: int = 10, seed: int = 0) -> list[dict]:
    """A seeded sample of ``n`` supported pairs with one evidence sentence each, to judge by hand
    (``gene``, ``disease``, ``evidence``): the way to estimate the mined table's precision."""
    import random

    supported = table[table.sentences > 0]
    rows = [{"gene": r.gene, "disease": r.disease, "evidence": r.evidence[0]} for r in supported.itertuples()]
    return random.Random(seed).sample(rows, min(n, len(rows)))
