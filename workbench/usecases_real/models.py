"""Cached models trained on real corpora: taggers (BC5CDR, BC2GM, NCBI-disease, ADE) and the ADE / GAD
relation classifiers, built on first use (and said so), loaded afterwards."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from ..taggers import combine_taggers
from .ade import (ADE, DRUG, EFFECT, TAGGER_TYPES, ade_ner_dataset, ade_relation_dataset, ade_sentence_dataset,
                  choose_threshold, memo_tagger, read_ade, split_by_pmid)

THRESHOLD_FRACTION = 0.15  # of the training PubMed IDs, kept out of the ADE classifier and screen to choose thresholds


# ---------------------------------------------------------------- cached models trained on real corpora


def _mode() -> str:
    from ..env import fast_mode

    return "fast" if fast_mode() else "full"


def corpus_available(name: str) -> bool:
    """Is corpus ``name`` on this machine (shared folder or download cache)? Never downloads."""
    from ..data import locate_corpus

    return locate_corpus(name) is not None


def corpus_tagger(name: str, model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """A tagger fine-tuned on real corpus ``name`` (``bc5cdr_typed``, ``bc2gm``, ``ncbi_disease``, ``ade_half``),
    cached under ``runs/ner/<name>-tagger-<fast|full>-<model>``.

    Sizes: ``wb.run_sizes("usecase-ner")`` (the ADE tagger: ``"usecase-ade-ner"``). The first call trains
    (and says so); later calls load. A corpus that is not here is downloaded by ``wb.data.load_corpus`` when
    it can be (``ade_half`` cannot: for it, ``FileNotFoundError``). The ADE tagger learns drug (``Chemical``) and adverse-effect (``Disease``)
    mentions from the training PubMed IDs only.
    """
    from .. import training
    from ..env import run_sizes
    from ..ner import load_tagger, train_ner

    if name not in TAGGER_TYPES:
        raise ValueError(f"no tagger for {name!r}; choose one of {', '.join(TAGGER_TYPES)}")

    def build(folder: Path) -> None:
        from ..data import load_corpus

        data = ade_ner_dataset(split_by_pmid(read_ade())[0]) if name == ADE else load_corpus(name)
        train_ner(data, model, folder, sizes=run_sizes("usecase-ade-ner" if name == ADE else "usecase-ner"),
                  progress=False)

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
    from ..usecases import lexicon_tagger

    taggers, names = [], []
    for corpus, types in sources:
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


def _threshold_split():
    """``(fit, dev, test)`` ADE sentences: the training PubMed IDs the classifier and screen learn from, those kept
    out of their training to choose thresholds on (:data:`THRESHOLD_FRACTION`), and the held-out IDs."""
    train_s, test_s = split_by_pmid(read_ade())
    fit_s, dev_s = split_by_pmid(train_s, THRESHOLD_FRACTION, salt="threshold")
    return fit_s, dev_s, test_s


def ade_screen(model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """The ADE sentence screen: a sentence classifier (does this sentence report an adverse drug event?) fine-tuned
    on the sentences of the training PubMed IDs of ``ade_half`` (:func:`ade_sentence_dataset`), the same recipe as
    the relation classifier on plain text; cached under ``runs/re``; sizes ``wb.run_sizes("usecase-ade-screen")``.

    The sentences kept out of the ADE classifier's training (:data:`THRESHOLD_FRACTION`) are kept out of its
    training too: its threshold is chosen there, together with the classifier's (:func:`ade_classifier`,
    :func:`chosen_thresholds`). Its scores on the held-out IDs' sentences are in ``meta["metrics"]``. To retrain
    it, retrain the classifier (``ade_classifier(retrain=True)``), which retrains it first: thresholds chosen
    with one screen do not fit another.
    """
    from .. import training
    from ..env import run_sizes
    from ..relations import RelationClassifier, train_relation_classifier

    def build(folder: Path) -> None:
        fit_s, _, test_s = _threshold_split()
        train_relation_classifier(ade_sentence_dataset(fit_s + test_s), model, folder,
                                  sizes=run_sizes("usecase-ade-screen"), entity_types=())

    folder = training.cached_model(f"ade-screen-{_mode()}", model, build, retrain=retrain, task="re",
                                   data="ade_half sentences (training PubMed IDs)")
    return RelationClassifier.from_pretrained(folder, device=device)


def ade_classifier(model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """An ADE relation classifier fine-tuned on the training PubMed IDs of ``ade_half`` (masks
    ``@CHEMICAL$``/``@DISEASE$``), cached under ``runs/re``; sizes ``wb.run_sizes("usecase-re")``.

    Its negatives include the pairs the ADE tagger (:func:`corpus_tagger` ``("ade_half")``) finds in ADE-NEG
    training sentences. :data:`THRESHOLD_FRACTION` of the training PubMed IDs is kept out of its training:
    the whole pipeline (that tagger + this classifier) runs on their sentences, and the ``min_score`` with the
    best sentence F1 + pair F1 there is saved with the model (``classifier.min_score``, used by
    :func:`evaluate_ade`; the grid is in ``workbench_model.json`` under ``threshold``); so are the two thresholds
    chosen together with the sentence screen (:func:`ade_screen`, trained first; ``threshold["screened"]``,
    read by :func:`chosen_thresholds`). ``retrain`` retrains the screen too, so the two never disagree. The tagger
    was trained on all training IDs, these included, so the F1 it reaches there is optimistic; the held-out IDs
    stay untouched.
    """
    from .. import training
    from ..env import run_sizes
    from ..models import read_meta, write_meta
    from ..relations import RelationClassifier, train_relation_classifier

    def build(folder: Path) -> None:
        tagger = corpus_tagger(ADE, model, device=device)
        screen = ade_screen(model, retrain=retrain, device=device)
        fit_s, dev_s, test_s = _threshold_split()
        data = ade_relation_dataset(fit_s + test_s, tagger=tagger)  # same PubMed-ID split: test stays test
        train_relation_classifier(data, model, folder, sizes=run_sizes("usecase-re"), entity_types=(DRUG, EFFECT))
        classifier = RelationClassifier.from_pretrained(folder, device=device)
        where = f"{len(dev_s)} sentences of training PubMed IDs kept out of the classifier's training"
        dev_tagger = memo_tagger(tagger)  # the two choices below tag the same sentences: once is enough
        threshold = {**choose_threshold(dev_s, dev_tagger, classifier), "chosen_on": where}
        screened = choose_threshold(dev_s, dev_tagger, classifier, screen=screen)
        threshold["screened"] = {**screened, "screen": screen.folder.name, "chosen_on": where + " and the screen's"}
        meta = read_meta(folder)
        meta["threshold"] = threshold
        write_meta(folder, meta)

    folder = training.cached_model(f"ade-classifier-{_mode()}", model, build, retrain=retrain, task="re",
                                   data="ade_half (training PubMed IDs)")
    return RelationClassifier.from_pretrained(folder, device=device)


def gad_classifier(model: str = "biobert", retrain: bool = False, device: str | None = "auto"):
    """A gene-disease classifier fine-tuned on GAD fold 1 (``wb.run_sizes("usecase-re")``), cached under ``runs/re``.
    Its scores on the GAD test split (positive class) are saved with it: ``meta["metrics"]``."""
    from .. import training
    from ..data import corpus_dir
    from ..env import run_sizes
    from ..relations import RelationClassifier, load_re_dataset, train_relation_classifier

    def build(folder: Path) -> None:
        train_relation_classifier(load_re_dataset(corpus_dir("gad") / "1"), model, folder,
                                  sizes=run_sizes("usecase-re"))

    folder = training.cached_model(f"gad-classifier-{_mode()}", model, build, retrain=retrain, task="re",
                                   data="GAD fold 1 (train split)")
    return RelationClassifier.from_pretrained(folder, device=device)


def held_out_scores(classifier) -> dict:
    """The scores a cached classifier measured on its corpus's test split when it was trained (gold mentions
    masked): ``precision``, ``recall``, ``f1`` of the positive class."""
    from ..models import read_meta

    metrics = read_meta(classifier.folder).get("metrics", {}) if getattr(classifier, "folder", None) else {}
    return {k: round(metrics[k], 3) for k in ("precision", "recall", "f1") if isinstance(metrics.get(k), float)}
