"""One run directory: every file a run reads or writes, and the rules for them.

A run directory holds ``config.yaml`` (the resolved config), ``meta.json`` (shapes,
versions, format), ``checkpoint.pt`` (everything needed to continue exactly),
``metrics.csv``, ``model.safetensors`` (final weights), ``results.json`` and pictures.
Nested stages (a quantized run's prior over codes) are run directories of their own
(:meth:`RunDir.child`).

Rules: every write is atomic (:mod:`vaekit.files`); an existing run is replaced only
when asked, and a folder that is not a vaekit run never is; checkpoints load with
``torch.load(weights_only=True)`` (no code runs from a file) and carry a format version;
a run written by a newer vaekit is refused rather than misread.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file

from vaekit import files
from vaekit.config import yaml_problem
from vaekit.registry import VaekitError

RUN_FORMAT = 1  # meta.json's "run_format": the layout of a run directory
CHECKPOINT_FORMAT = 2  # checkpoint.pt's "format_version" (1: pickled, before weights_only)


class RunDirError(VaekitError):
    """A run directory that is missing, incomplete or corrupt, or would be overwritten."""


class RunDir:
    """The files of one run (or of a nested stage) under ``path``."""

    CONFIG = files.CONFIG
    META = files.META
    METRICS = files.METRICS
    WEIGHTS = files.WEIGHTS
    CHECKPOINT = files.CHECKPOINT
    RESULTS = files.RESULTS

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def child(self, name: str) -> RunDir:
        """A nested stage's run directory (e.g. ``prior``)."""
        return RunDir(self.path / name)

    def has(self, name: str) -> bool:
        """Whether the file ``name`` exists."""
        return (self.path / name).is_file()

    def require(self, name: str, what: str = "a complete vaekit run directory") -> Path:
        """The path of ``name``; a :class:`RunDirError` when the directory or file is missing."""
        if not self.path.is_dir():
            raise RunDirError(f"run directory not found: {self.path}")
        path = self.path / name
        if not path.is_file():
            raise RunDirError(f"{self.path} is missing {name}: not {what}")
        return path

    # -- the overwrite guard ----------------------------------------------------------------
    def create(self, overwrite: bool = False) -> None:
        """Make the (empty) folder; an existing run is replaced only with ``overwrite``.

        A non-empty folder without ``config.yaml`` is not a vaekit run and is never
        deleted.
        """
        p = self.path
        if p.exists() and (not p.is_dir() or any(p.iterdir())):
            if not overwrite:
                raise RunDirError(
                    f"{p} already exists; pass --overwrite to replace it, or "
                    f"--resume {p} to continue it"
                )
            if not (p / self.CONFIG).is_file():
                raise RunDirError(f"{p} is not a vaekit run directory; refusing to overwrite it")
            shutil.rmtree(p)
        p.mkdir(parents=True, exist_ok=True)

    # -- text files -------------------------------------------------------------------------
    def read_text(self, name: str) -> str:
        """A text file's content; unreadable or non-UTF-8 bytes are a :class:`RunDirError`."""
        path = self.require(name)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise RunDirError(f"{path} is corrupt: {e}") from None

    def read_config(self) -> dict[str, Any]:
        """``config.yaml`` as a nested dict."""
        text = self.read_text(self.CONFIG)
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise RunDirError(f"{self / self.CONFIG} is corrupt: {yaml_problem(e)}") from None
        if not isinstance(data, dict):
            raise RunDirError(f"{self / self.CONFIG} is corrupt: not a mapping")
        return data

    def write_config(self, text: str) -> None:
        """Write ``config.yaml``."""
        files.write_text(self / self.CONFIG, text)

    def read_json(self, name: str) -> Any:
        """A JSON file's content."""
        text = self.read_text(name)
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise RunDirError(f"{self / name} is corrupt: {e}") from None

    def read_meta(self) -> dict[str, Any]:
        """``meta.json``; a run written by a newer vaekit (higher ``run_format``) is refused."""
        meta = self.read_json(self.META)
        if not isinstance(meta, dict):
            raise RunDirError(f"{self / self.META} is corrupt: not an object")
        found = meta.get("run_format", 1)
        if not isinstance(found, int) or found > RUN_FORMAT:
            raise RunDirError(
                f"{self.path} was written by a newer vaekit (run format {found!r}; this "
                f"vaekit reads up to {RUN_FORMAT}): upgrade vaekit to use it"
            )
        return meta

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        """Write ``meta.json`` with this vaekit's run format."""
        files.write_json(self / self.META, {**meta, "run_format": RUN_FORMAT})

    def write_json(self, name: str, data: Any) -> None:
        """Atomically write a JSON file."""
        files.write_json(self / name, data)

    def write_metrics(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write ``metrics.csv``."""
        files.write_csv(self / self.METRICS, rows)

    # -- weights and checkpoints ------------------------------------------------------------
    def read_weights(self, name: str = WEIGHTS) -> dict[str, torch.Tensor]:
        """A safetensors state dict."""
        path = self.require(name)
        try:
            return load_file(str(path))
        except (SafetensorError, OSError) as e:
            raise RunDirError(f"{path} is corrupt: {str(e).splitlines()[0]}") from None

    def write_weights(self, state: Mapping[str, torch.Tensor], name: str = WEIGHTS) -> None:
        """Write a state dict as safetensors."""
        files.write_weights(self / name, state)

    def read_checkpoint(self) -> dict[str, Any]:
        """``checkpoint.pt`` loaded with ``weights_only=True`` on the CPU.

        Only tensors and plain types can come back, so a crafted file cannot run code; a
        file of another format version is refused, naming the version it has.
        """
        path = self.require(self.CHECKPOINT, "a resumable run: nothing to resume")
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # an UnpicklingError for forbidden objects, or garbage
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise RunDirError(
                f"{path} is corrupt or not a vaekit checkpoint (refused to load it: {first})"
            ) from None
        version = ckpt.get("format_version") if isinstance(ckpt, dict) else None
        if version != CHECKPOINT_FORMAT:
            raise RunDirError(
                f"{path} has checkpoint format version {version!r}; this vaekit reads "
                f"version {CHECKPOINT_FORMAT}"
            )
        return ckpt

    def write_checkpoint(self, ckpt: Mapping[str, Any]) -> None:
        """Atomically write ``checkpoint.pt`` with this vaekit's format version."""
        files.write_torch(self / self.CHECKPOINT, {**ckpt, "format_version": CHECKPOINT_FORMAT})
