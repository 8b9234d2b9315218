"""QA data: SQuAD v1.1/v2.0 JSON, the project sample, BioASQ test + golden files (answers located in snippets)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

from ..data import DataFormatError, read_data_text
from .metrics import flatten_synonyms


# ---------------------------------------------------------------- loading SQuAD / BioASQ

def _as_paths(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = [Path(p) for p in paths]
    for p in out:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file")
    return out


def _read_json(path: Path):
    try:
        return json.loads(read_data_text(path))  # UTF-8 checked (file:line), a byte-order mark dropped
    except json.JSONDecodeError as err:
        raise DataFormatError(f"{path}:{err.lineno}:{err.colno}: invalid JSON ({err.msg})") from None


def _features(extra: dict | None = None):
    import datasets

    cols = {"id": datasets.Value("string"), "title": datasets.Value("string"),
            "context": datasets.Value("string"), "question": datasets.Value("string"),
            "answers": {"text": datasets.Sequence(datasets.Value("string")),
                        "answer_start": datasets.Sequence(datasets.Value("int32"))}}
    cols.update(extra or {})
    return datasets.Features(cols)


def _squad_rows(path: Path) -> list[dict]:
    doc = _read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise DataFormatError(f"{path}: not SQuAD JSON (expected {{'data': [{{'paragraphs': ...}}]}})")
    rows = []
    for a, article in enumerate(doc["data"]):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs", []), list):
            raise DataFormatError(f"{path}: data[{a}] must be an object with a 'paragraphs' list")
        for p, para in enumerate(article.get("paragraphs", [])):
            if not isinstance(para, dict) or not isinstance(para.get("qas", []), list):
                raise DataFormatError(f"{path}: data[{a}].paragraphs[{p}] must be an object with 'context' and "
                                      f"a 'qas' list")
    answered = any(isinstance(qa, dict) and ("answers" in qa or qa.get("is_impossible"))
                   for article in doc["data"] for para in article.get("paragraphs", []) for qa in para.get("qas", []))
    for a, article in enumerate(doc["data"]):
        for p, para in enumerate(article.get("paragraphs", [])):
            where = f"{path}: data[{a}].paragraphs[{p}]"
            if "context" not in para or "qas" not in para:
                raise DataFormatError(f"{where}: needs 'context' and 'qas'")
            context = para["context"]
            if not isinstance(context, str) or not isinstance(para["qas"], list):
                raise DataFormatError(f"{where}: 'context' must be text and 'qas' a list")
            for k, qa in enumerate(para["qas"]):
                if not isinstance(qa, dict) or "id" not in qa or "question" not in qa:
                    raise DataFormatError(f"{where}.qas[{k}]: a question needs 'id' and 'question'")
                if answered and not qa.get("is_impossible") and "answers" not in qa:
                    # a v1.1 question without its answer would silently become "unanswerable" (SQuAD v2)
                    raise DataFormatError(f"{where}.qas[{k}]: question {qa['id']} has no answers while other "
                                          f"questions do; add its answers, or mark it \"is_impossible\": true")
                answers = [] if qa.get("is_impossible") else qa.get("answers", [])
                if not isinstance(answers, list):
                    raise DataFormatError(f"{where}: question {qa['id']}: 'answers' must be a list")
                texts, starts = [], []
                for ans in answers:
                    text, start = (ans.get("text"), ans.get("answer_start")) if isinstance(ans, dict) else (None, None)
                    if not isinstance(text, str) or not isinstance(start, int):
                        raise DataFormatError(f"{where}: question {qa['id']}: answers need 'text' and 'answer_start'")
                    if context[start:start + len(text)] != text:
                        raise DataFormatError(
                            f"{where}: question {qa['id']}: answer {text!r} is not at character {start} "
                            f"of the context (found {context[start:start + len(text)]!r})")
                    texts.append(text)
                    starts.append(start)
                rows.append({"id": str(qa["id"]), "title": str(article.get("title", "")), "context": context,
                             "question": qa["question"], "answers": {"text": texts, "answer_start": starts}})
    return rows


def load_squad(path):
    """SQuAD v1.1 / v2.0 JSON (one file or several) -> ``datasets.Dataset``.

    Columns ``id``, ``title``, ``context``, ``question``, ``answers`` (``{"text": [...],
    "answer_start": [...]}``; empty for v2 ``is_impossible`` questions and for files without
    answers). Every answer must sit at its ``answer_start``; errors name the file and question.
    """
    import datasets

    rows = [r for p in _as_paths(path) for r in _squad_rows(p)]
    if not rows:  # from_list cannot build an empty dataset with these features
        return datasets.Dataset.from_dict({k: [] for k in _features()}, features=_features())
    return datasets.Dataset.from_list(rows, features=_features())


def has_unanswerable(dataset) -> bool:
    """Does a SQuAD-style dataset hold unanswerable (SQuAD v2) questions?"""
    return any(not a["text"] for a in dataset["answers"])


def sample_path(split: str = "train") -> Path:
    """The project-written QA sample file for ``split`` ("train" or "dev"), SQuAD v1.1 format."""
    from ..data import sample_dir

    if split not in ("train", "dev"):
        raise ValueError(f"split must be 'train' or 'dev', got {split!r}")
    return sample_dir("qa") / f"{split}.json"


def load_sample():
    """The project QA sample as a ``DatasetDict`` with ``train`` and ``validation`` (questions about
    passages this project wrote; see ``data/README.md``)."""
    import datasets

    return datasets.DatasetDict(train=load_squad(sample_path("train")), validation=load_squad(sample_path("dev")))


def find_answer_spans(context: str, synonyms: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans where any synonym occurs in ``context`` (case-insensitive, whole words).

    Overlapping matches keep the earliest, then longest; the result is sorted by position.
    """
    hits = []
    for syn in {s.strip() for s in synonyms if s and s.strip()}:
        pattern = re.compile(r"(?<!\w)" + re.escape(syn) + r"(?!\w)", re.IGNORECASE)
        hits.extend((m.start(), m.end()) for m in pattern.finditer(context))
    out: list[tuple[int, int]] = []
    for start, end in sorted(hits, key=lambda h: (h[0], -h[1])):
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out


def bioasq_files(folder) -> list[tuple[Path, Path]]:
    """Pairs ``(test file, golden file)`` in a BioBERT BioASQ folder (``BioASQ-test-factoid-4b-1.json``
    with ``4B1_golden.json``, ...)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    pairs = []
    for test in sorted(folder.glob("BioASQ-test-factoid-*.json")):
        m = re.fullmatch(r"BioASQ-test-factoid-(\d+)b-(\d+)\.json", test.name)
        if not m:
            continue
        golden = folder / f"{m.group(1)}B{m.group(2)}_golden.json"
        if not golden.exists():
            raise FileNotFoundError(f"{test}: its golden file {golden.name} is missing")
        pairs.append((test, golden))
    if not pairs:
        raise FileNotFoundError(f"{folder}: no BioASQ-test-factoid-*.json files")
    return pairs


def question_id(row_id: str) -> str:
    """``'5a6a..25_003'`` -> ``'5a6a..25'``: BioASQ test rows repeat each question once per snippet."""
    head, sep, tail = row_id.rpartition("_")
    return head if sep and tail.isdigit() else row_id


def load_bioasq(test_files, golden_files):
    """BioASQ test file(s) + golden file(s) -> ``datasets.Dataset``, one row per (question, snippet).

    Extra columns: ``question_id`` (the id without ``_NNN``) and ``golden`` (the synonyms).
    ``answers`` holds every place in the snippet where the golden answer or a synonym occurs
    (case-insensitive); it is empty when the snippet does not contain it. See :func:`bioasq_coverage`.
    """
    import datasets

    gold = load_bioasq_golden(golden_files)
    rows = []
    for path in _as_paths(test_files):
        for row in _squad_rows(path):
            qid = question_id(row["id"])
            if qid not in gold:
                raise DataFormatError(f"{path}: question {row['id']} has no factoid entry in the golden file(s)")
            spans = find_answer_spans(row["context"], gold[qid])
            row.update(question_id=qid, golden=gold[qid],
                       answers={"text": [row["context"][s:e] for s, e in spans], "answer_start": [s for s, _ in spans]})
            rows.append(row)
    extra = {"question_id": datasets.Value("string"), "golden": datasets.Sequence(datasets.Value("string"))}
    return datasets.Dataset.from_list(rows, features=_features(extra))


def load_bioasq_folder(folder=None):
    """All batches of a BioASQ folder (default: ``bioasq_4b``, found or downloaded by ``data.corpus_dir``)."""
    from ..data import corpus_dir

    pairs = bioasq_files(folder or corpus_dir("bioasq_4b"))
    return load_bioasq([t for t, _ in pairs], [g for _, g in pairs])


def bioasq_coverage(dataset) -> dict:
    """How many questions/snippets contain a golden answer (the rest cannot be answered extractively)."""
    located_q: dict[str, bool] = {}
    located_rows = 0
    for qid, answers in zip(dataset["question_id"], dataset["answers"]):
        hit = bool(answers["text"])
        located_rows += hit
        located_q[qid] = located_q.get(qid, False) or hit
    n_q = len(located_q)
    n_loc = sum(located_q.values())
    return {"questions": n_q, "questions_located": n_loc, "questions_not_located": n_q - n_loc,
            "question_coverage": 100 * n_loc / n_q if n_q else 0.0,
            "snippets": len(dataset), "snippets_located": located_rows}



def load_bioasq_golden(paths, types: Iterable[str] = ("factoid",)) -> dict[str, list[str]]:
    """``{question_id: [synonyms]}`` from official BioASQ golden file(s) (``exact_answer`` flattened)."""
    golden: dict[str, list[str]] = {}
    for path in _as_paths(paths):
        doc = _read_json(path)
        if not isinstance(doc, dict) or "questions" not in doc:
            raise DataFormatError(f"{path}: not a BioASQ golden file (no 'questions' list)")
        for i, q in enumerate(doc["questions"]):
            if q.get("type") not in set(types):
                continue
            if "id" not in q or "exact_answer" not in q:
                raise DataFormatError(f"{path}: question #{i} has no 'id' or 'exact_answer'")
            golden[q["id"]] = flatten_synonyms(q["exact_answer"])
    return golden
