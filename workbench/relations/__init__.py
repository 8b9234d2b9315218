"""Relation extraction, BioBERT style: mark the two entities of a pair, classify the sentence.

Taught in 04_relation_extraction (data, marking, fine-tuning, metrics) and
05_relation_use_cases (``extract_relations`` inside real pipelines).

* Data: the BioBERT RE TSV format -- entity mentions replaced by type masks (``@GENE$``,
  ``@DISEASE$``); ``train.tsv`` has no header, ``test.tsv`` has ``index<TAB>sentence<TAB>label``.
  Binary (GAD, EU-ADR: ``0``/``1``) and multi-class (ChemProt: ``CPR:3`` ... ``false``).
* Marking a pair in raw text: type masks (``@GENE$``) or typed entity-marker tokens
  (``[E1-GENE] BRCA1 [/E1-GENE]``) added to the tokenizer, with the model's embeddings resized.
* Metrics: precision/recall/F1 of the positive classes, the negative class excluded -- for a
  binary task that is P/R/F1 of the positive class (GAD/EU-ADR), for a multi-class task the
  micro average over the relation classes (ChemProt).
* ``extract_relations(texts, ner=..., classifier=...)``: sentences -> NER -> typed candidate
  pairs -> marked inputs -> classifier -> records with both entities' character spans.

Modules: :mod:`.data`, :mod:`.marking`, :mod:`.metrics`, :mod:`.classifier` (``train_relation_classifier``,
``RelationClassifier``, ``evaluate_relations``, ``sample_classifier``), :mod:`.extraction`.
"""

from ..training import TrainResult
from .classifier import (TYPES_OF_SAMPLE, RelationClassifier, as_classifier, evaluate_relations, prepare_model,
                         sample_classifier, tokenize_dataset, train_relation_classifier)
from .data import (HEADER, NEGATIVE_NAMES, load_pairs_dataset, load_re_dataset, load_re_sample, negative_label,
                   order_labels, read_pairs_jsonl, read_re_tsv)
from .extraction import DEFAULT_PAIRS, candidate_pairs, extract_relations, relations_table
from .marking import MASK, STYLES, check_span, check_style, fit_window, mark_pair, marker_tokens, mask_token
from .metrics import confusion_matrix, per_class_metrics, plot_confusion, relation_metrics

__all__ = ["DEFAULT_PAIRS", "HEADER", "MASK", "NEGATIVE_NAMES", "STYLES", "TYPES_OF_SAMPLE", "RelationClassifier",
           "TrainResult", "as_classifier", "candidate_pairs", "check_span", "check_style", "confusion_matrix",
           "evaluate_relations", "extract_relations", "fit_window", "load_pairs_dataset", "load_re_dataset",
           "load_re_sample", "mark_pair", "marker_tokens", "mask_token", "negative_label", "order_labels",
           "per_class_metrics", "plot_confusion", "prepare_model", "read_pairs_jsonl", "read_re_tsv",
           "relation_metrics", "relations_table", "sample_classifier", "tokenize_dataset", "train_relation_classifier"]
