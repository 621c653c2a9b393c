"""One writer per run directory: an OS file lock on ``<run dir>/.lock``.

The lock is ``fcntl.flock`` (exclusive, non-blocking) on a file inside the folder, so
the operating system drops it when its process ends in any way, ``kill -9`` included:
there is never a stale lock to delete by hand. The holder writes its PID and command
line into the file, so that a second writer can be told who holds it. Within one
process the lock is re-entrant (training draws pictures under the lock it already holds).

The lock file is never deleted: replacing a run (``--overwrite``) empties the folder
around it, so the lock taken before deleting anything stays the one that counts.
On systems without ``fcntl`` (Windows) there is no lock.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vaekit.registry import VaekitError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK = ".lock"
_held: dict[Path, int] = {}  # lock file → how many times this process holds it


class RunLockedError(VaekitError):
    """Another process is writing into the run directory."""


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s write lock for the ``with`` block; the folder must exist.

    A :class:`RunLockedError` names the process that holds it.
    """
    path = (folder / LOCK).resolve()
    if path in _held or fcntl is None:
        _held[path] = _held.get(path, 0) + 1
        try:
            yield
        finally:
            _release(path)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise RunLockedError(
            f"{folder} is being written by {holder}; wait for it to finish (or stop it)"
        ) from None
    os.ftruncate(fd, 0)
    command = " ".join(sys.argv).replace("\n", " ")[:300]
    os.write(fd, f"{os.getpid()} {command}\n".encode())
    _held[path] = 1
    try:
        yield
    finally:
        _release(path)
        if path not in _held:
            os.close(fd)  # closing the last descriptor releases the lock


def _release(path: Path) -> None:
    _held[path] -= 1
    if not _held[path]:
        del _held[path]


def _holder(fd: int) -> str:
    """``process <pid> (<command>)`` as the holder wrote it, or a vaguer phrase."""
    try:
        line = os.pread(fd, 4096, 0).decode(errors="replace").partition("\n")[0]
    except OSError:
        line = ""
    pid, _, command = line.strip().partition(" ")
    if not pid.isdigit():
        return "another process"
    return f"process {pid} ({command})" if command else f"process {pid}"


def is_locked_here(folder: Path) -> bool:
    """Whether this process holds ``folder``'s lock."""
    return (folder / LOCK).resolve() in _held
