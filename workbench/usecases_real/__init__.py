"""The use cases on real text: taggers trained on real corpora, the ADE corpus, and measured quality.

Taught in 05_relation_use_cases (the real-sentence sections); ``bench/usecases.py`` prints the tables.

* **Taggers trained on real corpora** (:func:`corpus_tagger`): Chemical + Disease from ``bc5cdr_typed``,
  Gene from ``bc2gm``, Disease from ``ncbi_disease``, and drug / adverse-effect mentions from the
  training PubMed IDs of ``ade_half`` (tagged ``Chemical`` / ``Disease`` so they plug into
  :func:`workbench.usecases.detect_adverse_events`). Fine-tuned with ``wb.ner.train_ner`` at
  ``wb.run_sizes("usecase-ner")`` / ``("usecase-ade-ner")`` (fast on a CPU, the full recipe on a GPU) and
  cached under ``runs/ner``.
  :func:`real_tagger` combines them, longest mention winning where types overlap, with the use-case
  dictionary as the documented fallback (last, and alone when no corpus is here).
* **ADE corpus** (:func:`read_ade`): sentences with the drug and effect mentions located *by text* (the
  corpus's offsets are abstract-level), split by PubMed ID (:func:`split_by_pmid`). :func:`ade_relation_dataset`
  builds the classifier's data: annotated pairs are ADEs; drug x effect pairs of positive sentences that are
  not annotated, pairs the training names find in ADE-NEG sentences, and (hard negatives) pairs the ADE tagger
  finds there, are not. :func:`ade_screen` is a sentence classifier in front of it (does the sentence report an
  ADE at all?; :func:`ade_sentence_dataset`, ``wb.run_sizes("usecase-ade-screen")``). :func:`ade_classifier`
  trains the pair classifier and saves the decision thresholds chosen on training PubMed IDs kept out of both
  (:func:`choose_threshold`, :func:`chosen_thresholds`): alone, and together with the screen.
* **Quality** (:func:`evaluate_ade`): ``detect_adverse_events`` on held-out PubMed IDs at three levels --
  sentence (contains an ADE), pair (drug, effect; exact and overlapping spans), and the tagger's entity recall.
* **Gene-disease mining on real sentences** (:func:`real_sentences`, :func:`gad_classifier`,
  :func:`mining_figures`): how many sentences have a gene and a disease, how many pairs reach the classifier.
"""
from .ade import (  # noqa: F401
    ADE, ADESentence, DRUG, EFFECT, TAGGER_TYPES, ade_names, ade_ner_dataset, ade_pairs, ade_relation_dataset,
    ade_sentence_dataset, ade_table, ade_test_sentences, choose_threshold, chosen_thresholds, evaluate_ade, locate,
    match_count, overlaps, pair_scores, prf, read_ade, split_by_pmid,
)
from .models import (  # noqa: F401
    THRESHOLD_FRACTION, ade_classifier, ade_screen, corpus_available, corpus_tagger, gad_classifier, held_out_scores,
    only_types, real_tagger,
)
from .mining import (  # noqa: F401
    check_sample, mining_figures, real_sentences,
)
