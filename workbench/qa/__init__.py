"""Extractive question answering, BioBERT/BioASQ style. Taught in 03_question_answering.

transformers 5 has no ``pipeline("question-answering")``, so this package does what it did, in the
open: cut long contexts into overlapping windows (``max_length`` 384, ``doc_stride`` 128) with
offset mappings, run ``AutoModelForQuestionAnswering``, take the best start/end pairs of every
window (vectorised top-k over all valid pairs), map them back to exact character spans of the
original context, and -- for BioASQ, where one question comes with many snippets -- merge the
candidates of all snippets (the same answer string accumulates its probability).

* :mod:`.metrics` -- SQuAD EM/F1 and BioASQ strict/lenient/MRR (``evaluate.load`` needs the hub);
* :mod:`.data` -- SQuAD JSON, the project sample, BioASQ test + golden files;
* :mod:`.reader` -- windows, n-best spans, :func:`answer` / :func:`answer_many`, HTML views;
* :mod:`.evaluation` -- :func:`evaluate_squad`, :func:`evaluate_bioasq` (``(model, data, tokenizer=None)``);
* :mod:`.fine_tuning` -- :func:`train_qa` (the shared recipe) and the cached demo :func:`sample_reader`;
* :mod:`.retrieval` -- passages with offsets, BM25 (``bm25s``), dense embeddings (``faiss``), fusion, a saved index;
* :mod:`.ask` -- :func:`ask` (retrieve, then read, with the evidence) and its BioASQ measures.

Answers are dicts ``{"text", "start", "end", "score", "context", "label": "ANSWER", ...}``:
``start``/``end`` are character offsets into ``contexts[context]``.
"""
from .ask import (BioASQPool, answer_sentence, as_index, ask, ask_many, bioasq_pool, evaluate_ask_bioasq,
                  evidence_table, format_evidence, negation_cue, retrieval_recall, show_evidence)
from .data import (bioasq_coverage, bioasq_files, find_answer_spans, load_bioasq, load_bioasq_folder,
                   has_unanswerable, load_bioasq_golden, load_sample, load_squad, question_id, sample_path)
from .evaluation import evaluate_bioasq, evaluate_squad, predict_bioasq, predict_squad, select_questions
from .fine_tuning import qa_splits, sample_reader, sample_reader_dir, train_qa
from .metrics import bioasq_factoid_metrics, exact_match, f1, flatten_synonyms, normalize_answer, squad_metrics
from .reader import (DOC_STRIDE, MAX_ANSWER_LEN, MAX_LENGTH, N_BEST, Candidates, answer, answer_many, answer_table,
                     context_offsets, format_answer, load_reader, merge_candidates, prepare_train_features, show_answer,
                     span_candidates, stride_for, tokenize_windows, window_logits)
from .retrieval import (ENCODERS, BM25Index, Corpus, DenseIndex, Encoder, EncoderSpec, Passage, PassageIndex,
                        build_index, index_size, load_abstracts, load_index, load_sample_corpus, make_corpus,
                        reciprocal_rank_fusion, sample_corpus_path, split_passages)

# Published anchors, shown next to what actually ran, never in its place: Lee et al. 2020 (Bioinformatics
# 36:1234), QA table, BioBERT v1.1 fine-tuned on SQuAD, then on each year's BioASQ training questions.
# Compare 4b with 4b; the average is over the 472 test questions of 4b-6b (161 / 150 / 161).
ANCHORS = {
    "BioBERT v1.1 (published, BioASQ 4b)": {"strict_accuracy": 27.95, "lenient_accuracy": 44.10, "mrr": 34.72},
    "BioBERT v1.1 (published, BioASQ 5b)": {"strict_accuracy": 46.00, "lenient_accuracy": 60.00, "mrr": 51.64},
    "BioBERT v1.1 (published, BioASQ 6b)": {"strict_accuracy": 42.86, "lenient_accuracy": 57.77, "mrr": 48.43},
    "BioBERT v1.1 (published, 4b-6b average)": {"strict_accuracy": 38.77, "lenient_accuracy": 53.81, "mrr": 44.77},
}

__all__ = ["ANCHORS", "BM25Index", "BioASQPool", "Candidates", "Corpus", "DenseIndex", "ENCODERS", "Encoder",
           "EncoderSpec", "Passage", "PassageIndex", "answer_sentence", "as_index", "ask", "ask_many", "bioasq_pool", "build_index",
           "evaluate_ask_bioasq", "evidence_table", "format_evidence", "index_size", "load_abstracts", "load_index",
           "load_sample_corpus", "make_corpus", "negation_cue", "reciprocal_rank_fusion", "retrieval_recall", "sample_corpus_path",
           "show_evidence", "split_passages", "DOC_STRIDE", "MAX_ANSWER_LEN", "MAX_LENGTH", "N_BEST", "answer", "answer_many",
           "answer_table", "bioasq_coverage", "bioasq_factoid_metrics", "bioasq_files", "context_offsets",
           "evaluate_bioasq", "evaluate_squad", "exact_match", "f1", "find_answer_spans", "flatten_synonyms",
           "format_answer", "has_unanswerable", "load_bioasq", "load_bioasq_folder", "load_bioasq_golden", "load_reader", "load_sample",
           "load_squad", "merge_candidates", "normalize_answer", "predict_bioasq", "predict_squad",
           "prepare_train_features", "qa_splits", "question_id", "sample_path", "sample_reader", "sample_reader_dir",
           "select_questions", "show_answer", "span_candidates", "squad_metrics", "stride_for", "tokenize_windows",
           "train_qa", "window_logits"]
