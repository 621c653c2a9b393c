"""One run directory: every file a run reads or writes, and the rules for them.

A run directory holds ``config.yaml`` (the resolved config), ``meta.json`` (shapes,
versions, format), ``checkpoint.pt`` (everything needed to continue exactly),
``metrics.csv``, ``model.safetensors`` (final weights), ``results.json``, pictures,
``stages.json`` (the stages done) and ``.lock``. Nested stages (a quantized run's prior
over codes) are run directories of their own (:meth:`RunDir.child`).

A run's life: config and meta written; epochs, each ending in a checkpoint; then the
stages of :data:`STAGES` in order — final weights, evaluation, pictures. Each stage is
recorded in ``stages.json`` (atomically) once its files are in place, so the stages done
are always a prefix of :data:`STAGES`, and a resumed run does exactly what is left.
Extending a run clears them. A run with every stage done is complete.

Rules: one process writes at a time (:meth:`RunDir.lock`, an OS lock released on any
exit; taking it clears temp files of killed writes); every write is atomic
(:mod:`vaekit.files`); an existing run is replaced only when asked, under the lock, and
a folder that is not a vaekit run never is; checkpoints load with
``torch.load(weights_only=True)`` (no code runs from a file) and carry a format version;
a run written by a newer vaekit is refused rather than misread.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file

from vaekit import files, runlock
from vaekit.config import yaml_problem
from vaekit.registry import VaekitError

RUN_FORMAT = 1  # meta.json's "run_format": the layout of a run directory
CHECKPOINT_FORMAT = 2  # checkpoint.pt's "format_version" (1: pickled, before weights_only)
STAGES = ("weights", "evaluation", "pictures")  # after the epochs, in order


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
    STAGES_FILE = "stages.json"

    def __init__(self, path: str | Path, parent: RunDir | None = None) -> None:
        self.path = Path(path)
        self.parent = parent

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def child(self, name: str) -> RunDir:
        """A nested stage's run directory (e.g. ``prior``), locked with this one."""
        return RunDir(self.path / name, parent=self)

    @property
    def root(self) -> RunDir:
        """The top run directory (itself, unless a nested stage)."""
        return self if self.parent is None else self.parent.root

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

    # -- the lock and the overwrite guard ----------------------------------------------------
    @contextmanager
    def lock(self, make: bool = False) -> Iterator[None]:
        """Hold the run's write lock (the top run directory's) for the ``with`` block.

        ``make`` creates the folder first. Taking the lock removes the temp files of
        killed writes. A second writer gets a :class:`~vaekit.runlock.RunLockedError`
        naming the holder.
        """
        top = self.root.path
        if make:
            if top.exists() and not top.is_dir():
                raise RunDirError(f"{top} exists and is not a folder; refusing to replace it")
            top.mkdir(parents=True, exist_ok=True)
        elif not top.is_dir():
            raise RunDirError(f"run directory not found: {top}")
        with runlock.locked(top):
            files.remove_stray_temps(top)
            yield

    def create(self, overwrite: bool = False) -> None:
        """Make the (empty) folder under the lock; an existing run is replaced only with
        ``overwrite``.

        A non-empty folder without ``config.yaml`` is not a vaekit run and is never
        deleted; a replaced run's files are deleted around the lock file, config last (so
        that a kill midway leaves a folder that ``overwrite`` still recognises).
        """
        p = self.path
        if not runlock.is_locked_here(self.root.path):
            raise RuntimeError(f"RunDir.create({p}) needs the run's lock")
        found = [c for c in p.iterdir() if c.name != runlock.LOCK] if p.is_dir() else []
        if found:
            if not overwrite:
                again = "--resume" if self.parent else f"--resume {p}"
                raise RunDirError(
                    f"{p} already exists; pass --overwrite to replace it, or {again} to continue it"
                )
            if not (p / self.CONFIG).is_file():
                raise RunDirError(f"{p} is not a vaekit run directory; refusing to overwrite it")
            for child in sorted(found, key=lambda c: c.name == self.CONFIG):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        p.mkdir(parents=True, exist_ok=True)

    # -- stages ----------------------------------------------------------------------------
    def stages_done(self) -> list[str]:
        """The stages of :data:`STAGES` done (none when ``stages.json`` is absent)."""
        if not self.has(self.STAGES_FILE):
            return []
        data = self.read_json(self.STAGES_FILE)
        done = data.get("done") if isinstance(data, dict) else None
        if not isinstance(done, list) or done != list(STAGES[: len(done)]):
            raise RunDirError(f"{self / self.STAGES_FILE} is corrupt: {data!r}")
        return done

    def done(self, stage: str) -> bool:
        """Whether ``stage`` (one of :data:`STAGES`) is done."""
        return stage in self.stages_done()

    def complete(self) -> bool:
        """Whether every stage is done: nothing is left to resume."""
        return len(self.stages_done()) == len(STAGES)

    def mark_done(self, stage: str) -> None:
        """Record ``stage`` as done; the stages before it must be."""
        i = STAGES.index(stage)
        done = self.stages_done()
        if stage in done:
            return
        if len(done) != i:
            raise RuntimeError(f"stage {stage!r} of {self.path} before {STAGES[len(done)]!r}")
        files.write_json(self / self.STAGES_FILE, {"done": list(STAGES[: i + 1])})

    def check_resumable(self, done: int, finished: bool, epochs: int | None) -> None:
        """Refuse ``epochs`` fewer than the ``done`` epochs, and resuming a complete run
        that is not extended (``finished``: no epoch left)."""
        if epochs is not None and epochs < done:
            raise RunDirError(f"{self} already has {done} epochs; --epochs must be at least {done}")
        if finished and self.complete() and (epochs is None or epochs == done):
            raise RunDirError(
                f"{self} is complete: it already has {done} epoch{'s' * (done != 1)}, final "
                "weights, results and pictures; nothing to do. Pass --epochs N with "
                f"N > {done} to extend it"
            )

    def clear_stages(self) -> None:
        """Record no stage as done (the run is extended: its weights, results and pictures
        are out of date)."""
        files.write_json(self / self.STAGES_FILE, {"done": []})

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

    def read_metrics(self) -> list[dict[str, str]]:
        """``metrics.csv``: one row per epoch, as text (none without the file)."""
        if not self.has(self.METRICS):
            return []
        return list(csv.DictReader(io.StringIO(self.read_text(self.METRICS))))

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

    def load_weights(self, module: torch.nn.Module, what: str) -> None:
        """Load the saved weights into ``module``; weights that do not fit it (another
        architecture than ``what`` describes) are a one-line error."""
        try:
            module.load_state_dict(self.read_weights())
        except RuntimeError as e:
            raise RunDirError(
                f"{self / self.WEIGHTS} does not fit the {what}: {str(e).splitlines()[0]}"
            ) from None

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
