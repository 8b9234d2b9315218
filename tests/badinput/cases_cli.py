"""Bad-input cases for every command of ``python -m workbench`` (see ``corpus.py``)."""
from __future__ import annotations

import json
from pathlib import Path

from corpus import (
    NERD,
    OUT,
    RED,
    Case,
    M,
    O,
    Q,
    T,
    _cli,
    _empty_doc,
    _file_text,
    _line_numbers,
    _line_text,
    _offsets_index,
    _qa_offsets,
    _re_mixed,
    _stdin_matches_file,
    _translate_lines,
    _words_whole,
    json_lines,
)

QUESTION = "What does imatinib inhibit?"
NOT_UTF8 = r"{}:\d+: not UTF-8"


def _err(id_, area, action, match, **kw):
    return Case(id_, area, action, "error", match, **kw)


def _ok(id_, area, action, check, **kw):
    return Case(id_, area, action, "ok", check=check, **kw)


def _model_cases(prefix: str, task_words: str, command, wrong: dict) -> list[Case]:
    """The model-folder cases every predict/evaluate command gets: missing, file, empty, wrong task, base..."""
    area = "model folder"
    out = [
        _err(f"{prefix}-model-missing", area, command("./nowhere"), r"--model \./nowhere: not found"),
        _err(f"{prefix}-model-missing-deep", area, command("nowhere/saved/model"), r"nowhere/saved/model: not found"),
        _err(f"{prefix}-model-file", area, command(M("model_file")), r"model_file: is a file"),
        _err(f"{prefix}-model-empty", area, command(M("empty")), r"empty: this folder has no config\.json"),
        _err(f"{prefix}-model-base-folder", area, command(M("base")), rf"(base model whose {task_words}.* head|never trained for {task_words})"),
        _err(f"{prefix}-model-registry-base", area, command("biobert"), rf"'biobert' is a base model.*{task_words}"),
        _err(f"{prefix}-model-standin", area, command("standin"), r"'standin' is a base model"),
        _err(f"{prefix}-model-typo", area, command("biobret"), r"unknown model 'biobret'"),
        _err(f"{prefix}-model-hub-offline", area, command("dmis-lab/biobert-base-cased-v1.1"),
             r"cannot be loaded here \(offline"),
        _err(f"{prefix}-model-bad-meta", area, command(M("bad_meta")), r"workbench_model\.json: not valid JSON"),
    ]
    for name, words in wrong.items():
        out.append(_err(f"{prefix}-model-{name}-folder", area, command(M(name)),
                        rf"(holds a {words} model, not a {task_words}.* model|never trained for {task_words})"))
    return out


def ner_cases() -> list[Case]:
    area = "ner predict input"
    predict = lambda *a, stdin=None: _cli("ner", "predict", "--model", M("ner"), *a, stdin=stdin)  # noqa: E731
    cases = [
        _ok("ner-predict-crlf-offsets", area, predict(T("crlf.txt")), _offsets_index(_file_text)),
        _ok("ner-predict-stdin-equals-file", area, predict(stdin=lambda env: (env.corpus / "text/crlf.txt").read_bytes()),
            _stdin_matches_file("crlf.txt")),
        _ok("ner-predict-bom", area, predict(T("bom.txt")), _offsets_index(_file_text)),
        _ok("ner-predict-lines-formfeed", area, predict("--lines", "--with-text", T("formfeed.txt")),
            lambda r, e: (_line_numbers([1, 2, 3])(r, e), _offsets_index(_line_text)(r, e))),
        _ok("ner-predict-lines-crlf", area, predict("--lines", "--with-text", T("crlf.txt")),
            lambda r, e: (_line_numbers([1, 2])(r, e), _offsets_index(_line_text)(r, e),
                          _no_cr(json_lines(r)))),
        _ok("ner-predict-nfd-word-whole", area, predict(T("nfd.txt")), _words_whole),
        _ok("ner-predict-zwj-word-whole", area, predict(T("zwj.txt")), _words_whole),
        _ok("ner-predict-rtl", area, predict(T("rtl.txt")), _offsets_index(_file_text)),
        _ok("ner-predict-html", area, predict(T("html.txt")), _offsets_index(_file_text)),
        _ok("ner-predict-nul-and-bell", area, predict(T("nul.txt")), _offsets_index(_file_text)),
        _ok("ner-predict-huge-line", area, predict(T("huge.txt")), _offsets_index(_file_text)),
        _ok("ner-predict-empty-file", area, predict(T("empty.txt")), _empty_doc),
        _ok("ner-predict-blank-lines", area, predict("--lines", T("blank.txt")), lambda r, e: _no_rows(r)),
        _err("ner-predict-latin1", area, predict(T("latin1.txt")), NOT_UTF8.format("latin1.txt")),
        _err("ner-predict-utf16", area, predict(T("utf16.txt")), NOT_UTF8.format("utf16.txt")),
        _err("ner-predict-stdin-latin1", area, predict(stdin=b"caf\xe9 au lait\n"), r"<stdin>:1: not UTF-8"),
        _err("ner-predict-folder", area, predict(T("a_folder.txt")), r"a_folder\.txt: is a folder"),
        _err("ner-predict-missing", area, predict(T("missing.txt")), r"missing\.txt: no such file"),
        _err("ner-predict-batch-0", "flags", predict("--batch-size", "0", T("plain.txt")),
             r"batch.size.*at least 1"),
        _err("ner-predict-batch-word", "flags", predict("--batch-size", "x", T("plain.txt")),
             r"--batch-size: (expected a whole number|invalid int)"),
        _ok("ner-predict-no-meta-folder", "model folder",
            _cli("ner", "predict", "--model", M("no_meta"), T("plain.txt")), _offsets_index(_file_text)),
        _err("ner-predict-truncated-weights", "model folder",
             _cli("ner", "predict", "--model", M("truncated"), T("plain.txt")), r"weights cannot be read"),
        _err("ner-predict-config-only", "model folder",
             _cli("ner", "predict", "--model", M("config_only"), T("plain.txt")), r"config_only: no weights in this folder"),
    ]
    cases += _model_cases("ner-predict", "NER", lambda m: _cli("ner", "predict", "--model", m, T("plain.txt")),
                          {"re": "relation classification", "qa": "question answering"})

    area = "ner evaluate"
    evaluate = lambda data, *a: _cli("ner", "evaluate", "--data", data, "--model", M("ner"), *a)  # noqa: E731
    cases += [
        _err("ner-evaluate-unknown-tags", area, evaluate(NERD("ner_bom_trailing"), "--split", "devel"),
             r"tags \['B-Gene'.*model does not know"),
        _ok("ner-evaluate-good", area, evaluate(NERD("ner_good"), "--split", "devel"),
            lambda r, e: _assert(0 <= json.loads(r.out)["f1"] <= 1, r.out[:300])),
        _err("ner-evaluate-no-split", area, evaluate(NERD("ner_bom_trailing")), r"no 'test' split"),
        _err("ner-evaluate-missing-data", area, evaluate(OUT("nowhere")), r"nowhere: not a folder"),
        _err("ner-evaluate-no-tsv", area, evaluate(NERD("ner_nofiles")), r"ner_nofiles: no train/devel/test \.tsv"),
        _err("ner-evaluate-latin1", area, evaluate(NERD("ner_latin1"), "--split", "train"), NOT_UTF8.format("train.tsv")),
        _err("ner-evaluate-max-samples-0", "flags", evaluate(NERD("ner_good"), "--max-samples", "0", "--split", "devel"),
             r"--max-samples: must be at least 1"),
    ]
    cases += _model_cases("ner-evaluate", "NER",
                          lambda m: _cli("ner", "evaluate", "--data", NERD("ner_good"), "--model", m, "--split", "devel"),
                          {"qa": "question answering"})

    area = "ner train"
    train = lambda *a: _cli("ner", "train", "--model", "standin", "--out", OUT("ner-out"), *a)  # noqa: E731
    good = NERD("ner_good")
    for flag, value, match in [("--epochs", "0", "above 0"), ("--epochs", "-1", "above 0"),
                               ("--epochs", "nan", "above 0"), ("--epochs", "abc", "expected a number"),
                               ("--batch-size", "0", "at least 1"), ("--lr", "0", "above 0"),
                               ("--max-length", "0", "at least 1"), ("--max-train-samples", "0", "at least 1"),
                               ("--stride", "-1", "(0 or more|>= 0)"), ("--warmup", "1.5", "below 1"),
                               ("--seed", "x", "invalid int")]:
        cases.append(_err(f"ner-train{flag}={value}", "flags", train("--data", good, flag, value),
                          rf"{flag.lstrip('-')}.*{match}"))
    cases += [
        _err("ner-train-spaces", area, train("--data", NERD("ner_spaces")),
             r"train\.tsv:1: expected 'token<TAB>tag'.*spaces, not a tab"),
        _err("ner-train-bad-tag", area, train("--data", NERD("ner_badtag")), r"train\.tsv:1: tag 'B_Gene' is not IOB2"),
        _err("ner-train-tag-with-space", area, train("--data", NERD("ner_spacetag")),
             r"train\.tsv:1: tag 'B-Rare disease' is not IOB2"),
        _err("ner-train-empty-token", area, train("--data", NERD("ner_emptytoken")), r"train\.tsv:2: empty token"),
        _err("ner-train-latin1", area, train("--data", NERD("ner_latin1")), NOT_UTF8.format("train.tsv")),
        _err("ner-train-empty-train", area, train("--data", NERD("ner_empty_train")), r"the train split is empty"),
        _err("ner-train-no-tsv", area, train("--data", NERD("ner_nofiles")), r"no train/devel/test \.tsv"),
        _err("ner-train-missing-data", area, train("--data", OUT("nowhere")), r"nowhere: not (found|a folder)"),
        _err("ner-train-out-is-file", area,
             _cli("ner", "train", "--model", "standin", "--data", good, "--out", lambda e: e.corpus / "not_a_folder"),
             r"--out .*not_a_folder: is a file"),
        _err("ner-train-out-under-file", area,
             _cli("ner", "train", "--model", "standin", "--data", good, "--out",
                  lambda e: e.corpus / "not_a_folder" / "model"), r"--out .*is a file, so the folder cannot be created"),
        _err("ner-train-model-missing", area,
             _cli("ner", "train", "--model", "./nowhere", "--data", good, "--out", OUT("x")),
             r"--model \./nowhere: not found"),
        _err("ner-train-model-empty-folder", area,
             _cli("ner", "train", "--model", M("empty"), "--data", good, "--out", OUT("x")), r"no config\.json"),
        _err("ner-train-model-typo", area,
             _cli("ner", "train", "--model", "biobret", "--data", good, "--out", OUT("x"), "--max-train-samples", "1"),
             r"unknown model 'biobret'"),
    ]
    return cases


def _no_cr(rows):
    assert all("\r" not in r["text"] for r in rows), "a CRLF line keeps its \\r"


def _no_rows(res):
    assert json_lines(res) == [], res.out


def qa_cases() -> list[Case]:
    area = "qa predict"
    predict = lambda *a, model=M("qa"): _cli("qa", "predict", "--model", model, *a)  # noqa: E731
    ctx = ("--context-file", Q("ctx_crlf.txt"))
    cases = [
        _ok("qa-predict-crlf-offsets", area, predict("--question", QUESTION, *ctx, "--json"), _qa_offsets("ctx_crlf.txt")),
        _ok("qa-predict-nfd-keeps-accent", area,
            predict("--question", "Which drug?", "--context-file", Q("ctx_nfd.txt"), "--json", "--top-k", "20"),
            _qa_offsets("ctx_nfd.txt")),
        _err("qa-predict-top-k-0", "flags", predict("--question", QUESTION, *ctx, "--top-k", "0"), r"--top-k: must be at least 1"),
        _err("qa-predict-top-k-negative", "flags", predict("--question", QUESTION, *ctx, "--top-k", "-2"), r"--top-k: must be at least 1"),
        _err("qa-predict-max-length-0", "flags", predict("--question", QUESTION, *ctx, "--max-length", "0"), r"--max-length: must be at least 1"),
        _err("qa-predict-max-length-8", "flags", predict("--question", QUESTION, *ctx, "--max-length", "8"),
             r"(--max-length 8: .*at least 32|max_length=8.* raise max_length)"),
        _err("qa-predict-stride-too-big", "flags", predict("--question", QUESTION, *ctx, "--doc-stride", "500"),
             r"stride.* must be smaller than .*max.length"),
        _err("qa-predict-answer-len-0", "flags", predict("--question", QUESTION, *ctx, "--max-answer-len", "0"),
             r"max.answer.len.* at least 1"),
        _err("qa-predict-empty-question", "flags", predict("--question", "  ", *ctx), r"question.* is empty"),
        _err("qa-predict-no-context", area, predict("--question", QUESTION), r"give at least one --context"),
        _err("qa-predict-empty-context", area, predict("--question", QUESTION, "--context", " "), r"every --context is empty"),
        _err("qa-predict-context-missing", area, predict("--question", QUESTION, "--context-file", Q("nope.txt")),
             r"nope\.txt: no such file"),
        _err("qa-predict-context-latin1", area, predict("--question", QUESTION, "--context-file", T("latin1.txt")),
             NOT_UTF8.format("latin1.txt")),
        _err("qa-predict-context-folder", area, predict("--question", QUESTION, "--context-file", T("a_folder.txt")),
             r"a_folder\.txt: is a folder"),
        _err("qa-predict-biobert-squad-offline", "model folder", predict("--question", QUESTION, *ctx, model="biobert-squad"),
             r"biobert-squad: cannot be loaded here \(offline"),
    ]
    cases += _model_cases("qa-predict", "question answering", lambda m: predict("--question", QUESTION, *ctx, model=m),
                          {"ner": "NER \\(token classification\\)", "re": "relation classification"})

    area = "qa evaluate"
    evaluate = lambda *a, model=M("qa"): _cli("qa", "evaluate", "--model", model, *a)  # noqa: E731
    cases += [
        _err("qa-evaluate-invalid-json", area, evaluate("--data", Q("squad_invalid.json")),
             r"squad_invalid\.json:1:\d+: invalid JSON"),
        _err("qa-evaluate-not-squad", area, evaluate("--data", Q("squad_shape.json")), r"squad_shape\.json: not SQuAD JSON"),
        _err("qa-evaluate-article-not-object", area, evaluate("--data", Q("squad_article.json")),
             r"squad_article\.json: data\[0\] must be an object"),
        _err("qa-evaluate-qas-not-list", area, evaluate("--data", Q("squad_qas.json")),
             r"squad_qas\.json: data\[0\]\.paragraphs\[0\].*'qas'"),
        _err("qa-evaluate-answer-offset", area, evaluate("--data", Q("squad_offset.json")),
             r"question q1: answer 'ABL1' is not at character 3"),
        _err("qa-evaluate-missing-answers", area, evaluate("--data", Q("squad_missing_answers.json")),
             r"qas\[1\]: question q2 has no answers while other questions do"),
        _err("qa-evaluate-questions-only", area, evaluate("--data", Q("squad_questions_only.json")),
             r"no question has a gold answer"),
        _err("qa-evaluate-latin1", area, evaluate("--data", Q("squad_latin1.json")), NOT_UTF8.format("squad_latin1.json")),
        _ok("qa-evaluate-bom", area, evaluate("--data", Q("squad_bom.json")),
            lambda r, e: _assert(json.loads(r.out)["total"] == 1, r.out)),
        _err("qa-evaluate-no-data", area, evaluate(), r"give either --data"),
        _err("qa-evaluate-no-golden", area, evaluate("--bioasq-test", Q("squad_bom.json")), r"--bioasq-test needs --golden"),
        _err("qa-evaluate-bioasq-dir-missing", area, evaluate("--bioasq-dir", OUT("nowhere")), r"nowhere"),
        _err("qa-evaluate-top-k-0", "flags", evaluate("--data", Q("squad_good.json"), "--top-k", "0"), r"--top-k: must be at least 1"),
        _err("qa-evaluate-ner-folder", "model folder", evaluate("--data", Q("squad_good.json"), model=M("ner")),
             r"holds a NER \(token classification\) model, not a question answering model"),
    ]
    area = "qa index and ask"
    index = lambda *a: _cli("qa", "index", "--no-dense", *a)  # noqa: E731
    cases += [
        _ok("qa-index-u2028-in-text", area, index("--corpus", Q("abstracts.jsonl"), "--out", OUT("idx")),
            lambda r, e: _assert(json.loads(r.out)["documents"] == 3, r.out)),
        _err("qa-index-bad-row", area, index("--corpus", Q("abstracts_bad.jsonl"), "--out", OUT("idx")),
             r"abstracts_bad\.jsonl:2: a document needs 'doc_id'"),
        _err("qa-index-missing-corpus", area, index("--corpus", OUT("nope.jsonl"), "--out", OUT("idx")),
             r"nope\.jsonl: no such file"),
        _err("qa-index-no-source", area, index("--out", OUT("idx")), r"give either --corpus"),
        _err("qa-index-out-under-file", area,
             index("--corpus", Q("abstracts.jsonl"), "--out", lambda e: e.corpus / "not_a_folder" / "idx"),
             r"--out .*cannot be created"),
        _err("qa-index-max-words-0", "flags", index("--corpus", Q("abstracts.jsonl"), "--out", OUT("i"), "--max-words", "0"),
             r"--max-words: must be at least 1"),
        _err("qa-index-batch-0", "flags", index("--corpus", Q("abstracts.jsonl"), "--out", OUT("i"), "--batch-size", "0"),
             r"--batch-size: must be at least 1"),
        _err("qa-ask-index-missing", area, _cli("qa", "ask", "--index", OUT("nope"), "--question", QUESTION,
                                                "--retrieve-only"), r"--index .*nope: not found"),
        _err("qa-ask-k-0", "flags", _cli("qa", "ask", "--index", OUT("i"), "--question", QUESTION, "--k", "0"),
             r"--k: must be at least 1"),
        _err("qa-ask-top-k-0", "flags", _cli("qa", "ask", "--index", OUT("i"), "--question", QUESTION, "--top-k", "0"),
             r"--top-k: must be at least 1"),
        _err("qa-ask-empty-question", "flags", _cli("qa", "ask", "--index", OUT("i"), "--question", " "),
             r"--question: is empty"),
        _err("qa-ask-ner-model", "model folder",
             _cli("qa", "ask", "--index", OUT("i"), "--question", QUESTION, "--model", M("ner")),
             r"holds a NER \(token classification\) model, not a question answering"),
    ]
    area = "qa train"
    train = lambda *a: _cli("qa", "train", "--model", "standin", "--out", OUT("qa-out"), *a)  # noqa: E731
    cases += [
        _err("qa-train-no-questions", area, train("--data", Q("squad_noquestions.json")), r"holds no questions"),
        _err("qa-train-missing-answers", area, train("--data", Q("squad_missing_answers.json")), r"question q2 has no answers"),
        _err("qa-train-dev-invalid", area, train("--data", Q("squad_good.json"), "--dev", Q("squad_invalid.json")),
             r"squad_invalid\.json:1:\d+: invalid JSON"),
        _err("qa-train-missing-data", area, train("--data", OUT("nope.json")), r"nope\.json: (not found|no such file)"),
        _err("qa-train-epochs-0", "flags", train("--data", Q("squad_good.json"), "--epochs", "0"), r"--epochs: .*above 0"),
        _err("qa-train-out-under-file", area,
             _cli("qa", "train", "--model", "standin", "--data", Q("squad_good.json"), "--out",
                  lambda e: e.corpus / "not_a_folder" / "m"), r"--out .*cannot be created"),
    ]
    return cases


def _assert(cond, detail=""):
    assert cond, detail


def _re_offsets(res, env):
    rows = json_lines(res)
    assert rows
    lines = (env.corpus / "text" / "crlf.txt").read_bytes().decode("utf-8").split("\n")
    for row in rows:
        line = lines[row["line"] - 1].removesuffix("\r")
        for side in ("head", "tail"):
            assert line[row[side]["start"]:row[side]["end"]] == row[side]["text"], row


def re_cases() -> list[Case]:
    area = "re predict"
    predict = lambda *a, model=M("re"), stdin=None: _cli("re", "predict", "--model", model, *a, stdin=stdin)  # noqa: E731
    cases = [
        _ok("re-predict-mixed-marked-and-raw", area, predict("--input", T("mixed_re.txt"), "--all"), _re_mixed),
        _ok("re-predict-crlf-raw-offsets", area,
            predict("--input", T("crlf.txt"), "--all", "--pairs", "Gene:Disease", "Gene:Gene"), _re_offsets),
        _err("re-predict-style-mismatch", area, predict("--input", T("markers_re.txt")),
             r"markers_re\.txt:1: the pair is marked in the markers style, but the model was trained on the mask style"),
        _err("re-predict-empty", area, predict("--input", T("empty.txt")), r"--input .*empty\.txt: no text"),
        _err("re-predict-blank", area, predict("--input", T("blank.txt")), r"no text"),
        _err("re-predict-latin1", area, predict("--input", T("latin1.txt")), NOT_UTF8.format("latin1.txt")),
        _err("re-predict-stdin-latin1", area, predict(stdin=b"caf\xe9\n"), r"<stdin>:1: not UTF-8"),
        _err("re-predict-input-folder", area, predict("--input", T("a_folder.txt")), r"is a folder"),
        _err("re-predict-pairs-no-colon", "flags", predict("--input", T("plain.txt"), "--pairs", "Gene"),
             r"--pairs: expected HEAD:TAIL entity types"),
        _err("re-predict-pairs-three", "flags", predict("--input", T("plain.txt"), "--pairs", "Gene:Disease:X"),
             r"--pairs: expected HEAD:TAIL"),
        _err("re-predict-pairs-empty-head", "flags", predict("--input", T("plain.txt"), "--pairs", ":Disease"),
             r"--pairs: expected HEAD:TAIL"),
        _err("re-predict-ner-missing", "model folder", predict("--input", T("plain.txt"), "--ner", "./nowhere"),
             r"--ner \./nowhere: not found"),
        _err("re-predict-ner-is-re-folder", "model folder", predict("--input", T("plain.txt"), "--ner", M("re")),
             r"--ner .*holds a relation classification model, not a NER"),
    ]
    cases += _model_cases("re-predict", "relation classification",
                          lambda m: predict("--input", T("mixed_re.txt"), model=m),
                          {"ner": "NER \\(token classification\\)", "qa": "question answering"})
    area = "re evaluate"
    evaluate = lambda data, *a, model=M("re"): _cli("re", "evaluate", "--model", model, "--data", data, *a)  # noqa: E731
    cases += [
        _err("re-evaluate-columns", area, evaluate(RED("re_columns")), r"train\.tsv:1: 1 tab-separated columns"),
        _err("re-evaluate-no-masks", area, evaluate(RED("re_nomask")), r"train\.tsv:1: the sentence needs two entity masks"),
        _err("re-evaluate-empty-label", area, evaluate(RED("re_emptylabel")), r"train\.tsv:1: empty label"),
        _ok("re-evaluate-bom-header", area, evaluate(RED("re_bom_header"), "--json"),
            lambda r, e: _assert(json.loads(r.out)["n"] == 2, r.out)),
        _err("re-evaluate-label-only-in-test", area, evaluate(RED("re_label2")),
             r"test\.tsv:2: label '2' never occurs in train\.tsv"),
        _err("re-evaluate-latin1", area, evaluate(RED("re_latin1")), NOT_UTF8.format("train.tsv")),
        _err("re-evaluate-no-split", area, evaluate(RED("re_bom_header"), "--split", "devel"), r"--split 'devel' not in"),
        _err("re-evaluate-missing-folder", area, evaluate(OUT("nowhere")), r"nowhere: no train/test\.tsv files found"),
        _err("re-evaluate-ner-folder", "model folder", evaluate(RED("re_bom_header"), model=M("ner")),
             r"holds a NER \(token classification\) model, not a relation classification model"),
        _err("re-evaluate-qa-folder", "model folder", evaluate(RED("re_bom_header"), model=M("qa")),
             r"holds a question answering model"),
    ]
    area = "re train"
    train = lambda *a: _cli("re", "train", "--model", "standin", "--out", OUT("re-out"), *a)  # noqa: E731
    cases += [
        _err("re-train-types-empty-name", "flags", train("--types", "Gene,,Disease"), r"--types: expected comma-separated"),
        _err("re-train-epochs-negative", "flags", train("--epochs", "-1"), r"--epochs: .*above 0"),
        _err("re-train-empty-files", area, train("--data", RED("re_empty")), r"no train/test\.tsv files found"),
        _err("re-train-unknown-sample", area, train("--data", "sample:nope"), r"no RE sample 'nope'"),
        _err("re-train-markers-on-tsv", area, train("--data", RED("re_bom_header"), "--style", "markers"),
             r"no train/test\.jsonl files found"),
        _err("re-train-label-only-in-test", area, train("--data", RED("re_label2")), r"label '2' never occurs"),
        _err("re-train-out-is-file", area,
             _cli("re", "train", "--model", "standin", "--out", lambda e: e.corpus / "not_a_folder"), r"--out .*is a file"),
    ]
    return cases


def translate_cases() -> list[Case]:
    area = "translate"
    tr = lambda *a, stdin=None: _cli("translate", *a, stdin=stdin)  # noqa: E731
    return [
        _ok("translate-crlf-and-formfeed-lines", area, tr(T("zh_crlf.txt")), _translate_lines),
        _ok("translate-glossary-bom", area, tr(T("zh_crlf.txt"), "--glossary", O("gloss_bom.tsv")),
            lambda r, e: _assert(json_lines(r)[0]["terms"][0]["zh"] == "顺铂", r.out[:400])),
        _err("translate-latin1", area, tr(T("latin1.txt")), NOT_UTF8.format("latin1.txt")),
        _err("translate-stdin-latin1", area, tr(stdin=b"\xe9\n"), r"<stdin>:1: not UTF-8"),
        _err("translate-missing", area, tr(T("missing.txt")), r"missing\.txt: no such file"),
        _err("translate-folder", area, tr(T("a_folder.txt")), r"is a folder"),
        _err("translate-batch-0", "flags", tr(T("zh_crlf.txt"), "--batch-size", "0"), r"--batch-size: must be at least 1"),
        _err("translate-glossary-spaces", area, tr(T("zh_crlf.txt"), "--glossary", O("gloss_spaces.tsv")),
             r"gloss_spaces\.tsv:1: expected 'zh<TAB>en.*spaces, not tabs"),
        _err("translate-glossary-conflict", area, tr(T("zh_crlf.txt"), "--glossary", O("gloss_conflict.tsv")),
             r"gloss_conflict\.tsv:2: .*contradicts line 1"),
        _err("translate-glossary-type-conflict", area, tr(T("zh_crlf.txt"), "--glossary", O("gloss_type_conflict.tsv")),
             r"gloss_type_conflict\.tsv:2: '顺铂' has type 'Gene' here but 'Drug' on line 1"),
        _err("translate-glossary-latin1", area, tr(T("zh_crlf.txt"), "--glossary", O("gloss_latin1.tsv")),
             NOT_UTF8.format("gloss_latin1.tsv")),
        _err("translate-glossary-missing", area, tr(T("zh_crlf.txt"), "--glossary", OUT("nope.tsv")), r"nope\.tsv: no such"),
    ]


def other_cases() -> list[Case]:
    return [
        _err("cli-unknown-command", "flags", _cli("nercorpus"), r"invalid choice"),
        _err("cli-data-unknown-corpus", "flags", _cli("data", "download", "nope"), r"unknown corpus 'nope'"),
        _err("cli-ner-no-action", "flags", _cli("ner"), r"required"),
    ]


def cases() -> list[Case]:
    return ner_cases() + qa_cases() + re_cases() + translate_cases() + other_cases()


__all__ = ["cases", "Path"]
