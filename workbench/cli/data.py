"""``python -m workbench data list|download``: the command line of :mod:`workbench.corpora`."""
from __future__ import annotations

import sys

from .. import corpora
from . import print_json


def register_cli(subparsers) -> None:
    """``data list`` (what is downloadable and where it is found now) and ``data download NAME|all``."""
    p = subparsers.add_parser("data", help="the real corpora: list them, download them into the cache",
                              description="Real benchmark corpora, found in $WORKBENCH_SHARED_DATA (default "
                                          "../shared/data), then in the cache, else downloaded from public "
                                          f"files pinned to a commit (cache: {corpora.cache_dir()}).")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    q = sub.add_parser("list", help="name, task, files, MB and where each corpus is found now")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_list)
    q = sub.add_parser("download", help="download a corpus (or all) into the cache, checksums checked")
    q.add_argument("name", help=f"{', '.join(corpora.REGISTRY)} or all")
    q.add_argument("--force", action="store_true", help="download again even if the files are cached")
    q.add_argument("--mirror", default=None,
                   help=f"fetch {{mirror}}/{{corpus}}/{{file}} instead of GitHub (default: ${corpora.MIRROR_ENV})")
    q.add_argument("--quiet", action="store_true", help="no progress bars")
    q.set_defaults(func=_cmd_download)


def _rows() -> list[dict]:
    from ..data import locate_corpus

    rows = []
    for corpus in corpora.REGISTRY.values():
        where = locate_corpus(corpus.name)
        rows.append({"name": corpus.name, "task": corpus.task, "files": len(corpus.files),
                     "mb": round(corpus.size / 1e6, 1), "found_at": str(where) if where else None})
    return rows


def _cmd_list(args) -> int:
    rows = _rows()
    if args.json:
        print_json(rows)
        return 0
    print(f"{'corpus':<14} {'files':>5} {'MB':>5}  {'task':<58} found at")
    for r in rows:
        where = r["found_at"] or f"not here: python -m workbench data download {r['name']}"
        print(f"{r['name']:<14} {r['files']:>5} {r['mb']:>5.1f}  {r['task']:<58} {where}")
    for name, reason in corpora.NOT_DOWNLOADABLE.items():
        print(f"\n{name}: not downloadable, {reason}")
    return 0


def _cmd_download(args) -> int:
    names = list(corpora.REGISTRY) if args.name == "all" else [args.name]
    done = {}
    for name in names:
        try:
            folder = corpora.download_corpus(name, force=args.force, mirror=args.mirror, progress=not args.quiet)
        except corpora.DownloadError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        done[name] = str(folder)
    print_json(done)
    return 0
