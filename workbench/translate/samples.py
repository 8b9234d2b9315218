"""The project's Chinese sample sentences (``data/zh/samples.tsv``): ``doc<TAB>zh<TAB>en`` rows with a
reference English translation, used by the stand-in translator and notebook 06."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..data import DATA_DIR, DataFormatError

SAMPLES_FILE = DATA_DIR / "zh" / "samples.tsv"


@lru_cache(maxsize=4)
def _read_samples(path: str) -> tuple:
    rows = []
    with open(path, encoding="utf-8") as fh:
        lines = [(n, line.rstrip("\r\n")) for n, line in enumerate(fh, 1)]
    body = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not body or body[0][1].split("\t") != ["doc", "zh", "en"]:
        raise DataFormatError(f"{path}:{body[0][0] if body else 1}: expected the header 'doc<TAB>zh<TAB>en'")
    for n, line in body[1:]:
        cols = line.split("\t")
        if len(cols) != 3 or not all(c.strip() for c in cols):
            raise DataFormatError(f"{path}:{n}: expected 'doc<TAB>zh<TAB>en' with three non-empty fields, got {line!r}")
        rows.append({"doc": cols[0], "zh": cols[1], "en": cols[2], "line": n})
    return tuple(rows)


def load_samples(path: str | Path = SAMPLES_FILE) -> list[dict]:
    """The project's Chinese sample sentences: ``[{doc, zh, en, line}, ...]`` (en: reference English)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such sample file")
    return [dict(r) for r in _read_samples(str(path.resolve()))]


def load_sample_abstracts(path: str | Path = SAMPLES_FILE) -> list[dict]:
    """The sample sentences grouped into their abstracts: ``[{doc, zh, en}, ...]``.

    Chinese is joined without spaces, English with one. (Not :func:`workbench.usecases.load_abstracts`,
    which reads the English use-case abstracts.)
    """
    docs: dict[str, dict] = {}
    for row in load_samples(path):
        d = docs.setdefault(row["doc"], {"doc": row["doc"], "zh": [], "en": []})
        d["zh"].append(row["zh"])
        d["en"].append(row["en"])
    return [{"doc": d["doc"], "zh": "".join(d["zh"]), "en": " ".join(d["en"])} for d in docs.values()]
