"""The bad-input corpus: hostile but realistic inputs this project writes itself, and what must happen.

``python tests/badinput/corpus.py OUT`` writes the input files (and small model folders) to ``OUT``;
``python tests/badinput/report.py`` runs every case and prints the table of issue 18 (cases by area ->
clear error / correct / traceback / silent wrong / data loss). ``test_corpus.py`` runs the same cases
under pytest, one test each.

A case either must fail clearly -- ``error: ...`` and exit code 2 from the command line, or a project
error from the Python API, with a message naming the file:line, the flag or the model folder (``match``)
-- or must succeed with a result that is right (``check``: offsets index the input as read, nothing is
lost). Anything else is a traceback, a silent wrong result or data loss.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(ROOT))  # the project, unless PYTHONPATH names another checkout (report.py compares them)

NER_LABELS = ["O", "B-Disease", "I-Disease"]

# ---------------------------------------------------------------- the input files


def _bytes(text: str) -> bytes:
    return text.encode("utf-8")


TEXT_FILES: dict[str, bytes] = {
    "plain.txt": _bytes("BRCA1 mutations cause breast cancer.\nTP53 is mutated in glioma.\n"),
    "crlf.txt": _bytes("BRCA1 mutations cause breast cancer.\r\nTP53 is mutated in glioma.\r\n"),
    "bom.txt": b"\xef\xbb\xbf" + _bytes("BRCA1 mutations cause breast cancer.\n"),
    "formfeed.txt": _bytes("BRCA1 page one\fcontinues here.\nTP53 line\u2028two\x1cthree.\nlast line\n"),
    "nfd.txt": _bytes("Ce\u0301liac disease and cafe\u0301 au lait spots.\n"),
    "zwj.txt": _bytes("The family \U0001F468\u200d\U0001F469\u200d\U0001F467 and Dev\u200danagari words.\n"),
    "rtl.txt": _bytes("\u0633\u0631\u0637\u0627\u0646 \u0627\u0644\u062b\u062f\u064a BRCA1 \u05e1\u05e8\u05d8\u05df.\n"),
    "html.txt": _bytes("<script>alert('x')</script> BRCA1 <b>breast</b> &amp; cancer.\n"),
    "empty.txt": b"",
    "blank.txt": _bytes("  \n\t\n\n"),
    "latin1.txt": "caf\xe9 au lait spots\n".encode("latin-1"),
    "utf16.txt": "BRCA1 mutations\n".encode("utf-16"),
    "nul.txt": _bytes("BRCA1\x00 mutations\x07 cause cancer.\n"),
    "huge.txt": _bytes(" ".join(f"word{i}" for i in range(6000)) + ".\n"),
    "mixed_re.txt": _bytes("@GENE$ is linked to @DISEASE$.\nMutations in BRCA1 are associated with breast cancer.\n"),
    "markers_re.txt": _bytes("[E1-GENE] BRCA1 [/E1-GENE] causes [E2-DISEASE] cancer [/E2-DISEASE].\n"),
    "zh_crlf.txt": _bytes("顺铂是治疗非小细胞肺癌的一线化疗药物。\r\n\r\nBRCA1是一种重要的肿瘤抑制因子。\f续\r\n"),
}

NER_GOOD = "BRCA1\tB-Gene\nmutations\tO\ncause\tO\nbreast\tB-Disease\ncancer\tI-Disease\n.\tO\n\n"
NER_FOLDERS: dict[str, dict[str, bytes]] = {
    "ner_spaces": {"train.tsv": _bytes("BRCA1 B-Gene\nmutations O\n")},
    "ner_badtag": {"train.tsv": _bytes("BRCA1\tB_Gene\n")},
    "ner_spacetag": {"train.tsv": _bytes("breast\tB-Rare disease\n")},
    "ner_emptytoken": {"train.tsv": _bytes("BRCA1\tB-Gene\n \tO\n")},
    "ner_latin1": {"train.tsv": _bytes(NER_GOOD) + "caf\xe9\tO\n".encode("latin-1")},
    "ner_empty_train": {"train.tsv": b"", "devel.tsv": _bytes(NER_GOOD)},
    "ner_nofiles": {"notes.md": _bytes("nothing here\n")},
    "ner_good": {"train.tsv": _bytes(NER_GOOD.replace("Gene", "Disease")),
                 "devel.tsv": _bytes(NER_GOOD.replace("Gene", "Disease"))},
    "ner_bom_trailing": {"train.tsv": b"\xef\xbb\xbf" + _bytes("BRCA1 \tB-Gene\r\nmutations\tO \r\n\r\n"),
                         "devel.tsv": _bytes(NER_GOOD)},
}

RE_GOOD_TRAIN = "".join(f"@GENE$ variant {i} raises @DISEASE$ risk.\t{i % 2}\n" for i in range(8))
RE_HEADER = "index\tsentence\tlabel\n"
RE_FOLDERS: dict[str, dict[str, bytes]] = {
    "re_columns": {"train.tsv": _bytes("@GENE$ and @DISEASE$\n"), "test.tsv": _bytes(RE_GOOD_TRAIN)},
    "re_nomask": {"train.tsv": _bytes("BRCA1 and cancer.\t1\n"), "test.tsv": _bytes(RE_GOOD_TRAIN)},
    "re_emptylabel": {"train.tsv": _bytes("@GENE$ and @DISEASE$.\t \n"), "test.tsv": _bytes(RE_GOOD_TRAIN)},
    "re_bom_header": {"train.tsv": _bytes(RE_GOOD_TRAIN),
                      "test.tsv": b"\xef\xbb\xbf" + _bytes(RE_HEADER + "0\t@GENE$ causes @DISEASE$.\t1\r\n"
                                                           "1\t@GENE$ and @DISEASE$ unrelated.\t0\r\n")},
    "re_label2": {"train.tsv": _bytes(RE_GOOD_TRAIN), "test.tsv": _bytes("@GENE$ x @DISEASE$.\t1\n@GENE$ y @DISEASE$.\t2\n")},
    "re_latin1": {"train.tsv": _bytes(RE_GOOD_TRAIN) + "@GENE$ caf\xe9 @DISEASE$.\t1\n".encode("latin-1"),
                  "test.tsv": _bytes(RE_GOOD_TRAIN)},
    "re_empty": {"train.tsv": b"", "test.tsv": b""},
}


def _squad(paragraphs, version="1.1") -> bytes:
    return _bytes(json.dumps({"version": version, "data": [{"title": "t", "paragraphs": paragraphs}]}))


CTX = "Imatinib inhibits ABL1 in chronic myeloid leukaemia."
QA_FILES: dict[str, bytes] = {
    "squad_invalid.json": _bytes('{"data": [ {"title": "t", "paragraphs": [}\n'),
    "squad_shape.json": _bytes('{"questions": []}'),
    "squad_article.json": _bytes('{"data": ["not an article"]}'),
    "squad_qas.json": _bytes('{"data": [{"paragraphs": [{"context": "x", "qas": 5}]}]}'),
    "squad_offset.json": _squad([{"context": CTX, "qas": [
        {"id": "q1", "question": "What does imatinib inhibit?", "answers": [{"text": "ABL1", "answer_start": 3}]}]}]),
    "squad_missing_answers.json": _squad([{"context": CTX, "qas": [
        {"id": "q1", "question": "What does imatinib inhibit?", "answers": [{"text": "ABL1", "answer_start": 18}]},
        {"id": "q2", "question": "Which disease?"}]}]),
    "squad_noquestions.json": _squad([]),
    "squad_questions_only.json": _squad([{"context": CTX, "qas": [{"id": "q1", "question": "What?"}]}]),
    "squad_bom.json": b"\xef\xbb\xbf" + _squad([{"context": CTX, "qas": [
        {"id": "q1", "question": "What does imatinib inhibit?", "answers": [{"text": "ABL1", "answer_start": 18}]}]}]),
    "squad_latin1.json": '{"data": [{"paragraphs": [{"context": "caf\xe9", "qas": []}]}]}'.encode("latin-1"),
    "squad_good.json": _squad([{"context": CTX, "qas": [
        {"id": "q1", "question": "What does imatinib inhibit?", "answers": [{"text": "ABL1", "answer_start": 18}]}]}]),
    "abstracts.jsonl": _bytes("\n".join(json.dumps({"doc_id": f"d{i}", "text": t}, ensure_ascii=False) for i, t in enumerate([
        "Imatinib inhibits ABL1 in chronic myeloid leukaemia.\u2028A second paragraph follows.",
        "BRCA1 mutations raise the risk of breast cancer.", "TP53 is mutated in many tumours."])) + "\n"),
    "abstracts_bad.jsonl": _bytes('{"doc_id": "d0", "text": "x"}\n{"text": "no id"}\n'),
    "ctx_crlf.txt": _bytes("Imatinib inhibits ABL1.\r\nIt is used in chronic myeloid leukaemia.\r\n"),
    "ctx_nfd.txt": _bytes("The drug cafe\u0301ine and Ce\u0301liac disease were studied.\n"),
}

OTHER_FILES: dict[str, bytes] = {
    "ann_badjson.jsonl": _bytes('{"id": "0", "text": "BRCA1", "entities": []}\n{not json\n'),
    "ann_span.jsonl": _bytes('{"id": "0", "text": "BRCA1", "entities": [{"start": 0, "end": 99, "label": "Gene"}]}\n'),
    "ann_mismatch.jsonl": _bytes('{"id": "0", "text": "BRCA1 x", "entities": '
                                 '[{"start": 0, "end": 5, "label": "Gene", "text": "TP53"}]}\n'),
    "ann_status.jsonl": _bytes('{"id": "0", "text": "BRCA1", "status": "finished"}\n'),
    "ann_dupids.jsonl": _bytes('{"id": "a", "text": "BRCA1"}\n{"id": "a", "text": "TP53"}\n'),
    "ann_latin1.jsonl": '{"id": "0", "text": "caf\xe9"}\n'.encode("latin-1"),
    "ann_bom.jsonl": b"\xef\xbb\xbf" + _bytes('{"id": "0", "text": "BRCA1 mutations"}\n'),
    "pairs_span.jsonl": _bytes('{"text": "BRCA1 x", "head": {"start": 0, "end": 5, "label": "Gene"}, '
                               '"tail": {"start": 6, "end": 99, "label": "Disease"}, "label": "1"}\n'),
    "gloss_spaces.tsv": _bytes("顺铂 cisplatin\n"),
    "gloss_conflict.tsv": _bytes("顺铂\tcisplatin\tDrug\n顺铂\tcarboplatin\tDrug\n"),
    "gloss_type_conflict.tsv": _bytes("顺铂\tcisplatin\tDrug\n顺铂\tcisplatin\tGene\n"),
    "gloss_bom.tsv": b"\xef\xbb\xbf" + _bytes("顺铂\tcisplatin\tDrug\n"),
    "gloss_latin1.tsv": "caf\xe9\tcoffee\n".encode("latin-1"),
}


def write_corpus(root: str | Path) -> Path:
    """Write every input file of the corpus under ``root`` (``text/``, ``ner/<case>/``, ``re/<case>/``, ...)."""
    root = Path(root)
    for sub, files in (("text", TEXT_FILES), ("qa", QA_FILES), ("other", OTHER_FILES)):
        (root / sub).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (root / sub / name).write_bytes(data)
    for sub, folders in (("ner", NER_FOLDERS), ("re", RE_FOLDERS)):
        for case, files in folders.items():
            (root / sub / case).mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                (root / sub / case / name).write_bytes(data)
    (root / "text" / "a_folder.txt").mkdir(exist_ok=True)
    (root / "not_a_folder").write_text("a file where a folder is expected\n")
    return root


def write_models(root: str | Path) -> Path:
    """Small model folders: one per task (untrained heads saved as a fine-tuned folder would be; the NER
    head is biased so every word is a ``Disease`` entity, which makes offset checks meaningful), and damaged ones."""
    import torch

    from workbench.models import load_model, load_tokenizer, save_model, standin_path

    root = Path(root)
    tok = load_tokenizer("standin")
    if not (root / "ner" / "config.json").exists():
        ner = load_model("standin", task="token-classification", labels=NER_LABELS, device="cpu")
        with torch.no_grad():
            ner.classifier.bias[:] = torch.tensor([0.0, 8.0, 0.0])
            ner.classifier.weight.mul_(0.01)
        save_model(ner, tok, root / "ner", task="ner", labels=NER_LABELS, max_length=64)
        qa = load_model("standin", task="question-answering", device="cpu")
        save_model(qa, tok, root / "qa", task="question-answering")
        rc = load_model("standin", task="sequence-classification", labels=["0", "1"], device="cpu")
        save_model(rc, tok, root / "re", task="relation-classification", style="mask", max_length=64,
                   labels=["0", "1"])
    (root / "empty").mkdir(exist_ok=True)
    _copy(root / "ner", root / "config_only", skip=("model.safetensors",))
    _copy(root / "ner", root / "truncated", skip=("model.safetensors",))
    weights = (root / "ner" / "model.safetensors").read_bytes()
    (root / "truncated" / "model.safetensors").write_bytes(weights[:4096])
    _copy(root / "ner", root / "bad_meta")
    (root / "bad_meta" / "workbench_model.json").write_text("{not json")
    _copy(root / "ner", root / "no_meta")
    (root / "no_meta" / "workbench_model.json").unlink()
    (root / "base").unlink(missing_ok=True) if (root / "base").is_symlink() else None
    if not (root / "base").exists():
        (root / "base").symlink_to(standin_path(), target_is_directory=True)
    (root / "model_file").write_text("not a folder")
    return root


def _copy(src: Path, dst: Path, skip=()) -> None:
    """A folder copy whose big files are hard links (cheap)."""
    dst.mkdir(exist_ok=True)
    for f in src.iterdir():
        target = dst / f.name
        if f.name in skip or target.exists():
            continue
        if f.stat().st_size > 1_000_000:
            os.link(f, target)
        else:
            shutil.copy(f, target)


# ---------------------------------------------------------------- running a case


@dataclass
class Result:
    code: int | None = None
    out: str = ""
    err: str = ""
    value: object = None
    exc: BaseException | None = None
    trace: str = ""
    cli: bool = False  # from the command line: any exception escaping cli.main is a raw traceback


@dataclass
class Case:
    id: str
    area: str
    action: Callable  # action(env) -> Result
    expect: str  # "error" or "ok"
    match: str = ""  # an error message must match (regex, case-insensitive)
    check: Callable | None = None  # check(result, env) asserts a correct result
    loss: bool = False  # a wrong result here means data lost, not just a wrong answer
    tags: list = field(default_factory=list)


@dataclass
class Env:
    corpus: Path
    models: Path
    tmp: Path

    def text(self, name):
        return str(self.corpus / "text" / name)


def run_cli(argv, stdin: bytes | None = None) -> Result:
    from workbench import cli

    res = Result(cli=True)
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                res.code = cli.main([str(a) for a in argv])
            except SystemExit as stop:  # argparse: usage + "error: argument ..." and exit 2
                res.code = stop.code if isinstance(stop.code, int) else 2
    except BaseException as exc:  # noqa: BLE001 - a raw traceback is what the corpus looks for
        res.exc, res.trace = exc, traceback.format_exc()
    finally:
        sys.stdin = old_stdin
    res.out, res.err = out.getvalue(), err.getvalue()
    return res


def run_api(func, *args, **kwargs) -> Result:
    res = Result()
    try:
        res.value = func(*args, **kwargs)
        res.code = 0
    except BaseException as exc:  # noqa: BLE001
        res.exc, res.trace = exc, traceback.format_exc()
    return res


def clear_api_error(exc) -> bool:
    """A project error, or a built-in file error, rather than an IndexError/KeyError/TypeError from deep inside."""
    project = ("WorkbenchError", "DataFormatError", "AnnotationError", "ModelUnavailableError", "DeviceError")
    named = any(k.__name__ in project for k in type(exc).__mro__)  # by name: report.py also runs older checkouts
    return named or isinstance(exc, OSError) or type(exc) is ValueError


def outcome(case: Case, res: Result, env: Env) -> tuple[str, str]:
    """``(kind, detail)``: kind is "clear error", "correct", "traceback", "silent wrong", "data loss" or "unclear"."""
    if case.expect == "error":
        if res.exc is not None and (res.cli or not clear_api_error(res.exc)):
            return "traceback", res.trace[-1500:]
        message = res.err if res.exc is None else str(res.exc)
        if res.exc is None and res.code == 0:
            return ("data loss" if case.loss else "silent wrong"), f"exit 0; stdout {res.out[:300]!r}"
        if res.exc is None and res.code != 2:
            return "unclear", f"exit code {res.code}: {message[-500:]}"
        if "Traceback (most recent call last)" in message:
            return "traceback", message[-1500:]
        if not re.search(case.match, message, re.IGNORECASE | re.DOTALL):
            return "unclear", f"message does not match {case.match!r}: {message[-500:]}"
        return "clear error", message.strip().splitlines()[-1][:300] if message.strip() else ""
    if res.exc is not None:  # a clear-looking error where the input was fine misleads: "unclear"
        return ("unclear" if not res.cli and clear_api_error(res.exc) else "traceback"), res.trace[-1500:]
    if res.code not in (0, None):
        return "unclear", f"exit {res.code}: {res.err[-800:]}"
    try:
        if case.check is not None:
            case.check(res, env)
    except Exception as err:  # noqa: BLE001 - an assertion, or output too broken to read
        return ("data loss" if case.loss else "silent wrong"), f"{type(err).__name__}: {err}"[:800]
    return "correct", ""


# ---------------------------------------------------------------- the cases


def json_lines(res: Result) -> list[dict]:
    return [json.loads(x) for x in res.out.splitlines() if x.strip()]  # a \u2028 in a text must not break a line


def _offsets_index(texts_by_source):
    """A check: every entity of ``ner predict`` output indexes its source's text exactly as stored."""
    def check(res, env):
        rows = json_lines(res)
        assert rows, "no output"
        n = 0
        for row in rows:
            text = texts_by_source(row, env)
            for e in row["entities"]:
                assert text[e["start"]:e["end"]] == e["text"], (row.get("line"), e, text[e["start"]:e["end"]])
                n += 1
        assert n, "no entities to check (the test model tags every word)"
    return check


def _file_text(row, env):
    return Path(row["source"]).read_bytes().decode("utf-8")


def _line_text(row, env):
    return row["text"]


def _words_whole(res, env):
    """No entity starts or ends inside a word (before a combining mark or a joiner)."""
    import unicodedata

    for row in json_lines(res):
        text = Path(row["source"]).read_bytes().decode("utf-8")
        for e in row["entities"]:
            after = text[e["end"]:e["end"] + 1]
            assert not after or not (unicodedata.category(after).startswith("M") or after in "\u200c\u200d"), \
                f"entity {e['text']!r} ends before {after!r}: a word was split"
            assert e["text"] == text[e["start"]:e["end"]]
    words = [e["text"] for row in json_lines(res) for e in row["entities"]]
    assert any("\u0301" in w or "\u200d" in w for w in words), words


def _stdin_matches_file(name):
    def check(res, env):
        from_file = run_cli(["ner", "predict", "--model", env.models / "ner", env.text(name)])
        rows_stdin, rows_file = json_lines(res), json_lines(from_file)
        assert [r["entities"] for r in rows_stdin] == [r["entities"] for r in rows_file], "stdin and file differ"
        _offsets_index(lambda row, env: (env.corpus / "text" / name).read_bytes().decode("utf-8"))(res, env)
    return check


def _line_numbers(expected):
    def check(res, env):
        got = [r["line"] for r in json_lines(res)]
        assert got == expected, f"lines {got}, expected {expected} (lines end at \\n only)"
    return check


def _translate_lines(res, env):
    ids = [r["id"].rsplit(":", 1)[1] for r in json_lines(res)]
    assert ids == ["1", "3"], ids


def _qa_offsets(context_name):
    def check(res, env):
        text = (env.corpus / "qa" / context_name).read_bytes().decode("utf-8")
        answers = json.loads(res.out)
        assert answers
        for a in answers:
            assert text[a["start"]:a["end"]] == a["text"], a
            after = text[a["end"]:a["end"] + 1]
            assert after != "\u0301", f"answer {a['text']!r} drops the accent after it"
    return check


def _re_mixed(res, env):
    rows = json_lines(res)
    assert {r["line"] for r in rows} == {1, 2}, f"a line was dropped: {rows}"


def _empty_doc(res, env):
    rows = json_lines(res)
    assert len(rows) == 1 and rows[0]["entities"] == [], rows


def _api(func):
    return lambda env: run_api(func, env)


def _cli(*argv, stdin=None):
    return lambda env: run_cli([a(env) if callable(a) else a for a in argv], stdin(env) if callable(stdin) else stdin)


M = lambda name: (lambda env: env.models / name)  # noqa: E731 - a model folder of the corpus
T = lambda name: (lambda env: env.text(name))  # noqa: E731 - a text file of the corpus
Q = lambda name: (lambda env: env.corpus / "qa" / name)  # noqa: E731
O = lambda name: (lambda env: env.corpus / "other" / name)  # noqa: E731,E741
NERD = lambda name: (lambda env: env.corpus / "ner" / name)  # noqa: E731
RED = lambda name: (lambda env: env.corpus / "re" / name)  # noqa: E731
OUT = lambda name: (lambda env: env.tmp / name)  # noqa: E731


def all_cases() -> list[Case]:
    """Every case of the corpus: the command line (``cases_cli``) and the Python API (``cases_api``)."""
    import cases_api
    import cases_cli

    found = cases_cli.cases() + cases_api.cases()
    ids = [c.id for c in found]
    assert len(set(ids)) == len(ids), "case ids must be unique"
    return found


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "badinput-corpus")
    write_corpus(out / "corpus")
    write_models(out / "models")
    print(f"wrote the bad-input corpus to {out}")
