"""Biomedical named-entity recognition: fine-tune, evaluate, and tag raw text. Taught in 02_ner_fine_tuning.

Modules: :mod:`.windows` (labels, alignment, windows), :mod:`.tagger` (raw text -> entities),
:mod:`.evaluation` (seqeval scores, error analysis), :mod:`.fine_tuning` (``train_ner``, ``sample_tagger``).

The pieces, in the order the notebook uses them:

* **Alignment** -- a word's label goes on its first word piece; the other pieces get ``-100``
  (ignored by the loss), or, with ``label_all_tokens``, the word's label with ``B-`` turned into ``I-``.
* **Windows** -- a sentence longer than ``max_length`` pieces is cut, on word boundaries, into
  overlapping windows (``stride`` pieces of overlap). Each word is predicted in the window where it
  has the most context on both sides, so **every word gets exactly one prediction** and nothing is
  lost to truncation (:func:`round_trip` proves it on gold labels).
* **Training** -- the Hugging Face ``Trainer`` with ``DataCollatorForTokenClassification`` (dynamic
  padding), word-level dev F1 each epoch, early stopping and the best checkpoint kept; optionally
  batches of similar length (``group_by_length=True``: less padding, faster on a CPU).
* **Evaluation** -- ``seqeval`` entity-level precision/recall/F1 (conlleval and strict IOB2), word
  accuracy, a per-type table and an error analysis (false positives/negatives, boundary, type errors).
* **Tagging raw text** -- :class:`Tagger` / :func:`predict_entities`: sentences -> words with
  character offsets -> windows -> entities ``{start, end, label, text, score}`` whose offsets index
  the *original* string.
"""

from ..data import DataFormatError
from ..training import TrainResult
from .evaluation import ERROR_KINDS, NERReport, entity_scores, error_analysis, evaluate_ner, per_type_table
from .fine_tuning import (LengthBucketSampler, as_dataset, dev_split, folder_labels, length_bucketed_order,
                          sample_tagger, token_weighted_loss, train_ner)
from .tagger import Tagger, as_tagger, batches, load_tagger, predict_entities, word_logits
from .windows import (DEFAULT_MAX_LENGTH, DEFAULT_STRIDE, IGNORE, Encoded, Window, check_label_set, encode,
                      is_trained_for_ner, labels_of, merge_windows, plan_windows, round_trip, window_stride,
                      word_pieces)

__all__ = ["DEFAULT_MAX_LENGTH", "DEFAULT_STRIDE", "ERROR_KINDS", "IGNORE", "DataFormatError", "Encoded",
           "LengthBucketSampler", "NERReport", "Tagger", "TrainResult", "Window", "as_dataset", "as_tagger", "batches",
           "check_label_set", "dev_split", "encode", "entity_scores", "error_analysis", "evaluate_ner", "folder_labels",
           "is_trained_for_ner", "labels_of", "length_bucketed_order", "load_tagger", "merge_windows", "per_type_table",
           "plan_windows", "predict_entities", "round_trip", "sample_tagger", "token_weighted_loss", "train_ner",
           "window_stride", "word_logits", "word_pieces"]
