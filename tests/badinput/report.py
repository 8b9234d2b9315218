"""Run every case of the bad-input corpus and print the table of issue 18: cases by area -> outcome.

    python tests/badinput/report.py [--markdown] [--show KIND]

Outcomes: "clear error" (exit 2 / a project error naming the file, line, flag or folder), "correct"
(the command succeeded and the result is right), "traceback", "silent wrong", "data loss", "unclear"
(an error, but the message does not say where or what). Run it against another checkout with
``PYTHONPATH=/that/checkout`` to compare.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("WORKBENCH_FAST", "1")
for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[var] = "1"

import corpus  # noqa: E402

KINDS = ["clear error", "correct", "traceback", "silent wrong", "data loss", "unclear"]


def run(show: str | None = None) -> dict[str, collections.Counter]:
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = corpus.Env(corpus.write_corpus(root / "corpus"), corpus.write_models(root / "models"), root / "tmp")
        here = os.getcwd()
        for case in corpus.all_cases():
            scratch = root / "tmp" / case.id
            scratch.mkdir(parents=True)
            os.chdir(scratch)
            try:
                kind, detail = corpus.outcome(case, case.action(corpus.Env(env.corpus, env.models, scratch)), env)
            finally:
                os.chdir(here)
            table[case.area][kind] += 1
            if show and kind == show:
                print(f"--- {case.id} ({case.area}): {kind}\n{detail}\n", file=sys.stderr)
    return table


def render(table, markdown: bool) -> str:
    rows = [[area, *(str(table[area][k]) for k in KINDS), str(sum(table[area].values()))] for area in sorted(table)]
    total = collections.Counter()
    for c in table.values():
        total.update(c)
    rows.append(["total", *(str(total[k]) for k in KINDS), str(sum(total.values()))])
    head = ["area", *KINDS, "cases"]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    width = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, width)) for r in [head, *rows])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--show", choices=KINDS, help="print the details of the cases with this outcome")
    args = parser.parse_args()
    print(render(run(args.show), args.markdown))
