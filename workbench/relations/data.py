"""Relation data: BioBERT RE TSV (masked), JSONL pairs with character spans, the project samples."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from ..data import DATA_DIR, DataFormatError, read_data_text, read_jsonl
from .marking import MASK, check_span, check_style, mark_pair

HEADER = ("index", "sentence", "label")
NEGATIVE_NAMES = ("0", "false", "none", "negative", "no_relation", "other")
# ---------------------------------------------------------------- reading data


def read_re_tsv(path: str | Path, labels: Sequence[str] | None = None) -> list[dict]:
    """Rows of one BioBERT RE TSV file: ``[{"sentence", "label", "line"}, ...]``.

    A first line ``index<TAB>sentence<TAB>label`` means a header and three columns (the BioBERT
    test files); otherwise every row is ``sentence<TAB>label``. Each sentence must hold at least
    two entity masks such as ``@GENE$``. Bad rows raise :class:`DataFormatError` naming ``file:line``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    rows: list[dict] = []
    lines = [raw.rstrip("\r") for raw in read_data_text(path).split("\n")]  # UTF-8 checked, BOM dropped
    header = bool(lines) and tuple(c.strip().lower() for c in lines[0].split("\t")) == HEADER
    width = 3 if header else 2
    for lineno, line in enumerate(lines, 1):
        if (header and lineno == 1) or not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != width:
            hint = ("a file with the header 'index<TAB>sentence<TAB>label' needs 3 columns" if header else
                    "expected 'sentence<TAB>label' (a test file starts with the header 'index<TAB>sentence<TAB>label')")
            raise DataFormatError(f"{path}:{lineno}: {len(cols)} tab-separated columns; {hint}: {line[:80]!r}")
        sentence, label = cols[-2].strip(), cols[-1].strip()
        if not sentence:
            raise DataFormatError(f"{path}:{lineno}: empty sentence")
        if not label:
            raise DataFormatError(f"{path}:{lineno}: empty label")
        if labels is not None and label not in labels:
            raise DataFormatError(f"{path}:{lineno}: label {label!r} is not one of {list(labels)}")
        masks = MASK.findall(sentence)
        if len(masks) < 2 and not (masks and "-" in masks[0]):  # @CHEM-GENE$: one mention, both roles
            raise DataFormatError(f"{path}:{lineno}: the sentence needs two entity masks such as @GENE$ and "
                                  f"@DISEASE$, found {masks}: {sentence[:80]!r}")
        rows.append({"sentence": sentence, "label": label, "line": lineno})
    return rows


def negative_label(labels: Iterable[str]) -> str | None:
    """The "no relation" label of a label set (``0``, ``false``, ...), or None."""
    labels = list(labels)
    return next((lab for lab in labels if lab.lower() in NEGATIVE_NAMES), None)


def order_labels(labels: Iterable[str]) -> list[str]:
    """Negative label first, then the relation labels sorted (``["0", "1"]``, ``["false", "CPR:3", ...]``)."""
    labels = sorted(set(labels))
    neg = negative_label(labels)
    return ([neg] if neg else []) + [lab for lab in labels if lab != neg]


def _split_files(folder: Path, ext: str) -> dict[str, Path]:
    found = {}
    for split, aliases in {"train": ("train",), "devel": ("dev", "devel", "validation"), "test": ("test",)}.items():
        for alias in aliases:
            f = folder / f"{alias}{ext}"
            if f.exists() and f.stat().st_size > 0:  # GAD ships 0-byte dev files upstream
                found.setdefault(split, f)
    if not found:
        raise FileNotFoundError(f"{folder}: no train/test{ext} files found")
    return found


def _check_splits(splits: dict[str, list[dict]], files: dict[str, Path]) -> None:
    """A label in a dev/test file that the train file never has would silently add a class (and switch a
    binary metric to the multi-class one): refuse it, naming where it is."""
    if "train" not in splits:
        return
    seen = {r["label"] for r in splits["train"]}
    for split, rows in splits.items():
        extra = next((r for r in rows if r["label"] not in seen), None)
        if extra is not None:
            raise DataFormatError(f"{files[split]}:{extra.get('line', '?')}: label {extra['label']!r} never occurs "
                                  f"in {files['train'].name} (labels there: {order_labels(seen)}); a typo? Fix it, "
                                  f"or pass labels= to load the full label set")


def load_re_dataset(folder: str | Path, labels: Sequence[str] | None = None):
    """A BioBERT RE folder (``train.tsv``, ``test.tsv``, optional ``dev.tsv``) as a ``DatasetDict``.

    Columns ``id``, ``sentence``, ``label`` (a ``ClassLabel``; negative class first). Taught in 04.
    """
    files = _split_files(Path(folder), ".tsv")
    splits = {split: read_re_tsv(path, labels) for split, path in files.items()}
    if labels is None:
        _check_splits(splits, files)
    names = list(labels) if labels else order_labels(r["label"] for rows in splits.values() for r in rows)
    return _to_datasetdict(splits, names, extra={})


def _to_datasetdict(splits: dict[str, list[dict]], names: list[str], extra: dict[str, str]):
    import datasets

    features = datasets.Features({"id": datasets.Value("string"), "sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=names),
                                  **{k: datasets.Value(v) for k, v in extra.items()}})
    out = {}
    for split, rows in splits.items():
        cols = {"id": [f"{split}-{i}" for i in range(len(rows))], "sentence": [r["sentence"] for r in rows],
                "label": [names.index(r["label"]) for r in rows]}
        cols.update({k: [r[k] for r in rows] for k in extra})
        out[split] = datasets.Dataset.from_dict(cols, features=features)
    return datasets.DatasetDict(out)


def read_pairs_jsonl(path: str | Path) -> list[dict]:
    """Raw-text examples ``{"text", "head": {start, end, label}, "tail": {...}, "label"}``, one JSON per line."""
    def parse(row: dict, where: str) -> dict:
        text, head, tail, label = row["text"], row["head"], row["tail"], str(row["label"])
        check_span(text, head, "head")
        check_span(text, tail, "tail")
        return {"text": text, "head": head, "tail": tail, "label": label, "line": int(where.rsplit(":", 1)[1])}

    return read_jsonl(path, parse)


def load_pairs_dataset(folder: str | Path, style: str = "mask", labels: Sequence[str] | None = None):
    """Raw-text pair examples (``train.jsonl``, ``test.jsonl``) marked with ``style`` as a ``DatasetDict``.

    The same examples become ``@GENE$ ... @DISEASE$`` (``mask``) or
    ``[E1-GENE] BRCA1 [/E1-GENE] ... [E2-DISEASE] ...`` (``markers``). Column ``text`` keeps the raw sentence.
    """
    files = _split_files(Path(folder), ".jsonl")
    splits = {}
    for split, path in files.items():
        rows = read_pairs_jsonl(path)
        splits[split] = [{"sentence": mark_pair(r["text"], r["head"], r["tail"], style), "label": r["label"],
                          "text": r["text"], "line": r["line"]} for r in rows]
    if labels is None:
        _check_splits(splits, files)
    names = list(labels) if labels else order_labels(r["label"] for rows in splits.values() for r in rows)
    return _to_datasetdict(splits, names, extra={"text": "string"})


def load_re_sample(name: str = "gene_disease", style: str = "mask"):
    """A project-written sample from ``data/re/``: ``gene_disease`` (binary), ``chemprot``, ``ade``.

    ``gene_disease`` also exists as raw text with spans, so ``style="markers"`` works for it.
    """
    folder = DATA_DIR / "re" / name
    if not folder.is_dir():
        raise FileNotFoundError(f"no RE sample {name!r}: choose gene_disease, chemprot or ade")
    if style == "markers":
        return load_pairs_dataset(folder, style)
    check_style(style)
    return load_re_dataset(folder)
