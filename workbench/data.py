"""Data loaders: the BioBERT NER TSV / CoNLL format, the project samples, the real corpora.

Taught in 01_loading_models_and_data.

Format: one ``token<TAB>tag`` per line, a blank line between sentences, optional
``-DOCSTART-`` lines. Tags are IOB2 (``B-Disease``, ``I-Disease``, ``O``); bare ``B``/``I``
(as in the NCBI-disease release) are mapped to one named type, e.g. ``B-Disease``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import (
    DataFormatError,  # defined in workbench.errors; imported from here too
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
SHARED_ENV = "WORKBENCH_SHARED_DATA"
SPLITS = ("train", "devel", "test")
_SPLIT_ALIASES = {"train": ("train",), "devel": ("devel", "dev", "validation", "valid"), "test": ("test",)}
_TAG = re.compile(r"^(O|[BI](-[^\s]+)?)$")


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]
    line: int  # 1-based line of the first token in its file


def sample_dir(name: str = "ner") -> Path:
    """Folder of a project-written sample in ``data/`` (e.g. ``ner``)."""
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"no project sample {name!r} under {DATA_DIR}")
    return path


def shared_data_dir() -> Path:
    """The real corpora (``$WORKBENCH_SHARED_DATA`` or ``../shared/data`` beside the project)."""
    return Path(os.environ.get(SHARED_ENV, PROJECT_ROOT.parent / "shared" / "data")).expanduser()


def locate_corpus(name: str) -> Path | None:
    """Where corpus ``name`` is on this machine now (shared folder, then download cache), or None."""
    from .corpora import cached_corpus

    shared = shared_data_dir() / name
    return shared if shared.exists() else cached_corpus(name)


def corpus_dir(name: str, path: str | Path | None = None, download: bool = True) -> Path:
    """Folder of a real corpus, e.g. ``corpus_dir("ncbi_disease")`` or ``corpus_dir("gad") / "1"``.

    Looks in order at: ``path`` (the corpus folder itself, when given), ``$WORKBENCH_SHARED_DATA/<name>``
    (default ``../shared/data`` beside the project), the download cache (:func:`workbench.corpora.cache_dir`),
    then downloads it when ``download`` is true (see :mod:`workbench.corpora`). When it cannot be had,
    :class:`~workbench.corpora.CorpusUnavailable` (a ``FileNotFoundError``) says why and what to do; a
    download that starts and fails is a :class:`~workbench.corpora.DownloadError`.
    """
    from . import corpora

    if path is not None:
        folder = Path(path).expanduser()
        if not folder.exists():
            raise FileNotFoundError(f"{folder}: no such folder (given as the location of corpus {name!r})")
        return folder
    found = locate_corpus(name)
    if found is not None:
        return found
    if name not in corpora.REGISTRY and name not in corpora.NOT_DOWNLOADABLE:
        raise ValueError(f"unknown corpus {name!r}; real corpora: "
                         f"{', '.join([*corpora.REGISTRY, *corpora.NOT_DOWNLOADABLE])}")
    where = f"not in {shared_data_dir() / name}"
    if name not in corpora.REGISTRY:
        raise corpora.unavailable(name, f"{where}, and it cannot be downloaded: {corpora.NOT_DOWNLOADABLE[name]}")
    if not download:
        raise corpora.unavailable(name, f"{where} nor in the cache {corpora.cache_dir()} (download=False)")
    return corpora.download_corpus(name)


def corpus_or_sample(name: str, download: bool = True) -> str:
    """``name`` when that real corpus is here or can be fetched now, else ``"sample"`` -- the one rule every
    notebook uses to choose its data.

    Found means: in the shared folder, in the download cache, or downloaded now (``download``; skipped at
    once when offline or when the download source does not answer). Otherwise one printed line says why and
    how to get the real corpus, and the caller runs the project sample, labelled ``"sample"``. A download
    that starts and fails (e.g. a checksum mismatch) is reported the same way. ``"sample"`` is returned as is.
    """
    from . import corpora

    if name == "sample":
        return name
    try:
        corpus_dir(name, download=download)
    except corpora.CorpusUnavailable as err:
        reason = err.reason
    except corpora.DownloadError as err:
        reason = f"its download failed ({err})"
    else:
        return name
    fix = (f"`python -m workbench data download {name}` with the internet on, or " if name in corpora.REGISTRY
           else "")
    print(f"{name}: {reason}. Using the project sample instead (results labelled 'sample'); "
          f"for the real corpus: {fix}set {SHARED_ENV} to a folder holding {name}/.")
    return "sample"


def read_data_text(path: str | Path) -> str:
    """The text of a data file for the loaders: UTF-8 (errors name ``file:line``), a leading byte-order
    mark dropped (Excel and Notepad write one; it is not part of the first token)."""
    from .files import read_user_text

    return read_user_text(path).removeprefix("\ufeff")


def read_jsonl(path: str | Path, parse=None, error: type[Exception] = DataFormatError, text: str | None = None) -> list:
    """Rows of a JSON-lines file (blank lines skipped), each through ``parse(obj, where)`` when given.

    ``where`` is ``"file:line"``. Invalid JSON, and a ``KeyError``/``TypeError``/``ValueError`` raised by
    ``parse``, become ``error`` with a message naming ``file:line`` (an ``error`` raised by ``parse`` passes
    through unchanged) -- the one JSONL reader of the package. ``text`` parses that text (already read
    from ``path``) instead of reading the file.
    """
    import json

    path = Path(path)
    if text is None:
        text = read_data_text(path)
    else:
        text = text.removeprefix("\ufeff")
    rows = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise error(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
        if parse is None:
            rows.append(obj)
            continue
        try:
            rows.append(parse(obj, where))
        except error:
            raise
        except (KeyError, TypeError, ValueError) as err:
            raise error(f"{where}: {type(err).__name__}: {err}") from None
    return rows


def normalise_tag(tag: str, entity_type: str | None) -> str:
    """Map bare ``B``/``I`` to ``B-<type>``/``I-<type>``; leave typed tags alone."""
    if tag in ("B", "I"):
        if not entity_type:
            raise ValueError("bare B/I tags need an entity_type (e.g. 'Disease')")
        return f"{tag}-{entity_type}"
    return tag


def read_conll(path: str | Path, entity_type: str | None = "Entity") -> list[Sentence]:
    """Read one BioBERT NER TSV / CoNLL file into sentences.

    The tag is the last tab-separated column, the token the first. Bare ``B``/``I`` tags become
    ``B-<entity_type>``. Raises :class:`DataFormatError` naming ``file:line`` on bad input.
    """
    path = Path(path)
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    start = 0
    for lineno, raw in enumerate(read_data_text(path).split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            if tokens:
                sentences.append(Sentence(tokens, tags, start))
                tokens, tags = [], []
            continue
        if line.startswith("-DOCSTART-"):
            continue
        cols = line.split("\t")
        if len(cols) < 2:
            raise DataFormatError(
                f"{path}:{lineno}: expected 'token<TAB>tag', got {line!r}"
                + (" (separated by spaces, not a tab?)" if " " in line.strip() else ""))
        token, tag = cols[0].strip(), cols[-1].strip()  # "BRCA1 <TAB>B-Gene": the token is "BRCA1"
        if not token:
            raise DataFormatError(f"{path}:{lineno}: empty token in {line!r}")
        if not _TAG.match(tag):
            raise DataFormatError(f"{path}:{lineno}: tag {tag!r} is not IOB2 (O, B-Type, I-Type, B, I)")
        try:
            tag = normalise_tag(tag, entity_type)
        except ValueError as err:
            raise DataFormatError(f"{path}:{lineno}: {err}") from None
        if not tokens:
            start = lineno
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append(Sentence(tokens, tags, start))
    return sentences


def conll_text(sentences) -> str:
    """``[(tokens, tags), ...]`` (or :class:`Sentence` objects) as BioBERT TSV text.

    Refuses what :func:`read_conll` could not read back: an empty token, a token with a tab or line
    break, a tag that is not IOB2 (``B-Rare disease`` holds a space).
    """
    lines = []
    for i, sent in enumerate(sentences):
        tokens, tags = (sent.tokens, sent.tags) if isinstance(sent, Sentence) else sent
        if len(tokens) != len(tags):
            raise ValueError(f"sentence {i}: {len(tokens)} tokens but {len(tags)} tags")
        for token, tag in zip(tokens, tags):
            if not token or not token.strip() or any(c in token for c in "\t\n\r"):
                raise ValueError(f"sentence {i}: token {token!r} is empty or contains a tab/newline")
            if not isinstance(tag, str) or not _TAG.match(tag):
                raise ValueError(f"sentence {i}: tag {tag!r} of token {token!r} is not IOB2 (O, B-Type, I-Type; "
                                 f"no spaces in the type)")
            lines.append(f"{token}\t{tag}")
        lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


def write_conll(sentences, path: str | Path) -> Path:
    """Write ``[(tokens, tags), ...]`` (or :class:`Sentence` objects) in the BioBERT TSV format.

    Written atomically (``workbench.files.atomic_write_text``): a failed write keeps the old file.
    """
    from .files import atomic_write_text

    path = Path(path)
    atomic_write_text(path, conll_text(sentences))
    return path


def label_list(tag_sets) -> list[str]:
    """Sorted label names: ``O`` first, then ``B-X``, ``I-X`` per entity type."""
    tags = set()
    for ts in tag_sets:
        tags.update(ts)
    types = sorted({t[2:] for t in tags if t != "O"})
    return ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]


def find_split_files(folder: str | Path) -> dict[str, Path]:
    """``{"train": ..., "devel": ..., "test": ...}`` for the ``.tsv``/``.txt``/``.conll`` files present."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    found = {}
    for split, aliases in _SPLIT_ALIASES.items():
        for alias in aliases:
            for ext in (".tsv", ".txt", ".conll", ".iob2"):
                if (folder / f"{alias}{ext}").exists():
                    found.setdefault(split, folder / f"{alias}{ext}")
    if not found:
        raise FileNotFoundError(f"{folder}: no train/devel/test .tsv files (BioBERT NER format) found")
    return found


def load_ner_dataset(folder: str | Path, entity_type: str = "Entity", labels: list[str] | None = None):
    """Load a BioBERT-format NER folder into a ``datasets.DatasetDict``.

    Columns: ``id``, ``tokens``, ``ner_tags`` (a ``ClassLabel`` sequence). ``labels`` fixes the label
    order (e.g. a model's); by default it is derived from all splits with :func:`label_list`.
    """
    import datasets

    files = find_split_files(folder)
    splits = {split: read_conll(path, entity_type) for split, path in files.items()}
    names = labels or label_list(s.tags for sents in splits.values() for s in sents)
    features = datasets.Features({
        "id": datasets.Value("string"),
        "tokens": datasets.Sequence(datasets.Value("string")),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names)),
    })
    index = {n: i for i, n in enumerate(names)}
    out = {}
    for split, sents in splits.items():
        unknown = sorted({t for s in sents for t in s.tags} - set(index))
        if unknown:
            raise DataFormatError(f"{files[split]}: tags {unknown} are not in the label set {names}")
        out[split] = datasets.Dataset.from_dict(
            {"id": [f"{split}-{i}" for i in range(len(sents))],
             "tokens": [s.tokens for s in sents],
             "ner_tags": [[index[t] for t in s.tags] for s in sents]},
            features=features)
    return datasets.DatasetDict(out)


def tag_names(dataset) -> list[str]:
    """The label names of a dataset's ``ner_tags`` column."""
    return dataset.features["ner_tags"].feature.names


def load_ner_sample(**kwargs):
    """The project-written NER sample (Disease, Chemical, Gene) as a ``DatasetDict``."""
    return load_ner_dataset(sample_dir("ner"), **kwargs)


_BARE_TAG_TYPES = {"ncbi_disease": "Disease", "bc2gm": "Gene"}


def load_corpus(name: str, path: str | Path | None = None, download: bool = True, **kwargs):
    """A real NER corpus as a ``DatasetDict``: ``ncbi_disease`` (bare tags read as Disease), ``bc5cdr_typed``
    or ``bc2gm`` (read as Gene); ``"sample"`` is the project sample, so ``load_corpus(corpus_or_sample(name))``
    always loads. Found or fetched by :func:`corpus_dir` (same ``path``/``download``)."""
    if name == "sample" and path is None:
        return load_ner_sample(**kwargs)
    if name in _BARE_TAG_TYPES:
        kwargs.setdefault("entity_type", _BARE_TAG_TYPES[name])
    return load_ner_dataset(corpus_dir(name, path, download), **kwargs)


def entity_counts(dataset) -> dict[str, int]:
    """Number of entity mentions per type in one split (counted at ``B-`` tags)."""
    names = tag_names(dataset)
    counts: dict[str, int] = {}
    for tags in dataset["ner_tags"]:
        for t in tags:
            name = names[t]
            if name.startswith("B-"):
                counts[name[2:]] = counts.get(name[2:], 0) + 1
    return dict(sorted(counts.items()))
