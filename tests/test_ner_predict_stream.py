"""``ner predict`` streams: lines are read only as they are tagged, output comes out in order, chunk by chunk."""
import argparse
import json

import pytest

import workbench as wb
from workbench.cli import ner as ner_cli


class CountingLines:
    """A text stream that counts how many lines were taken from it."""

    def __init__(self, lines):
        self.lines, self.taken = lines, 0

    def __iter__(self):
        for line in self.lines:
            self.taken += 1
            yield line


def test_lines_are_read_lazily(monkeypatch):
    stream = CountingLines([f"line {i}\n" for i in range(1, 1_000_001)])  # a million lines, never in memory
    monkeypatch.setattr(ner_cli.sys, "stdin", stream)
    records = ner_cli._texts([], lines=True)
    chunk = next(ner_cli._chunks(records, 3))
    assert [r["line"] for r in chunk] == [1, 2, 3] and chunk[0] == {"source": "<stdin>", "line": 1, "text": "line 1"}
    assert stream.taken == 3, "no line is read before it is needed"


def _args(model, files, **kw):
    return argparse.Namespace(model=str(model), files=[str(f) for f in files], lines=kw.get("lines", True),
                              with_text=kw.get("with_text", False), batch_size=8)


def test_predict_streams_chunks_in_order(tmp_path, monkeypatch, capsys):
    tagger = wb.ner.sample_tagger()
    capsys.readouterr()  # building the demo tagger the first time says so on stdout; only predict's output counts
    base = ["BRCA1 mutations cause hereditary breast cancer.", "Cisplatin induced nephrotoxicity in rats.",
            "", "   ", "No entity here.", "TP53 is mutated in colorectal cancer."]
    lines = [base[i % len(base)] for i in range(70)]
    src = tmp_path / "big.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(ner_cli, "PREDICT_CHUNK", 16)  # several chunks
    calls = []
    original = wb.ner.Tagger.__call__

    def spy(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(wb.ner.Tagger, "__call__", spy)
    assert ner_cli._cmd_predict(_args(tagger.folder, [src], with_text=True)) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kept = [(n, t) for n, t in enumerate(lines, 1) if t.strip()]
    assert [(r["line"], r["text"]) for r in out] == kept
    assert len(kept) == 46 and calls == [16, 16, 14], "tagged chunk by chunk, never the whole file at once"
    expected = original(tagger, [t for _, t in kept])
    assert [r["entities"] for r in out] == expected


def test_predict_errors_name_the_file(tmp_path):
    folder = wb.ner.sample_tagger().folder
    with pytest.raises(FileNotFoundError, match="nope.txt: no such file"):
        ner_cli._cmd_predict(_args(folder, [tmp_path / "nope.txt"]))
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("fine line\n".encode() * 3 + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt:4: not UTF-8"):
        ner_cli._cmd_predict(_args(folder, [bad]))
    with pytest.raises(IsADirectoryError, match=r"is a folder"):
        ner_cli._cmd_predict(_args(folder, [tmp_path]))
