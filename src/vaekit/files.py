"""Atomic file writes and the run-directory layout (a base module: any layer may use it).

Every write goes to a temporary file ``.<name>.<random>.tmp`` in the same folder and is
moved into place with ``os.replace``, so a reader (or a resumed run) never sees half a
file. A write that fails (a full disk) raises a :class:`WriteError` naming the file and leaves
its previous version as it was; a killed write leaves a stray temporary file, which
:func:`remove_stray_temps` clears when the folder is next opened for writing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import torch
from safetensors.torch import save as st_save

from vaekit.faults import fault_point

CONFIG = "config.yaml"
META = "meta.json"
METRICS = "metrics.csv"
WEIGHTS = "model.safetensors"
CHECKPOINT = "checkpoint.pt"
RESULTS = "results.json"
_TEMP = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")  # what tempfile.mkstemp makes below


def _file_mode() -> int:
    """What ``open`` would give a new file under this process's umask (mkstemp gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()


class WriteError(OSError):
    """A write that failed (``errno`` says why: ``ENOSPC``, a full disk); ``filename`` is the
    file that keeps its previous content."""


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` via ``write(file)`` into a temp file, fsync, then rename over ``path``.

    An ``OSError`` (``ENOSPC``: disk full) becomes a :class:`WriteError` naming ``path``;
    the temp file is removed and ``path`` keeps its previous content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.chmod(tmp, _MODE)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        fault_point(f"write:{path.name}")
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(e.errno, e.strerror or str(e), str(path)) from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stray_temps(folder: Path) -> list[Path]:
    """Delete the temp files that killed writes left in ``folder`` and below; returns them."""
    stray = [p for p in folder.rglob(".*.tmp") if _TEMP.fullmatch(p.name) and p.is_file()]
    for p in stray:
        p.unlink(missing_ok=True)
    return stray


def write_text(path: Path, text: str) -> None:
    """Atomically write a text file."""
    atomic_write(path, lambda f: f.write(text.encode()))


def write_json(path: Path, data: Any) -> None:
    """Atomically write indented JSON."""
    write_text(path, json.dumps(data, indent=2) + "\n")


def write_torch(path: Path, obj: Any) -> None:
    """Atomically ``torch.save`` an object (checkpoints).

    Serialised in memory first: torch's writer turns a failing file write into a
    ``RuntimeError``, a plain write keeps the ``OSError`` (and its errno).
    """
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write(path, lambda f: f.write(buf.getbuffer()))


def write_weights(path: Path, state: Mapping[str, torch.Tensor]) -> None:
    """Atomically write a state dict as safetensors (CPU, contiguous)."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    atomic_write(path, lambda f: f.write(st_save(tensors)))


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Atomically write dict rows as CSV; the header is the union of keys in first-seen order."""
    rows = list(rows)
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), restval="")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buf.getvalue())
