"""The report's tables: configs side by side with their differences, and final metrics
with the best value per column."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vaekit.config import flatten
from vaekit.report.runs import RunSummary

MISSING = "—"


@dataclass(frozen=True)
class Column:
    """A metrics-table column: its label, how to read it from a run and which way is better
    (``max``, ``min`` or ``None`` when neither is, like KL)."""

    label: str
    get: Callable[[RunSummary], Any]
    better: str | None = None


def _result(key: str, *sub: str) -> Callable[[RunSummary], Any]:
    def get(run: RunSummary) -> Any:
        value: Any = run.results or {}
        for k in (key, *sub):
            value = value.get(k) if isinstance(value, Mapping) else None
        return value

    return get


def _diagnosed(key: str) -> Callable[[RunSummary], Any]:
    return lambda run: ((run.diagnostics or {}).get("disentanglement") or {}).get(key)


def _active_units(run: RunSummary) -> Any:
    """Active units of a posterior (a quantized run's results say 0: it has none)."""
    return None if _result("kl_per_dim")(run) is None else _result("active_units")(run)


def _first(*getters: Callable[[RunSummary], Any]) -> Callable[[RunSummary], Any]:
    """The first value that is present (the evaluation's before diagnose's)."""
    return lambda run: next((v for v in (g(run) for g in getters) if v is not None), None)


COLUMNS = (
    Column("ELBO (nats)", _result("elbo"), "max"),
    Column("NLL (nats)", _result("nll"), "min"),
    Column("bits/dim", _result("bits_per_dim"), "min"),
    Column("recon (nats)", _result("recon"), "min"),
    Column("KL (nats)", _result("kl")),
    Column("active units", _active_units, "max"),
    Column("codebook usage", _result("codebook_usage"), "max"),
    Column("perplexity", _result("perplexity"), "max"),
    Column("dead codes", _result("dead_codes"), "min"),
    Column("code prior NLL (nats)", lambda run: (run.prior_results or {}).get("test_nll"), "min"),
    Column("MIG", _first(_result("mig"), _diagnosed("mig")), "max"),
    Column("SAP", _result("sap"), "max"),
    Column(
        "DCI disentanglement",
        _first(_result("dci", "disentanglement"), _diagnosed("dci_disentanglement")),
        "max",
    ),
    Column(
        "DCI completeness",
        _first(_result("dci", "completeness"), _diagnosed("dci_completeness")),
        "max",
    ),
    Column("DCI informativeness", _result("dci", "informativeness"), "max"),
    Column("modularity", _result("modularity", "modularity"), "max"),
    Column("explicitness", _result("modularity", "explicitness"), "max"),
    Column("β-VAE score", _result("beta_vae"), "max"),
    Column("FactorVAE score", _result("factor_vae"), "max"),
    Column("Fréchet distance", _result("fid", "frechet_distance"), "min"),
)


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, and whether it is the best of its column (or differs
    from the other runs, in the config table)."""

    text: str
    marked: bool = False


def number(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` (missing, text, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def fmt(value: Any) -> str:
    """A value as the report writes it: "—" when missing, 4 significant digits for floats."""
    if value is None:
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4g}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def metrics_table(runs: Sequence[RunSummary]) -> tuple[list[Column], list[list[Cell]]]:
    """The columns some run has a value for, and one row of cells per run; the best value of
    each column with a better direction is marked where the runs' values differ."""
    values = [[number(col.get(run)) for col in COLUMNS] for run in runs]
    keep = [j for j in range(len(COLUMNS)) if any(row[j] is not None for row in values)]
    rows: list[list[Cell]] = [[] for _ in runs]
    for j in keep:
        col = COLUMNS[j]
        present = [row[j] for row in values if row[j] is not None]
        best = None
        if col.better and len(set(present)) > 1:  # no mark when every run ties
            best = max(present) if col.better == "max" else min(present)
        for i, row in enumerate(values):
            rows[i].append(Cell(fmt(row[j]), row[j] is not None and row[j] == best))
    return [COLUMNS[j] for j in keep], rows


_ABSENT = object()


def _setting(value: Any) -> str:
    """A config value as YAML would show it inline (``null``, ``[32, 32]``)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def config_table(runs: Sequence[RunSummary]) -> tuple[list[str], list[list[Cell]], int]:
    """Every config key and its value per run, the keys whose values differ first (their
    cells marked), and how many keys differ."""
    flat = [flatten(run.config) for run in runs]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    differs = {
        k: len({json.dumps(f.get(k, _ABSENT), sort_keys=True, default=repr) for f in flat}) > 1
        for k in keys
    }
    keys.sort(key=lambda k: not differs[k])  # stable: config order within each group
    rows = [[Cell(_setting(f[k]) if k in f else MISSING, differs[k]) for f in flat] for k in keys]
    return keys, rows, sum(differs.values())
