"""Corpora on demand (workbench.corpora + data.corpus_dir), against an HTTP server of our own on 127.0.0.1."""
import dataclasses
import hashlib
import http.server
import json
import socket
import struct
import threading
import urllib.request

import pytest

from workbench import cli, corpora, data

TOY = {  # bare B/I tags, as in the real NCBI-disease files
    "train.tsv": "BRCA1\tO\nmutations\tO\ncause\tO\nbreast\tB\ncancer\tI\n.\tO\n\nAtaxia\tB\nis\tO\nrare\tO\n\n",
    "devel.tsv": "Cystic\tB\nfibrosis\tI\nkills\tO\n\n",
    "test.tsv": "Gout\tB\nhurts\tO\n\nLupus\tB\nflares\tO\n\nNo\tO\ndisease\tO\n\n",
}


def toy_corpus(folder, texts=TOY):
    """Write a synthetic ``ncbi_disease`` folder; its registry entry with these files' checksums."""
    (folder / "ncbi_disease").mkdir(parents=True)
    for name, text in texts.items():
        (folder / "ncbi_disease" / name).write_text(text)
    real = corpora.REGISTRY["ncbi_disease"]
    files = tuple(dataclasses.replace(f, sha256=hashlib.sha256(texts[f.path].encode()).hexdigest(),
                                      size=len(texts[f.path].encode())) for f in real.files)
    return dataclasses.replace(real, files=files)


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def serve():
    """``serve(folder, broken=None)`` -> (base URL, list of requested paths). ``broken``: {file name: how},
    how = "short" (Content-Length larger than the body, then close) or "reset" (half the body, then RST)."""
    servers = []

    def start(folder, broken=None):
        requested = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def log_message(self, *args):
                pass

            def do_GET(self):
                requested.append(self.path)
                how = (broken or {}).get(self.path.rsplit("/", 1)[-1])
                if not how:
                    return super().do_GET()
                body = (folder / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + (1000 if how == "short" else 0)))
                self.end_headers()
                self.wfile.write(body if how == "short" else body[: len(body) // 2])
                self.wfile.flush()
                if how == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", requested

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Empty shared folder and cache; no mirror; offline (as in all tests) unless a test says otherwise."""
    shared, cache = tmp_path / "shared", tmp_path / "cache"
    shared.mkdir()
    monkeypatch.setenv(data.SHARED_ENV, str(shared))
    monkeypatch.setenv(corpora.CACHE_ENV, str(cache))
    monkeypatch.delenv(corpora.MIRROR_ENV, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return shared, cache / "corpora"


def test_download_checks_and_caches(tmp_path, places, serve, monkeypatch):
    _, cache = places
    monkeypatch.setitem(corpora.REGISTRY, "ncbi_disease", toy_corpus(tmp_path / "site"))
    url, requested = serve(tmp_path / "site")
    monkeypatch.setenv(corpora.MIRROR_ENV, url)
    folder = data.corpus_dir("ncbi_disease")
    assert folder == cache / "ncbi_disease"
    assert files_under(folder) == ["devel.tsv", "test.tsv", "train.tsv"]  # no temporary files left
    assert all((folder / n).read_text() == t for n, t in TOY.items())
    assert sorted(requested) == ["/ncbi_disease/devel.tsv", "/ncbi_disease/test.tsv", "/ncbi_disease/train.tsv"]
    ds = data.load_corpus("ncbi_disease")
    assert {k: len(v) for k, v in ds.items()} == {"train": 2, "devel": 1, "test": 3}
    assert data.entity_counts(ds["test"]) == {"Disease": 2}
    assert len(requested) == 3, "cached files are not downloaded again"
    corpora.download_corpus("ncbi_disease", force=True, progress=False)
    assert len(requested) == 6


def test_checksum_mismatch_keeps_nothing_of_that_file(tmp_path, places, serve, monkeypatch):
    _, cache = places
    site = tmp_path / "site"
    monkeypatch.setitem(corpora.REGISTRY, "ncbi_disease", toy_corpus(site))
    (site / "ncbi_disease" / "test.tsv").write_text(TOY["test.tsv"].replace("Gout", "Gaut"))  # changed upstream
    url, requested = serve(site)
    monkeypatch.setenv(corpora.MIRROR_ENV, url)
    with pytest.raises(corpora.DownloadError) as err:
        data.corpus_dir("ncbi_disease")
    msg = str(err.value)
    assert "checksum mismatch" in msg and "ncbi_disease/test.tsv" in msg and f"{url}/ncbi_disease/test.tsv" in msg
    assert "python -m workbench data download ncbi_disease --force" in msg
    # the two verified files stay, the bad one is not there, nor any temporary file
    assert files_under(cache / "ncbi_disease") == ["devel.tsv", "train.tsv"]
    assert data.locate_corpus("ncbi_disease") is None, "an incomplete corpus is not used"
    (site / "ncbi_disease" / "test.tsv").write_text(TOY["test.tsv"])  # fixed: only the missing file is fetched
    n = len(requested)
    assert data.corpus_dir("ncbi_disease") == cache / "ncbi_disease"
    assert requested[n:] == ["/ncbi_disease/test.tsv"]


@pytest.mark.parametrize("how", ["short", "reset"])
def test_interrupted_transfer_leaves_nothing(tmp_path, places, serve, monkeypatch, how):
    _, cache = places
    monkeypatch.setitem(corpora.REGISTRY, "ncbi_disease", toy_corpus(tmp_path / "site"))
    url, _ = serve(tmp_path / "site", broken={"train.tsv": how})
    with pytest.raises(corpora.DownloadError) as err:
        corpora.download_corpus("ncbi_disease", mirror=url, progress=False)
    msg = str(err.value)
    assert "ncbi_disease/train.tsv" in msg and f"{url}/ncbi_disease/train.tsv" in msg and "Nothing was saved" in msg
    if how == "short":
        n = len(TOY["train.tsv"])
        assert f"interrupted: {n} of {n + 1000} bytes" in msg
    assert files_under(cache) == []


def test_offline_does_not_try_and_says_what_to_do(places, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("offline mode must not open a connection")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(corpora.CorpusUnavailable) as err:
        data.load_corpus("ncbi_disease")
    msg = str(err.value)
    assert "python -m workbench data download ncbi_disease" in msg and "WORKBENCH_SHARED_DATA" in msg
    assert isinstance(err.value, FileNotFoundError)


def closed_port() -> int:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_mirror_is_known_before_any_transfer(places, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    port = closed_port()
    monkeypatch.setenv(corpora.MIRROR_ENV, f"http://127.0.0.1:{port}")
    fetched = []
    monkeypatch.setattr(corpora, "_fetch", lambda *a, **k: fetched.append(a))
    with pytest.raises(corpora.CorpusUnavailable) as err:
        data.corpus_dir("ncbi_disease")
    assert f"the download source http://127.0.0.1:{port}/ cannot be reached" in str(err.value)
    assert "refused" in err.value.reason.lower(), err.value.reason
    assert "python -m workbench data download ncbi_disease" in str(err.value)
    assert fetched == [] and files_under(places[1]) == []


def test_the_default_source_is_checked_through_the_proxy(places, monkeypatch, capsys):
    """A newcomer offline: no offline variable, no mirror, the source unreachable (here: through a proxy that
    refuses) -- the same outcome as the offline variables, and corpus_or_sample says so in one line."""
    for var in ("HF_HUB_OFFLINE", "WORKBENCH_OFFLINE", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    for var in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{closed_port()}")
    corpora.source_problem.cache_clear()
    monkeypatch.setattr(corpora, "_fetch", lambda *a, **k: pytest.fail("no transfer may start"))
    with pytest.raises(corpora.CorpusUnavailable, match="https://raw.githubusercontent.com/ cannot be reached"):
        corpora.download_corpus("gad", progress=False)
    assert data.corpus_or_sample("ncbi_disease") == "sample"
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert out.startswith("ncbi_disease: not on this machine, and the download source "
                          "https://raw.githubusercontent.com/ cannot be reached")
    assert "python -m workbench data download ncbi_disease" in out and "WORKBENCH_SHARED_DATA" in out
    corpora.source_problem.cache_clear()


def test_a_stalled_name_lookup_does_not_hold_the_caller(monkeypatch):
    import time

    def stall(*args, **kwargs):
        time.sleep(5)
        raise socket.gaierror("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", stall)
    start = time.perf_counter()
    assert corpora.source_problem("http://stalled.invalid/", timeout=0.3) == "no answer within 0.3 s"
    assert time.perf_counter() - start < 2
    corpora.source_problem.cache_clear()


def test_a_reachable_mirror_is_asked_once(tmp_path, places, serve, monkeypatch):
    monkeypatch.setitem(corpora.REGISTRY, "ncbi_disease", toy_corpus(tmp_path / "site"))
    url, requested = serve(tmp_path / "site")
    assert corpora.source_problem(url + "/") is None, "any HTTP answer means reachable (here a 200 listing)"
    assert corpora.source_problem(url + "/no/such/folder/") is None, "a 404 is an answer too"


def test_resolution_order(tmp_path, places, monkeypatch):
    shared, cache = places
    one = {"train.tsv": "A\tB\n\n", "devel.tsv": "A\tO\n\n", "test.tsv": "A\tO\n\n"}
    two = {**one, "train.tsv": "A\tB\n\nC\tO\n\n"}
    three = {**one, "train.tsv": "A\tB\n\nC\tO\n\nD\tO\n\n"}
    toy_corpus(cache, one)
    assert data.corpus_dir("ncbi_disease") == cache / "ncbi_disease"
    assert len(data.load_corpus("ncbi_disease")["train"]) == 1
    toy_corpus(shared, two)
    assert data.corpus_dir("ncbi_disease") == shared / "ncbi_disease"  # shared beats cache
    assert len(data.load_corpus("ncbi_disease")["train"]) == 2
    toy_corpus(tmp_path / "mine", three)
    mine = tmp_path / "mine" / "ncbi_disease"
    assert data.corpus_dir("ncbi_disease", mine) == mine  # an explicit path beats both
    assert len(data.load_corpus("ncbi_disease", path=mine)["train"]) == 3
    with pytest.raises(FileNotFoundError, match="nowhere"):
        data.corpus_dir("ncbi_disease", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="python -m workbench data download bc2gm"):
        data.corpus_dir("bc2gm", download=False)
    with pytest.raises(FileNotFoundError, match="it cannot be downloaded: a split derived"):
        data.corpus_dir("ade_half")


def test_cli_download_and_list(tmp_path, places, serve, monkeypatch, capsys):
    _, cache = places
    site = tmp_path / "site"
    monkeypatch.setattr(corpora, "REGISTRY", {"ncbi_disease": toy_corpus(site)})
    url, requested = serve(site)
    assert cli.main(["data", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["found_at"] is None
    assert cli.main(["data", "download", "all", "--quiet", "--mirror", url]) == 0
    assert json.loads(capsys.readouterr().out) == {"ncbi_disease": str(cache / "ncbi_disease")}
    assert len(requested) == 3
    assert cli.main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "ncbi_disease" in out and str(cache / "ncbi_disease") in out and "ade_half: not downloadable" in out
    (site / "ncbi_disease" / "devel.tsv").write_text("changed\tO\n\n")
    assert cli.main(["data", "download", "ncbi_disease", "--force", "--quiet", "--mirror", url]) == 2
    assert "checksum mismatch" in capsys.readouterr().err
    assert cli.main(["data", "download", "ade_half"]) == 2
    assert "cannot be downloaded" in capsys.readouterr().err


@pytest.mark.realdata
def test_registry_checksums_match_the_shared_files(shared_data):
    for corpus in corpora.REGISTRY.values():
        for f in corpus.files:
            path = shared_data / corpus.name / f.path
            assert path.stat().st_size == f.size, path
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f.sha256, path
        assert corpus.url(corpus.files[0]).startswith(f"https://raw.githubusercontent.com/{corpus.repo}/{corpus.commit}/")


@pytest.mark.realdata
def test_download_ncbi_disease_from_a_mirror_of_the_shared_folder(shared_data, places, serve, monkeypatch):
    url, requested = serve(shared_data)
    monkeypatch.setenv(corpora.MIRROR_ENV, url)
    ncbi = data.load_corpus("ncbi_disease")
    assert {k: len(v) for k, v in ncbi.items()} == {"train": 5424, "devel": 923, "test": 940}
    assert data.entity_counts(ncbi["test"]) == {"Disease": 960}
    assert len(requested) == 3 and data.locate_corpus("ncbi_disease") == places[1] / "ncbi_disease"


@pytest.mark.realdata
def test_bioasq_and_gad_loaders_download_through_corpus_dir(shared_data, places, serve, monkeypatch):
    from workbench import qa, relations

    url, requested = serve(shared_data)
    monkeypatch.setenv(corpora.MIRROR_ENV, url)
    bioasq = qa.load_bioasq_folder()
    assert len(bioasq) == 167 + 152 + 100 + 116 + 117 and len(set(bioasq["question_id"])) == 161
    gad = relations.load_re_dataset(data.corpus_dir("gad") / "1")
    assert {k: len(v) for k, v in gad.items()} == {"train": 4796, "test": 534}
    assert len(requested) == 12
    assert files_under(places[1]) == sorted([f"bioasq_4b/{f.path}" for f in corpora.REGISTRY["bioasq_4b"].files]
                                            + ["gad/1/test.tsv", "gad/1/train.tsv"])
