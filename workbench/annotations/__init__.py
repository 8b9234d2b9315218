"""Annotation records, the crash-safe JSONL store and exports for training -- no widgets here.

Taught in 07_annotate_and_retrain. ``workbench.widgets`` is a thin layer over this package.

* A **record** is one document: ``{"id", "text", "status", "entities", "relations", "qa", "meta"}``.
  Entities are character spans ``{"start", "end", "label", "text", "source", "score", "status"}``:
  ``source`` is ``"human"`` or ``"model"``; a model suggestion is ``"pending"`` until accepted.
  Relations hold both entities' spans (``{"head", "tail", "label"}``); QA items hold a question and
  its answer spans. ``status`` of a record is ``"todo"``, ``"done"`` or ``"skipped"``
  (:mod:`~workbench.annotations.records`, with the span <-> word mapping).
* :class:`AnnotationStore` keeps the records in a JSONL file, one record a line, and rewrites it
  atomically after **every** change, so a crash or a killed kernel loses at most the change in
  flight; a change that cannot be saved is rolled back and raises; another store's changes to the
  same file are merged, never overwritten (:mod:`~workbench.annotations.store`). Reopening resumes:
  :meth:`AnnotationStore.resume_index` is the first document not yet done.
* Exports: BioBERT NER TSV/CoNLL (:meth:`~AnnotationStore.to_conll`, read by
  ``workbench.data.read_conll`` / ``load_ner_dataset``), SQuAD JSON (``workbench.qa.load_squad``),
  relation pairs JSONL (``workbench.relations.read_pairs_jsonl``) and plain JSONL
  (:mod:`~workbench.annotations.exports`), all written atomically.
* ``format_*`` functions return escaped HTML (a ``<script>`` in a document shows as text;
  :mod:`~workbench.annotations.display`).
"""
from ..errors import AnnotationError, SaveError, StoreConflictError
from ..files import atomic_write_text
from .display import (
    format_annotatable,
    format_progress,
    format_qa,
    format_record,
    format_relations,
)
from .records import (
    STATUSES,
    _answer,  # noqa: F401  (used by the tests and the widgets)
    _bare,  # noqa: F401
    accepted_entities,
    check_label,
    join_tokens,
    make_entity,
    new_record,
    record_to_tags,
    resolve_overlaps,
    snap_to_words,
    span_key,
    span_to_words,
    split_to_texts,
    validate_record,
    words,
    words_to_span,
)
from .store import UNDO_LIMIT, AnnotationStore, read_jsonl

__all__ = ["STATUSES", "UNDO_LIMIT", "AnnotationError", "AnnotationStore", "SaveError", "StoreConflictError",
           "accepted_entities", "atomic_write_text", "check_label", "format_annotatable", "format_progress",
           "format_qa", "format_record", "format_relations", "join_tokens", "make_entity", "new_record",
           "read_jsonl", "record_to_tags", "resolve_overlaps", "snap_to_words", "span_key", "span_to_words",
           "split_to_texts", "validate_record", "words", "words_to_span"]
