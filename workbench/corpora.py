"""The real benchmark corpora on demand: a registry of public files pinned to a commit, and a download.

Each corpus is a set of raw files on GitHub at a fixed commit, with the SHA256 the project recorded
for each. :func:`download_corpus` fetches them into the cache (``$WORKBENCH_CACHE/corpora`` or
``~/.cache/workbench/corpora``) with the same layout as ``../shared/data`` (``<corpus>/<file>``), so the
loaders read either. Most users never call it: :func:`workbench.data.corpus_dir` looks in
``$WORKBENCH_SHARED_DATA`` first, then the cache, and downloads only when the corpus is in neither.

| corpus | task | source |
|---|---|---|
| ``ncbi_disease`` | NER, disease | BioBERT pre-processed (``BioMedBERT/biomedbert``) |
| ``bc5cdr_typed`` | NER, chemical + disease (CC BY 4.0) | Crichton et al. 2017 (``cambridgeltl/MTL-Bioinformatics-2016``) |
| ``bc2gm`` | NER, gene/protein | BioBERT pre-processed |
| ``gad`` | relations, gene-disease (fold 1 of 10) | BioBERT pre-processed |
| ``bioasq_4b`` | factoid QA, 4b test batches 1-5 + golden answers | BioBERT pre-processed |

Not offered: ``ade_half`` is a split the project derived from the ADE corpus (half of it by PubMed ID),
not a file anyone publishes, so it exists only in the shared folder. The licence text of BC5CDR
(``LICENSE.md`` in the shared copy) is not downloaded: the loaders do not need it.

Environment: ``WORKBENCH_CORPUS_MIRROR=http://host:port`` fetches ``{mirror}/{corpus}/{file}`` instead
(a local copy of the shared layout, e.g. served by ``python -m http.server``); ``HF_HUB_OFFLINE=1`` or
``WORKBENCH_OFFLINE=1`` without a mirror forbids any download. Before the first download a short reachability
check asks the source (the mirror when one is set, else GitHub's raw-file host; proxies honoured): when it does
not answer, nothing is attempted and :class:`CorpusUnavailable` says so -- the same outcome as the offline
variables, at once instead of a stalled transfer per file.
"""
from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import WorkbenchError

CACHE_ENV = "WORKBENCH_CACHE"
MIRROR_ENV = "WORKBENCH_CORPUS_MIRROR"
OFFLINE_ENVS = ("HF_HUB_OFFLINE", "WORKBENCH_OFFLINE")
SHARED_ENV = "WORKBENCH_SHARED_DATA"  # the same variable as workbench.data.SHARED_ENV
NOT_DOWNLOADABLE = {
    "ade_half": "a split derived by the project (half of the ADE corpus by PubMed ID); "
                "it exists only in the shared data folder",
}

_BIOBERT = ("BioMedBERT/biomedbert", "93fd69d6fb59e5c04b5a1ac7668117643c4a8583")
_CRICHTON = ("cambridgeltl/MTL-Bioinformatics-2016", "df0df02fae6dbb87d88ffcf323b9096528f06f84")


class DownloadError(WorkbenchError, OSError):
    """A corpus file could not be fetched or failed its checksum; nothing was left in the cache."""


class CorpusUnavailable(WorkbenchError, FileNotFoundError):
    """The corpus is not on this machine and cannot be had now (offline, source unreachable, not downloadable).

    ``reason`` is the short why (one clause), ``str(err)`` the whole message with what to do.
    """

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class CorpusFile:
    path: str  # inside the corpus folder, e.g. "1/train.tsv"
    source: str  # inside the source repository
    sha256: str
    size: int  # bytes


@dataclass(frozen=True)
class Corpus:
    name: str
    task: str
    repo: str
    commit: str
    files: tuple[CorpusFile, ...]

    @property
    def size(self) -> int:
        """Total bytes of the files."""
        return sum(f.size for f in self.files)

    def url(self, file: CorpusFile, mirror: str | None = None) -> str:
        """Where ``file`` is fetched from: the pinned GitHub raw URL, or ``{mirror}/{corpus}/{path}``."""
        if mirror:
            return f"{mirror.rstrip('/')}/{self.name}/{file.path}"
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{file.source}"


def _corpus(name, task, source, folder, files) -> Corpus:
    repo, commit = source
    return Corpus(name, task, repo, commit,
                  tuple(CorpusFile(path, f"{folder}/{path}", sha, size) for path, sha, size in files))


# SHA256 and sizes computed from the byte-for-byte copies in ../shared/data (see their PROVENANCE.md).
REGISTRY: dict[str, Corpus] = {c.name: c for c in (
    _corpus("ncbi_disease", "NER: disease mentions (bare B/I tags, read as Disease)", _BIOBERT,
            "datasets/NER/NCBI-disease", [
                ("train.tsv", "26df55fb9da14f52834c7c7238ec30af271aa4e3bbe2256ef96cab2c0a7e159b", 1047453),
                ("devel.tsv", "a91324724fa0783ef3096f060580e6b4e8dfdf83664d48e77951a45b693c0eaa", 185336),
                ("test.tsv", "ca56aff802f8c8849793e806914636f7c9d8bf03bbd88c66402266289beb3995", 189288)]),
    _corpus("bc5cdr_typed", "NER: Chemical + Disease mentions (typed IOB2)", _CRICHTON,
            "data/BC5CDR-IOB", [
                ("train.tsv", "b731361c0ed73afd04cc5fdad39afcdfd8f325d6e46c282339185a91d1af4c14", 1039940),
                ("devel.tsv", "b909de65c4f7e3c23bb09ad52d654cdc92e96db941abe1a5dcf6f6010c03cff5", 1031781),
                ("test.tsv", "e41a2843a5fff0cd8d1a88cb147968d61ae29336ca70cddc3d7fb8ff21dfa1e8", 1080717)]),
    _corpus("bc2gm", "NER: gene/protein mentions (bare B/I tags, read as Gene)", _BIOBERT,
            "datasets/NER/BC2GM", [
                ("train.tsv", "1f180df262ba11c108bf798eae9d94e2090b51985694eb5acd8e9c544045f9a0", 2707662),
                ("devel.tsv", "634e84223ef02cf231fa4b5a5a256ad581efe1405c5bb31986ac0cf055b64e38", 540170),
                ("test.tsv", "ea0d230134416109a1feb1ff4169e43b89893ef93b91e392c2534944828b724a", 1089552)]),
    _corpus("gad", "relations: gene-disease association, fold 1 of 10", _BIOBERT,
            "datasets/RE/GAD", [
                ("1/train.tsv", "21e3765852a13cf03e6e759e201c5ad2d18b10d3ab05a8ac6bd7510f18f68fec", 845495),
                ("1/test.tsv", "68fe2b2bddefac2cd5d35b4bc8a13bceee95ee9a582a623632981e893cdb512e", 102294)]),
    _corpus("bioasq_4b", "QA: BioASQ 4b factoid test batches 1-5 + golden answers", _BIOBERT,
            "datasets/QA/BioASQ", [
                ("BioASQ-test-factoid-4b-1.json", "8e9cbdbaf3b00880f4115a69da49f046ef1a48beeaeed9f61c9532e94ee90962", 284109),
                ("BioASQ-test-factoid-4b-2.json", "be170a1ee7468f416b713a55ef7b8157cbe9f4147f64c8fb65263aec73eadf3f", 276492),
                ("BioASQ-test-factoid-4b-3.json", "2f98b26111935337522e64be4a929fff5b4629ff12bbe2a3785f41e952cf1741", 173415),
                ("BioASQ-test-factoid-4b-4.json", "087d783959388c9356999c95e71f88d4cd69dd1f0dc92aa426ddcec5ae27dfc8", 212363),
                ("BioASQ-test-factoid-4b-5.json", "f80e19eb26dd1bb80ad0915cfe94c8dafafd119fe946987b22c0b3311853baf2", 207760),
                ("4B1_golden.json", "60d990f006e180dddbffd56541cf2c1d95a3b8b4615c8f3a07af2542c5b7180c", 328329),
                ("4B2_golden.json", "b600b1627469d4874d9cf6f044056bf2139565068a74044b6a669fb9901fc1a2", 352052),
                ("4B3_golden.json", "47066328cd258d7b32e2c4509a5a3ad89260aec4757ece7e6a451e8897ef9fd4", 355051),
                ("4B4_golden.json", "f80ba22b582ac287654b66e616bd3fe66732d598a9b381fc79dcac337ad7730c", 392885),
                ("4B5_golden.json", "41f19f2e8f23558412862dd04b1dee22b9276299601770b2ba031591db2dbde8", 352575)]),
)}


def get_corpus(name: str) -> Corpus:
    """The registry entry of ``name``; a clear error for unknown or derived corpora."""
    if name in REGISTRY:
        return REGISTRY[name]
    if name in NOT_DOWNLOADABLE:
        raise ValueError(f"corpus {name!r} cannot be downloaded: {NOT_DOWNLOADABLE[name]} "
                         f"(set {SHARED_ENV} to the folder that holds it)")
    raise ValueError(f"unknown corpus {name!r}; downloadable corpora: {', '.join(REGISTRY)}")


def cache_dir() -> Path:
    """Where downloaded corpora live: ``$WORKBENCH_CACHE/corpora`` or ``~/.cache/workbench/corpora``."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "workbench"
    return Path(root).expanduser() / "corpora"


def mirror_url() -> str | None:
    """``$WORKBENCH_CORPUS_MIRROR`` (files fetched as ``{mirror}/{corpus}/{file}``), or None."""
    return os.environ.get(MIRROR_ENV, "").strip() or None


def offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` or ``WORKBENCH_OFFLINE`` is set to a true value."""
    return any(os.environ.get(v, "").strip().lower() in {"1", "true", "yes", "on"} for v in OFFLINE_ENVS)


def cached_corpus(name: str, cache: str | Path | None = None) -> Path | None:
    """The cache folder of ``name`` when every file of it is there (downloads are atomic), else None."""
    if name not in REGISTRY:
        return None
    folder = Path(cache or cache_dir()) / name
    return folder if all((folder / f.path).is_file() for f in REGISTRY[name].files) else None


def download_corpus(name: str, *, force: bool = False, cache: str | Path | None = None,
                    mirror: str | None = None, progress: bool = True) -> Path:
    """Fetch the files of ``name`` missing from the cache (all of them with ``force``); its folder.

    Each file is streamed to a temporary file beside its destination, its SHA256 checked, then moved
    into place, so an interrupted or corrupted transfer leaves nothing behind (:class:`DownloadError`).
    Offline without a mirror, raises :class:`CorpusUnavailable` instead of trying.
    """
    corpus = get_corpus(name)
    folder = Path(cache or cache_dir()) / name
    todo = [f for f in corpus.files if force or not (folder / f.path).is_file()]
    if not todo:
        return folder
    mirror = mirror or mirror_url()
    if offline() and not mirror:
        raise unavailable(name, f"not on this machine, and offline mode is on ({'/'.join(OFFLINE_ENVS)} set)")
    source = source_of(corpus, mirror)
    problem = source_problem(source)
    if problem:
        raise unavailable(name, f"not on this machine, and the download source {source} cannot be reached ({problem})")
    for f in todo:
        _fetch(corpus.url(f, mirror), folder / f.path, f, name, progress)
    return folder


def source_of(corpus: Corpus, mirror: str | None = None) -> str:
    """The address checked before a download: the mirror, or the scheme and host of the corpus's files."""
    if mirror:
        return mirror.rstrip("/") + "/"
    parts = urllib.parse.urlsplit(corpus.url(corpus.files[0]))
    return f"{parts.scheme}://{parts.netloc}/"


def source_problem(url: str, timeout: float = 5.0) -> str | None:
    """Why ``url`` cannot be reached now (refused, no DNS answer, proxy error, no answer within ``timeout``
    seconds), or None when it answers at all (any HTTP status counts). Remembered per address for the
    process; forget with ``source_problem.cache_clear()`` (e.g. after reconnecting)."""
    return _probe(url, float(timeout))


@lru_cache(maxsize=16)
def _probe(url: str, timeout: float) -> str | None:
    answer: list[str | None] = []

    def ask() -> None:  # urllib: the proxies (HTTPS_PROXY, NO_PROXY) and certificates the download uses
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
                answer.append(None)
        except urllib.error.HTTPError:
            answer.append(None)  # the server answered: reachable
        except (OSError, http.client.HTTPException, ValueError) as err:
            answer.append(str(getattr(err, "reason", None) or err) or type(err).__name__)

    # In a thread, so a name lookup that stalls (no DNS answer offline) cannot hold the caller past ``timeout``.
    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(timeout)
    return answer[0] if answer else f"no answer within {timeout:g} s"


source_problem.cache_clear = _probe.cache_clear


def unavailable(name: str, reason: str) -> CorpusUnavailable:
    """The error for a corpus that is not here and cannot be had now: ``reason``, then what to do."""
    fix = (f"run `python -m workbench data download {name}` where the internet can be reached, "
           if name in REGISTRY else "")
    return CorpusUnavailable(
        f"corpus {name!r}: {reason}. To use it, {fix}"
        f"set {SHARED_ENV} to a folder holding {name}/ (the ../shared/data layout)"
        + (f", or {MIRROR_ENV} to a server of that folder." if name in REGISTRY else "."), reason=reason)


def _fetch(url: str, dest: Path, file: CorpusFile, corpus: str, progress: bool, timeout: float = 60) -> Path:
    """Stream ``url`` to ``dest`` (bytes progress bar), check its SHA256, move it into place atomically."""
    from tqdm.auto import tqdm

    label, size, sha256 = f"{corpus}/{file.path}", file.size, file.sha256
    retry = (f"Nothing was saved. Run `python -m workbench data download {corpus} --force` to "
             f"try again (behind a proxy set HTTPS_PROXY), or set {SHARED_ENV} to a local copy of the corpora.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest, got, announced = hashlib.sha256(), 0, None
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    length = resp.headers.get("Content-Length")
                    announced = int(length) if length and length.isdigit() else None
                    with tqdm(total=announced or size, unit="B", unit_scale=True, unit_divisor=1024,
                              desc=label, disable=not progress) as bar:
                        while chunk := resp.read(1 << 16):
                            out.write(chunk)
                            digest.update(chunk)
                            got += len(chunk)
                            bar.update(len(chunk))
            except urllib.error.HTTPError as err:
                raise DownloadError(f"{label}: {url} answered HTTP {err.code} {err.reason}. {retry}") from None
            except (OSError, http.client.HTTPException) as err:
                reason = getattr(err, "reason", None) or err
                raise DownloadError(f"{label}: transfer from {url} failed after {got} bytes ({reason}). "
                                    f"{retry}") from None
        if announced is not None and got != announced:
            raise DownloadError(f"{label}: transfer from {url} was interrupted: {got} of {announced} bytes "
                                f"arrived. {retry}")
        if digest.hexdigest() != sha256:
            raise DownloadError(f"{label}: checksum mismatch for {url}: SHA256 {digest.hexdigest()} "
                                f"({got} bytes), expected {sha256} ({size} bytes). The file is corrupted or "
                                f"changed upstream. {retry}")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return dest
