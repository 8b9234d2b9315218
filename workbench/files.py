"""Files the workbench reads and writes for you: one atomic writer, one reader of user text files.

* :func:`atomic_write_text` is how every file the project writes for the user is written (annotation
  stores, CoNLL/SQuAD/JSONL exports, model metadata): a reader sees the old file or the new one,
  never half of one; a full disk leaves the previous good file in place. A path that is a symlink
  (a Colab Drive link) updates the file it points to; the file keeps its mode and its hard links.
* :func:`check_writable_folder` says *before* a long training run that ``--out`` cannot be written.
* :func:`read_user_text` reads a text file or stdin with errors that name the file (missing, a
  folder, not UTF-8). Text is read with newlines as they are (no CRLF translation), so character
  offsets index exactly what is in the file.
"""
from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path

from .errors import SaveError, UsageError

_HINTS = {errno.ENOSPC: "the disk is full: free some space", errno.EDQUOT: "the disk quota is used up",
          errno.EFBIG: "the file is larger than this system allows (a file-size limit)",
          errno.EROFS: "the file system is read-only: choose another folder",
          errno.EACCES: "no permission to write there: choose another folder",
          errno.EPERM: "no permission to write there: choose another folder"}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _save_error(path: Path, err: OSError, kept: str = "the previous file is unchanged") -> SaveError:
    reason = err.strerror or str(err)
    hint = _HINTS.get(err.errno, "")
    return SaveError(err.errno or 0, f"{path}: could not write it ({reason}); {kept}" + (f". Fix: {hint}" if hint else ""))


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically; returns the path written (a symlink's target).

    A temp file beside the real file (symlinks resolved) is written, fsynced, given the old file's
    mode (a new file gets the usual ``0666 & ~umask``) and renamed over it; the folder is fsynced
    so the rename is durable. A file with several hard links is rewritten in place (after the new
    content was written safely to a temp copy) so every link sees it. Errors are :class:`SaveError`
    naming the file, and the old file is left as it was.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise SaveError(errno.EISDIR, f"{path}: is a folder, not a file; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        old = target.stat() if target.exists() else None
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise _save_error(path, err) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, (old.st_mode & 0o7777) if old else (0o666 & ~_umask()))
        if old is not None and hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(tmp, old.st_uid, old.st_gid)
            except OSError:
                pass  # not allowed to keep the owner: the file is still written
        if old is not None and old.st_nlink > 1:
            _rewrite_in_place(path, target, data, Path(tmp))
            return target
        os.replace(tmp, target)
    except OSError as err:
        _unlink(tmp)
        raise _save_error(path, err) from None
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_folder(target.parent)
    return target


def _rewrite_in_place(path: Path, target: Path, data: bytes, copy: Path) -> None:
    """Overwrite a hard-linked file's content (a rename would cut it off from its other links)."""
    try:
        with open(target, "r+b") as fh:
            fh.truncate(0)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise _save_error(path, err, kept=f"the new content is safe in {copy}") from None
    _unlink(str(copy))


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write_bytes` of ``text`` encoded (newlines written as ``\\n``, never translated)."""
    return atomic_write_bytes(path, text.encode(encoding))


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _fsync_folder(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def remove_stale_temp_files(path: str | Path, age_s: float = 60.0) -> None:
    """Delete temp files an interrupted :func:`atomic_write_text` left beside ``path`` (older than ``age_s``)."""
    import time

    target = Path(os.path.realpath(path))
    for tmp in target.parent.glob(f".{target.name}.*.tmp") if target.parent.is_dir() else []:
        try:
            if time.time() - tmp.stat().st_mtime > age_s:
                tmp.unlink()
        except OSError:
            pass


def check_writable_folder(folder: str | Path, flag: str = "--out") -> Path:
    """Fail now, not after an hour of training, when ``folder`` cannot be created or written.

    Nothing is created: the nearest existing parent gets a test file that is removed at once.
    Raises :class:`UsageError` naming ``flag``.
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{flag} {folder}: is a file, not a folder")
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{flag} {folder}: {probe} is a file, so the folder cannot be created")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".wb-write-test-", dir=probe)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise UsageError(f"{flag} {folder}: cannot write in {probe} ({err.strerror}); "
                         f"choose a folder you can write to") from None
    return folder


def read_user_text(path: str | Path, what: str = "file") -> str:
    """The text of a UTF-8 file (``-`` reads stdin), exactly as stored: ``\\r\\n`` stays ``\\r\\n``.

    Character offsets computed on the result index the file's characters. A leading byte-order
    mark is kept too (it is part of the file); clear errors for a missing file, a folder or bytes
    that are not UTF-8 (the file and the byte offset are named).
    """
    if str(path) == "-":
        data, name = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read(), "<stdin>"
    else:
        p = Path(path).expanduser()
        name = str(p)
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such {what}")
        if p.is_dir():
            raise IsADirectoryError(f"{p}: is a folder; give a {what}")
        data = p.read_bytes()
    if isinstance(data, str):  # a text stream without a byte buffer (e.g. a test's StringIO)
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        from .errors import DataFormatError

        line = data[:err.start].count(b"\n") + 1
        raise DataFormatError(f"{name}:{line}: not UTF-8 text ({err.reason} at byte {err.start}); "
                              f"save the file as UTF-8") from None
