"""The workbench's exception types: one base class, messages that say where and what to do.

Every error the package raises on purpose is a :class:`WorkbenchError`; each message names the
file and line (``train.tsv:12: ...``), the argument or the command-line flag (``--top-k: ...``)
and, where there is one, the fix. ``python -m workbench`` prints it as ``error: ...`` and exits
with code 2 (``--debug`` shows the traceback too). The types also subclass the built-in error a
caller would expect (``ValueError``, ``OSError``...), so ``except ValueError`` keeps working.

=========================  ==================================================================
``DataFormatError``        an input file is malformed (names ``file:line``)
``AnnotationError``        a bad annotation request or annotation file
``StoreConflictError``     the annotation file was changed by another store; nothing was lost
``SaveError``              a file could not be written (disk full, read-only); nothing changed
``UsageError``             a bad argument or flag value
``ModelTaskError``         the model folder was trained for another task (or not at all)
``ModelUnavailableError``  the model cannot be found or loaded (name, folder, weights)
``DeviceError``            the requested device (or fp16) is not available here
=========================  ==================================================================

The real-corpus errors ``corpora.DownloadError`` (a transfer or checksum failed) and
``corpora.CorpusUnavailable`` (not here, and offline) are ``WorkbenchError`` subclasses too.
"""
from __future__ import annotations


class WorkbenchError(Exception):
    """Base of the errors the workbench raises on purpose (bad input, missing model, failed save)."""


class DataFormatError(WorkbenchError, ValueError):
    """Malformed input; the message names the file and line."""


class AnnotationError(WorkbenchError, ValueError):
    """Bad annotation input; the message names the file:line or the argument."""


class StoreConflictError(AnnotationError):
    """The annotation file changed on disk under another store and both changed the same document.

    The change was not saved; the store reloaded the file, so what is in memory is what is on disk.
    """


class SaveError(WorkbenchError, OSError):
    """A file could not be written (full disk, read-only folder...); the old file is intact.

    ``errno`` is the system's code (``errno.ENOSPC`` for a full disk); the message names the file.
    """

    def __str__(self) -> str:
        return self.strerror or super().__str__()


class UsageError(WorkbenchError, ValueError):
    """A bad argument or command-line flag value; the message names it."""


class ModelTaskError(WorkbenchError, ValueError):
    """The model was saved for another task (an NER folder given to ``qa predict``) or has an untrained head."""


class ModelUnavailableError(WorkbenchError, RuntimeError):
    """Neither the requested model nor the offline stand-in can be loaded."""


class DeviceError(WorkbenchError, ValueError):
    """The requested device (or fp16) is not available on this machine."""
