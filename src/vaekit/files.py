"""Atomic file writes and the run-directory layout (a base module: any layer may use it).

Every write goes to a temporary file in the same folder and is moved into place
with ``os.replace``, so a reader (or a resumed run) never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import torch
from safetensors.torch import save as st_save

CONFIG = "config.yaml"
META = "meta.json"
METRICS = "metrics.csv"
WEIGHTS = "model.safetensors"
CHECKPOINT = "checkpoint.pt"
RESULTS = "results.json"


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` via ``write(file)`` into a temp file, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Atomically write a text file."""
    atomic_write(path, lambda f: f.write(text.encode()))


def write_json(path: Path, data: Any) -> None:
    """Atomically write indented JSON."""
    write_text(path, json.dumps(data, indent=2) + "\n")


def write_torch(path: Path, obj: Any) -> None:
    """Atomically ``torch.save`` an object (checkpoints)."""
    atomic_write(path, lambda f: torch.save(obj, f))


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
