"""workbench.qa: SQuAD EM/F1 and BioASQ metrics on hand-made cases, SQuAD/BioASQ loaders, windows
and exact character spans for long unicode contexts, n-best spans, cross-snippet merging, a short
fine-tuning run of the stand-in, the CLI, and BioASQ 4b from the shared data."""
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from workbench import cli
from workbench import qa
from workbench.data import DataFormatError

# ---------------------------------------------------------------- SQuAD normalisation / EM / F1


@pytest.mark.parametrize("text, norm", [
    ("The BRCA1 gene.", "brca1 gene"),
    ("  an   Apple,  a pear ", "apple pear"),
    ("theophylline", "theophylline"),           # "the" inside a word stays
    ("Anti-TNF (α) therapy", "antitnf α therapy"),  # ASCII punctuation goes, unicode letters stay
    ("", ""),
])
def test_normalize_answer_follows_official_rules(text, norm):
    assert qa.normalize_answer(text) == norm


def test_exact_match_and_f1_hand_made():
    assert qa.exact_match("the BRCA1 gene", "BRCA1 gene.") == 1          # perfect after normalisation
    assert qa.exact_match("BRCA1", "BRCA1 gene") == 0
    assert qa.f1("BRCA1", "BRCA1 gene") == pytest.approx(2 * 1 * 0.5 / 1.5)   # partial: P 1, R 1/2
    assert qa.f1("mutant BRCA1 protein", "BRCA1 gene") == pytest.approx(0.4)  # P 1/3, R 1/2
    assert qa.f1("cisplatin", "BRCA1 gene") == 0.0                        # wrong
    assert qa.f1("", "") == 1.0 and qa.f1("", "BRCA1") == 0.0 and qa.f1("BRCA1", "") == 0.0


def test_squad_metrics_best_over_golds_missing_and_v2():
    refs = {"perfect": ["breast cancer"], "partial": ["BRCA1 gene"], "synonym": ["TP53", "p53"],
            "wrong": ["cisplatin"], "missing": ["imatinib"], "noans": [], "noans_wrong": []}
    preds = {"perfect": "Breast cancer.", "partial": "BRCA1", "synonym": "p53", "wrong": "aspirin",
             "noans": "", "noans_wrong": "ABL1"}
    m = qa.squad_metrics(preds, refs)
    assert m["total"] == 7 and m["missing"] == 1
    assert m["exact_match"] == pytest.approx(100 * 3 / 7)   # perfect, synonym, noans
    assert m["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1 + 0 + 0 + 1 + 0) / 7)
    assert m["HasAns_total"] == 5 and m["NoAns_total"] == 2
    assert m["NoAns_exact"] == 50.0 and m["HasAns_exact"] == pytest.approx(40.0)
    v1 = qa.squad_metrics({"a": "x"}, {"a": ["x"], "b": ["y"]})
    assert v1 == {"exact_match": 50.0, "f1": 50.0, "total": 2, "missing": 1}, "no NoAns breakdown without v2 questions"


# ---------------------------------------------------------------- BioASQ metrics

GOLD = {"q1": ["BRCA1", "breast cancer 1"], "q2": ["Imatinib", "Gleevec"], "q3": ["TP53"],
        "q4": ["cisplatin"], "q5": ["Parkinson's disease"]}


def test_bioasq_strict_lenient_mrr_hand_made():
    ranked = {"q1": ["brca1", "BRCA2"],                          # top-1, case-insensitive
              "q2": ["ABL1", "nilotinib", " gleevec "],          # synonym at rank 3, spaces ignored
              "q3": ["p53 protein", "a", "b", "c", "d", "TP53"],  # rank 6: outside the top 5
              "q4": ["aspirin"]}                                 # wrong; q5 missing
    m = qa.bioasq_factoid_metrics(ranked, GOLD)
    assert m["questions"] == 5 and m["missing"] == 1
    assert m["strict_accuracy"] == pytest.approx(20.0)
    assert m["lenient_accuracy"] == pytest.approx(40.0)
    assert m["mrr"] == pytest.approx(100 * (1 + 1 / 3) / 5)
    assert qa.bioasq_factoid_metrics(ranked, GOLD, top_k=6)["lenient_accuracy"] == pytest.approx(60.0)


def test_bioasq_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="list of answer strings"):
        qa.bioasq_factoid_metrics({"q1": "BRCA1"}, GOLD)
    with pytest.raises(ValueError, match="no golden"):
        qa.bioasq_factoid_metrics({}, {})


# ---------------------------------------------------------------- loaders

def _write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def _squad(paragraphs, version="1.1"):
    return {"version": version, "data": [{"title": "t", "paragraphs": paragraphs}]}


def test_load_squad_v1_and_v2(tmp_path):
    ctx = "Imatinib inhibits ABL1 in chronic myeloid leukaemia."
    v1 = _write(tmp_path / "v1.json", _squad([{"context": ctx, "qas": [
        {"id": "a", "question": "What does imatinib inhibit?", "answers": [{"text": "ABL1", "answer_start": 18}]}]}]))
    v2 = _write(tmp_path / "v2.json", _squad([{"context": ctx, "qas": [
        {"id": "b", "question": "What does imatinib cure?", "is_impossible": True, "answers": [],
         "plausible_answers": [{"text": "chronic myeloid leukaemia", "answer_start": 26}]},
        {"id": "c", "question": "Which drug?", "is_impossible": False,
         "answers": [{"text": "Imatinib", "answer_start": 0}, {"text": "Imatinib", "answer_start": 0}]}]}], "v2.0"))
    ds = qa.load_squad([v1, v2])
    assert ds["id"] == ["a", "b", "c"]
    assert ds[0]["answers"] == {"text": ["ABL1"], "answer_start": [18]}
    assert ds[1]["answers"] == {"text": [], "answer_start": []}, "unanswerable: no answers"
    assert ds[2]["answers"]["text"] == ["Imatinib", "Imatinib"]
    assert qa.has_unanswerable(ds) and not qa.has_unanswerable(qa.load_squad(v1))


@pytest.mark.parametrize("doc, message", [
    ("{not json", r"bad\.json:1:2: invalid JSON"),
    ({"questions": []}, r"bad\.json: not SQuAD JSON"),
    (_squad([{"context": "abc"}]), r"bad\.json: data\[0\]\.paragraphs\[0\]: needs 'context' and 'qas'"),
    (_squad([{"context": "abc", "qas": [{"question": "q?"}]}]), r"qas\[0\]: a question needs 'id'"),
    (_squad([{"context": "Imatinib inhibits ABL1.", "qas": [
        {"id": "x", "question": "q?", "answers": [{"text": "ABL1", "answer_start": 3}]}]}]),
     r"bad\.json.*question x: answer 'ABL1' is not at character 3"),
    (_squad([{"context": "abc", "qas": [{"id": "y", "question": "q?", "answers": [{"text": "a"}]}]}]),
     r"question y: answers need 'text' and 'answer_start'"),
])
def test_malformed_squad_names_the_file(tmp_path, doc, message):
    path = tmp_path / "bad.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataFormatError, match=message):
        qa.load_squad(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        qa.load_squad(tmp_path / "nope.json")


def test_find_answer_spans_whole_words_case_insensitive():
    ctx = "TP53 (tp53) and pTP53; p53-null cells lack P53."
    assert qa.find_answer_spans(ctx, ["TP53", "p53"]) == [(0, 4), (6, 10), (23, 26), (43, 46)]
    assert qa.find_answer_spans("breast cancer 1 and breast cancer", ["breast cancer", "breast cancer 1"]) == [
        (0, 15), (20, 33)], "overlapping synonyms: the longer match at the same place wins"
    assert qa.find_answer_spans("nothing here", ["BRCA1", "", "  "]) == []


def _bioasq_files(tmp_path):
    test = {"version": "BioASQ6b", "data": [{"title": "BioASQ6b", "paragraphs": [
        {"context": "Gleevec (imatinib) targets BCR-ABL.", "qas": [{"id": "q1_000", "question": "Which drug targets BCR-ABL?"}]},
        {"context": "BCR-ABL is inhibited by IMATINIB and by nilotinib.", "qas": [{"id": "q1_001", "question": "Which drug targets BCR-ABL?"}]},
        {"context": "The kinase was studied in mice.", "qas": [{"id": "q2_000", "question": "Which gene causes X?"}]}]}]}
    golden = {"questions": [
        {"id": "q1", "type": "factoid", "body": "Which drug targets BCR-ABL?", "exact_answer": [["imatinib", "Gleevec"]]},
        {"id": "q2", "type": "factoid", "body": "Which gene causes X?", "exact_answer": [["XGENE1"], ["xg1"]]},
        {"id": "q3", "type": "yesno", "body": "Is it?", "exact_answer": "yes"}]}
    return _write(tmp_path / "BioASQ-test-factoid-4b-1.json", test), _write(tmp_path / "4B1_golden.json", golden)


def test_load_bioasq_locates_answers_and_counts_coverage(tmp_path):
    test, golden = _bioasq_files(tmp_path)
    assert qa.load_bioasq_golden(golden) == {"q1": ["imatinib", "Gleevec"], "q2": ["XGENE1", "xg1"]}
    ds = qa.load_bioasq(test, golden)
    assert ds["question_id"] == ["q1", "q1", "q2"]
    assert ds[0]["answers"] == {"text": ["Gleevec", "imatinib"], "answer_start": [0, 9]}
    assert ds[1]["answers"] == {"text": ["IMATINIB"], "answer_start": [24]}
    assert ds[2]["answers"]["text"] == []
    assert ds[2]["golden"] == ["XGENE1", "xg1"]
    cov = qa.bioasq_coverage(ds)
    assert cov == {"questions": 2, "questions_located": 1, "questions_not_located": 1, "question_coverage": 50.0,
                   "snippets": 3, "snippets_located": 2}
    assert qa.bioasq_files(tmp_path) == [(test, golden)]
    assert qa.load_bioasq_folder(tmp_path)["id"] == ds["id"]
    assert qa.select_questions(ds, 1)["id"] == ["q1_000", "q1_001"]


def test_bioasq_errors_name_files(tmp_path):
    test, golden = _bioasq_files(tmp_path)
    other = _write(tmp_path / "other_golden.json", {"questions": [{"id": "q1", "type": "factoid", "exact_answer": [["a"]]}]})
    with pytest.raises(DataFormatError, match=r"BioASQ-test-factoid-4b-1\.json: question q2_000 has no factoid entry"):
        qa.load_bioasq(test, other)
    with pytest.raises(DataFormatError, match=r"bad_golden\.json: not a BioASQ golden file"):
        qa.load_bioasq_golden(_write(tmp_path / "bad_golden.json", {"data": []}))
    with pytest.raises(DataFormatError, match=r"nogold\.json: question #0 has no 'id' or 'exact_answer'"):
        qa.load_bioasq_golden(_write(tmp_path / "nogold.json", {"questions": [{"id": "q", "type": "factoid"}]}))
    golden.unlink()
    with pytest.raises(FileNotFoundError, match="4B1_golden.json is missing"):
        qa.bioasq_files(tmp_path)
    assert qa.question_id("5a6a_003") == "5a6a" and qa.question_id("plain") == "plain"


# ---------------------------------------------------------------- n-best spans

def _brute_force(start, end, mask, n_best, max_len):
    out = []
    for f in range(start.shape[0]):
        ctx = np.where(mask[f])[0]
        ls = start[f, ctx] - np.log(np.exp(start[f, ctx]).sum())
        le = end[f, ctx] - np.log(np.exp(end[f, ctx]).sum())
        lsd, led = dict(zip(ctx, ls)), dict(zip(ctx, le))
        pairs = [(lsd[i] + led[j], f, i, j) for i in ctx for j in ctx if i <= j < i + max_len]
        out += sorted(pairs, reverse=True)[:n_best]
    return out


def test_span_candidates_equal_brute_force():
    rng = np.random.default_rng(0)
    start, end = rng.normal(size=(3, 40)).astype(np.float32), rng.normal(size=(3, 40)).astype(np.float32)
    mask = np.zeros((3, 40), bool)
    mask[0, 5:38], mask[1, 8:20], mask[2, 10:12] = True, True, True   # window 2: only 3 valid spans
    cand = qa.span_candidates(start, end, mask, n_best=7, max_answer_len=4)
    got = sorted(zip(cand.log_score.tolist(), cand.feature.tolist(), cand.start.tolist(), cand.end.tolist()), reverse=True)
    want = sorted(_brute_force(start, end, mask, 7, 4), reverse=True)
    assert len(got) == len(want) == 7 + 7 + 3
    for g, w in zip(got, want):
        assert g[1:] == w[1:] and g[0] == pytest.approx(w[0], abs=1e-5)
    with pytest.raises(ValueError, match="one \\(windows, tokens\\) shape"):
        qa.span_candidates(start, end[:, :5], mask)


def test_span_candidates_null_score():
    start = np.array([[5.0, 0.0, 1.0, 0.0]], np.float32)
    end = np.array([[5.0, 0.0, 0.0, 1.0]], np.float32)
    mask = np.array([[False, True, True, True]])
    cand = qa.span_candidates(start, end, mask, n_best=3, allow_null=True)
    z = np.log(np.exp(5) + 3 * 1 + (np.e - 1))  # log-sum over CLS + 3 context tokens, one of them e^1
    assert cand.null_log_score[0] == pytest.approx(2 * (5 - z), abs=1e-5)
    assert (cand.start[0], cand.end[0]) == (2, 3)


def test_merge_candidates_dedups_windows_and_accumulates_snippets():
    spans = [
        {"text": "imatinib", "start": 10, "end": 18, "score": 0.30, "context": 0},
        {"text": "imatinib", "start": 10, "end": 18, "score": 0.25, "context": 0},  # same span, other window
        {"text": "Imatinib", "start": 0, "end": 8, "score": 0.20, "context": 1},    # same answer, other snippet
        {"text": "nilotinib", "start": 5, "end": 14, "score": 0.40, "context": 2},
        {"text": "", "start": 0, "end": 0, "score": 0.10, "context": 0},
        {"text": "", "start": 0, "end": 0, "score": 0.05, "context": 1},
    ]
    merged = qa.merge_candidates(spans, top_k=5)
    assert [m["text"] for m in merged] == ["imatinib", "nilotinib", ""]
    assert merged[0]["score"] == pytest.approx(0.50) and merged[0]["support"] == 2
    assert merged[0]["spans"] == [(0, 10, 18), (1, 0, 8)]
    assert merged[2]["score"] == pytest.approx(0.10), "the null answer keeps its best score"
    assert qa.merge_candidates(spans, top_k=1)[0]["text"] == "imatinib"


# ---------------------------------------------------------------- windows on long unicode contexts

@pytest.fixture(scope="module")
def tokenizer(standin_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(standin_dir))


class KeywordQA:
    """A test double for a QA model: start/end logits peak on the first/last word piece of a known
    answer, so the right span is known and the windowing and character mapping can be checked exactly."""

    def __init__(self, tokenizer, answer_text):
        import torch

        pieces = tokenizer(answer_text, add_special_tokens=False)["input_ids"]
        self.start_id, self.end_id = pieces[0], pieces[-1]
        self.device, self.training, self.torch, self.calls = torch.device("cpu"), False, torch, []
        self.config = SimpleNamespace(_name_or_path="keyword test double")

    def eval(self):
        return self

    def train(self, mode=True):
        return self

    def __call__(self, input_ids, attention_mask=None, token_type_ids=None):
        self.calls.append(tuple(input_ids.shape))
        first_sep = (input_ids == 102).int().argmax(dim=1, keepdim=True)   # [SEP] after the question
        in_context = self.torch.arange(input_ids.shape[1])[None, :] > first_sep
        start = ((input_ids == self.start_id) & in_context).float() * 8.0
        end = ((input_ids == self.end_id) & in_context).float() * 8.0
        start[:, 0] = end[:, 0] = 4.0  # [CLS]: the "no answer" score, below a real answer
        return SimpleNamespace(start_logits=start, end_logits=end)


FILLER = ("Café-au-lait spots\u00a0were\tseen in   3 patients (Ωmega cohort)…\n"
          "治疗 responses varied; naïve cells 🧬 were counted twice. ")
ANSWER = "Zebrïnib"  # accents are stripped by the uncased tokenizer; offsets must still be exact


def test_long_context_gives_exact_char_span(tokenizer):
    context = FILLER * 30 + "The kinase was blocked by  " + ANSWER + " in vitro. " + FILLER * 10
    model = KeywordQA(tokenizer, ANSWER)
    enc = qa.tokenize_windows(tokenizer, ["What blocked the kinase?"], [context], max_length=64, doc_stride=16)
    assert len(enc["input_ids"]) > 20 and max(len(x) for x in enc["input_ids"]) <= 64
    answers = qa.answer("What blocked the kinase?", context, top_k=3, model=model, tokenizer=tokenizer,
                        max_length=64, doc_stride=16)
    best = answers[0]
    start = context.index(ANSWER)
    assert (best["start"], best["end"], best["text"]) == (start, start + len(ANSWER), ANSWER)
    assert best["context"] == 0 and best["support"] == 1, "seen in two overlapping windows, counted once"
    for a in answers:
        assert context[a["start"]:a["end"]] == a["text"] and a["text"] == a["text"].strip()
        assert 0 < a["score"] <= 1
    assert [a["score"] for a in answers] == sorted((a["score"] for a in answers), reverse=True)


def test_windows_cover_every_context_character(tokenizer):
    context = FILLER * 12
    enc = qa.tokenize_windows(tokenizer, ["q?"], [context], max_length=48, doc_stride=12)
    covered = np.zeros(len(context), bool)
    for i in range(len(enc["input_ids"])):
        for o in qa.context_offsets(enc, i):
            if o is not None:
                covered[o[0]:o[1]] = True
    missed = {context[k] for k in np.where(~covered)[0]}
    assert missed <= set(" \u00a0\t\n"), f"characters outside every window: {missed}"


def test_train_features_point_at_the_answer_in_each_window(tokenizer):
    context = FILLER * 8 + "Resistance needs " + ANSWER + " exposure. " + FILLER * 4
    start = context.index(ANSWER)
    examples = {"id": ["x", "y"], "question": ["What is needed?", "Nothing?"], "context": [context, "Short text."],
                "answers": [{"text": [ANSWER], "answer_start": [start]}, {"text": [], "answer_start": []}]}
    feats = qa.prepare_train_features(examples, tokenizer, max_length=64, doc_stride=16)
    hits = 0
    for s, e, offs, ex in zip(feats["start_positions"], feats["end_positions"], feats["offset_mapping"],
                              feats["example_id"]):
        if s == 0:
            assert e == 0
            continue
        hits += 1
        assert ex == "x" and context[offs[s][0]:offs[e][1]] == ANSWER
    assert hits >= 1
    assert feats["start_positions"][-1] == 0 and feats["example_id"][-1] == "y", "unanswerable -> [CLS]"


def test_merge_across_snippets_and_batching(tokenizer):
    snippets = ["Nothing relevant here.", "We gave " + ANSWER + " daily.", FILLER * 5 + ANSWER + " again. " + FILLER]
    model = KeywordQA(tokenizer, ANSWER)
    one = qa.answer("Which drug?", snippets, model=model, tokenizer=tokenizer, max_length=64, doc_stride=16)
    best = one[0]
    assert best["text"] == ANSWER and best["support"] == 2
    assert {c for c, _, _ in best["spans"]} == {1, 2}
    assert best["score"] > max(a["score"] for a in one[1:]) and best["score"] > 1.0, "probabilities add up"
    for a in one:
        assert snippets[a["context"]][a["start"]:a["end"]] == a["text"]
    # the same answers whatever the batching
    model.calls.clear()
    many = qa.answer_many(["Which drug?", "Again?"], [snippets, snippets[1]], model=model, tokenizer=tokenizer,
                          max_length=64, doc_stride=16, batch_size=1)
    assert [(a["text"], a["context"], a["start"]) for a in many[0]] == [(a["text"], a["context"], a["start"]) for a in one]
    assert many[0][0]["score"] == pytest.approx(best["score"], rel=1e-5)
    assert many[1][0]["text"] == ANSWER and many[1][0]["context"] == 0
    assert model.calls and all(shape[0] == 1 for shape in model.calls), "batch_size=1: one window per forward pass"


def test_squad_v2_null_answer_wins_without_an_answer(tokenizer, tmp_path):
    model = KeywordQA(tokenizer, ANSWER)
    path = _write(tmp_path / "v2.json", _squad([
        {"context": "Patients received " + ANSWER + " daily.", "qas": [
            {"id": "has", "question": "Which drug?", "answers": [{"text": ANSWER, "answer_start": 18}]}]},
        {"context": FILLER * 3, "qas": [{"id": "none", "question": "Which drug?", "is_impossible": True, "answers": []}]},
    ], "v2.0"))
    ds = qa.load_squad(path)
    assert qa.predict_squad(model, ds, tokenizer, allow_null=True) == {"has": ANSWER, "none": ""}
    assert qa.predict_squad(model, ds, tokenizer, allow_null=False)["none"] != "", "v1: always some span"
    m = qa.evaluate_squad(model, ds, tokenizer)  # allow_null follows the data (it has an unanswerable question)
    assert m["exact_match"] == 100.0 and m["NoAns_total"] == 1 and m["HasAns_exact"] == 100.0
    assert m["model"] == "keyword test double"


def test_answer_rejects_bad_input(tokenizer):
    model = KeywordQA(tokenizer, ANSWER)
    with pytest.raises(ValueError, match="question #0 is empty"):
        qa.answer("  ", "text", model=model, tokenizer=tokenizer)
    with pytest.raises(ValueError, match="context #1 is int"):
        qa.answer("q?", ["text", 3], model=model, tokenizer=tokenizer)
    with pytest.raises(ValueError, match="doc_stride"):
        qa.answer("q?", "text", model=model, tokenizer=tokenizer, max_length=64, doc_stride=64)
    with pytest.raises(ValueError, match="cannot fit question #0"):
        qa.answer("why " * 80, "text", model=model, tokenizer=tokenizer, max_length=64, doc_stride=16)
    assert qa.answer("q?", [], model=model, tokenizer=tokenizer) == []


def test_format_answer_highlights_escaped_context():
    ctx = "<b>Imatinib</b> blocks ABL1."
    html = qa.format_answer([{"text": "Imatinib", "start": 3, "end": 11, "score": 0.9, "context": 0}], ctx)
    assert "<mark" in html and "&lt;b&gt;" in html and ">Imatinib<span" in html and "ANSWER" in html
    assert "no answer" in qa.format_answer([{"text": "", "start": 0, "end": 0, "score": 0.9, "context": 0}], ctx)
    table = qa.answer_table([{"text": "Imatinib", "start": 3, "end": 11, "score": 0.9, "context": 0}])
    assert list(table["answer"]) == ["Imatinib"] and list(table["rank"]) == [1]


# ---------------------------------------------------------------- fine-tuning the stand-in and the CLI

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, standin_dir):
    out = tmp_path_factory.mktemp("qa") / "model"
    result = qa.train_qa("sample", "standin", out, epochs=1, batch_size=8, learning_rate=2e-4, max_train_samples=48,
                         max_eval_samples=16, max_length=128, progress=False)
    return result


def test_short_training_run_saves_a_reloadable_model(tiny_run):
    assert tiny_run.metrics["model"].startswith("stand-in") and "BioBERT" not in tiny_run.metrics["model"].replace("not BioBERT", "")
    assert tiny_run.settings["train_examples"] == 48 and tiny_run.settings["max_length"] == 128
    assert tiny_run.data_used == {"train_used": 48, "train_total": 582, "dev_used": 16, "dev_total": 169}
    losses = [h["loss"] for h in tiny_run.history if "loss" in h]
    assert losses and np.isfinite(losses).all()
    assert 0 <= tiny_run.dev["exact_match"] <= tiny_run.dev["f1"] <= 100
    assert (tiny_run.out_dir / "config.json").exists()
    assert not (tiny_run.out_dir / "checkpoints").exists(), "checkpoints are removed once the model is saved"
    ds = qa.load_squad(qa.sample_path("dev")).select(range(6))
    report = qa.evaluate_squad(str(tiny_run.out_dir), ds)
    assert report["total"] == 6 and report["model"].startswith("model (fine-tuned from stand-in")
    got = qa.answer(ds[0]["question"], ds[0]["context"], model=str(tiny_run.out_dir), top_k=3)
    assert 1 <= len(got) <= 3 and all(ds[0]["context"][a["start"]:a["end"]] == a["text"] for a in got)


def test_answering_never_trains_and_sample_reader_loads_its_cache(tiny_run, tmp_path, monkeypatch):
    import shutil

    from workbench.models import resolve

    with pytest.raises(ValueError, match=r"wb\.qa\.sample_reader\(\)"):
        qa.answer("What does imatinib inhibit?", "Imatinib inhibits ABL1.")
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", resolve("biobert-squad").display_name)[:60]
    shutil.copytree(tiny_run.out_dir, tmp_path / "qa" / f"sample-reader-{safe}")  # so nothing is trained here
    assert qa.sample_reader_dir() == tmp_path / "qa" / f"sample-reader-{safe}"
    model, tokenizer = qa.sample_reader()
    assert model is qa.sample_reader()[0], "loaded once, then cached"
    first = qa.answer("What does imatinib inhibit?", "Imatinib inhibits ABL1.", model=model, tokenizer=tokenizer)
    assert first and first == qa.answer("What does imatinib inhibit?", "Imatinib inhibits ABL1.", model=model)


def test_cli_evaluate_and_predict(tiny_run, tmp_path, capsys):
    model = str(tiny_run.out_dir)
    assert cli.main(["qa", "evaluate", "--model", model, "--data", str(qa.sample_path("dev")), "--max-samples", "4"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["total"] == 4 and set(metrics) >= {"exact_match", "f1", "model"}
    test, golden = _bioasq_files(tmp_path)
    assert cli.main(["qa", "evaluate", "--model", model, "--bioasq-test", str(test), "--golden", str(golden)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["questions"] == 2 and metrics["coverage"]["questions_located"] == 1
    assert cli.main(["qa", "evaluate", "--model", model, "--bioasq-test", str(test)]) == 2
    assert "--golden" in capsys.readouterr().err
    ctx = tmp_path / "ctx.txt"
    ctx.write_text("Imatinib inhibits ABL1 in leukaemia.", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "workbench", "qa", "predict", "--model", model, "--question",
                           "What does imatinib inhibit?", "--context-file", str(ctx), "--top-k", "2", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    answers = json.loads(proc.stdout)
    assert len(answers) == 2 and all(ctx.read_text()[a["start"]:a["end"]] == a["text"] for a in answers)
    assert cli.main(["qa", "predict", "--model", model, "--question", "q?"]) == 2
    assert "--context" in capsys.readouterr().err


def test_cli_train(tmp_path, capsys, standin_dir):
    train = _write(tmp_path / "train.json", _squad([{"context": "Imatinib inhibits ABL1.", "qas": [
        {"id": f"q{i}", "question": "What does imatinib inhibit?", "answers": [{"text": "ABL1", "answer_start": 18}]}
        for i in range(4)]}]))
    assert cli.main(["qa", "train", "--model", "standin", "--data", str(train), "--dev", str(train), "--out",
                     str(tmp_path / "m"), "--epochs", "1", "--batch-size", "4", "--max-length", "64"]) == 0
    printed = capsys.readouterr()
    out = json.loads(printed.out)
    assert out["train_examples"] == 4 and "exact_match" in out and Path(out["saved_to"]).is_dir()
    used = {"train_used": 4, "train_total": 4, "dev_used": 4, "dev_total": 4}  # no --max-train-samples: all of them
    assert {k: out[k] for k in used} == used and "training on all 4 questions, dev all 4 questions" in printed.err
    meta = json.loads((tmp_path / "m" / "workbench_model.json").read_text())
    assert {k: meta[k] for k in used} == used
    assert cli.main(["qa", "train", "--model", "standin", "--data", str(train), "--dev", str(train), "--out",
                     str(tmp_path / "m2"), "--epochs", "1", "--max-length", "64", "--max-train-samples", "2",
                     "--all-samples"]) == 0
    printed = capsys.readouterr()
    out = json.loads(printed.out)
    assert (out["train_used"], out["train_total"], out["dev_used"]) == (2, 4, 4)
    assert "training on 2 of 4 questions (max_train_samples=2)" in printed.err
    assert "--all-samples is the default now" in printed.err, "the retired flag is accepted and says so"


# ---------------------------------------------------------------- the project sample and real data

def test_sample_answers_are_exact_and_dev_names_are_unseen():
    train, dev = qa.load_squad(qa.sample_path("train")), qa.load_squad(qa.sample_path("dev"))
    assert len(train) == 582 and len(dev) == 169
    for row in list(train) + list(dev):
        (text,), (start,) = row["answers"]["text"], row["answers"]["answer_start"]
        assert row["context"][start:start + len(text)] == text
    train_answers = {a for r in train["answers"] for a in r["text"]}
    dev_answers = [a for r in dev["answers"] for a in r["text"]]
    assert sum(a not in train_answers for a in dev_answers) > 0.5 * len(dev_answers), "most dev answers are new"
    sys.path.insert(0, str(qa.sample_path("train").parent.parent))
    import make_qa_sample as G

    templates = {split: {t for s, _, t, _ in G.FACTS if s == split} for split in ("train", "dev")}
    assert templates["train"] and templates["dev"] and not templates["train"] & templates["dev"]
    contexts = {split: " ".join(ds["context"]) for split, ds in (("train", train), ("dev", dev))}
    for template in templates["dev"]:  # every dev fact sentence shape occurs in dev passages, none in train
        shape = re.sub(r"\\\{[A-Z]2?\\\}", "[^.]+", re.escape(template))
        assert re.search(shape, contexts["dev"]) and not re.search(shape, contexts["train"]), template


def test_sample_matches_its_generator(tmp_path):
    gen = qa.sample_path("train").parent.parent / "make_qa_sample.py"
    subprocess.run([sys.executable, str(gen), str(tmp_path)], check=True, capture_output=True)
    for split in ("train", "dev"):
        assert (tmp_path / f"{split}.json").read_bytes() == qa.sample_path(split).read_bytes(), split
    sources = qa.sample_path("train").parent / "sources.tsv"
    assert (tmp_path / "sources.tsv").read_bytes() == sources.read_bytes(), "sources.tsv"


@pytest.mark.realdata
def test_bioasq_4b_loads_with_coverage(shared_data):
    ds = qa.load_bioasq_folder(shared_data / "bioasq_4b")
    cov = qa.bioasq_coverage(ds)
    assert cov["questions"] == 161 and cov["snippets"] == 652  # PROVENANCE.md: 39+31+26+31+34, 167+152+100+116+117
    assert 60 < cov["question_coverage"] < 85, "about 30% of answers are not verbatim in any snippet"
    assert cov["questions_located"] + cov["questions_not_located"] == 161
    for row in ds:
        keys = {" ".join(g.lower().split()) for g in row["golden"]}  # golden synonyms may carry spaces
        for text, start in zip(row["answers"]["text"], row["answers"]["answer_start"]):
            assert row["context"][start:start + len(text)] == text and text.lower() in keys
    golden = qa.load_bioasq_golden([g for _, g in qa.bioasq_files(shared_data / "bioasq_4b")])
    assert set(golden) == set(ds["question_id"])
