"""What a report shows of one run directory, read from its files (no model is loaded)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaekit.registry import VaekitError
from vaekit.rundir import RunDir, RunDirError

DIAGNOSTICS = "diagnostics.json"  # written by ``vaekit diagnose``
CURVES = "curves.png"  # redrawn overlaid across runs, not shown per run
PRIOR = "prior"  # a quantized run's code prior (``vaekit train-prior``)
PICTURES = {  # file name -> caption, in the order a report shows them
    "reconstructions.png": "reconstructions (each example, then the model's)",
    "samples.png": "samples",
    "kl_per_dim.png": "KL per dimension",
    "traversals.png": "latent traversals",
    "traversals_discrete.png": "categorical traversals",
    "latent_map.png": "latent map",
    "mig_matrix.png": "MIG matrix",
    "dci_importance.png": "DCI importance",
    "diagnose_kl.png": "KL per dimension (diagnose)",
}


class NotARunError(VaekitError):
    """A folder given to the report that is not a vaekit run directory."""


@dataclass
class RunSummary:
    """One run as the report shows it: config, final results, curves, verdicts, pictures."""

    path: Path
    name: str
    model: str
    data: str
    config: dict[str, Any]
    complete: bool
    epochs: int
    history: list[dict[str, float]]
    results: dict[str, Any] | None
    diagnostics: dict[str, Any] | None
    prior_results: dict[str, Any] | None
    pictures: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``complete``, or ``incomplete`` for a run killed before its final stages."""
        return "complete" if self.complete else "incomplete"

    @property
    def posterior_verdict(self) -> str | None:
        """The posterior-collapse verdict of ``vaekit diagnose``, if it has run."""
        verdict = (self.diagnostics or {}).get("verdict")
        if not isinstance(verdict, dict) or "overall" not in verdict:
            return None
        counts = ", ".join(
            f"{len(verdict.get(key) or [])} {key.replace('_', ' ')}"
            for key in ("healthy", "partially_collapsed", "collapsed")
        )
        return f"{verdict['overall']}: {counts} of {len(verdict.get('per_dim') or [])}"

    @property
    def codebook_verdict(self) -> str | None:
        """The codebook-collapse verdict of the evaluation, for a quantized run."""
        verdict = (self.results or {}).get("codebook_verdict")
        if not isinstance(verdict, dict) or "overall" not in verdict:
            return None
        return f"{verdict['overall']}: {verdict.get('reason', '')}".rstrip(": ")


def load_run(path: str | Path) -> RunSummary:
    """Read the run directory ``path``; a :class:`NotARunError` when it is not one, a
    :class:`~vaekit.rundir.RunDirError` when a file of it is corrupt."""
    run = RunDir(path)
    if not run.path.is_dir():
        what = "not a folder" if run.path.exists() else "no such folder"
        raise NotARunError(f"{run.path}: {what}")
    if not run.has(RunDir.CONFIG) or not run.has(RunDir.META):
        raise NotARunError(f"{run.path} is not a vaekit run directory (no config.yaml/meta.json)")
    config = run.read_config()
    meta = run.read_meta()
    history = _history(run)
    pictures = [(caption, run / name) for name, caption in PICTURES.items() if run.has(name)]
    pictures += [
        (f"codebook usage ({p.stem.removeprefix('codebook_usage_')})", p)
        for p in sorted(run.path.glob("codebook_usage_*.png"))
    ]
    if run.has("kl_per_dim.png"):  # the same bars as diagnose's: show one
        pictures = [(c, p) for c, p in pictures if p.name != "diagnose_kl.png"]
    known = {p for _, p in pictures} | {run / CURVES, run / "diagnose_kl.png"}
    pictures += [
        (p.stem.replace("_", " "), p) for p in sorted(run.path.glob("*.png")) if p not in known
    ]
    prior = run.child(PRIOR)
    return RunSummary(
        path=run.path.resolve(),
        name=run.path.name or str(run.path),
        model=str((config.get("model") or {}).get("name", "?")),
        data=str(meta.get("data", (config.get("data") or {}).get("name", "?"))),
        config=config,
        complete=run.complete(),
        epochs=len(history),
        history=history,
        results=_json(run, RunDir.RESULTS) if run.done("evaluation") else None,
        diagnostics=_json(run, DIAGNOSTICS),
        prior_results=_json(prior, RunDir.RESULTS),
        pictures=pictures,
    )


def _json(run: RunDir, name: str) -> dict[str, Any] | None:
    if not run.has(name):
        return None
    data = run.read_json(name)
    if not isinstance(data, dict):
        raise RunDirError(f"{run / name} is corrupt: not an object")
    return data


def _history(run: RunDir) -> list[dict[str, float]]:
    """``metrics.csv`` as one dict per epoch (empty cells and non-numbers left out)."""
    return [
        {k: v for k, v in ((k, _number(v)) for k, v in row.items()) if v is not None}
        for row in run.read_metrics()
    ]


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def load_runs(paths: Sequence[str | Path]) -> list[RunSummary]:
    """:func:`load_run` of each path; runs whose folder names clash are named by full path."""
    runs = [load_run(p) for p in paths]
    names = Counter(run.name for run in runs)
    for run in runs:
        if names[run.name] > 1:
            run.name = str(run.path)
    return runs
