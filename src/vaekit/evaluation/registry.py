"""Named evaluation metrics reachable from ``vaekit evaluate --metrics a,b``.

A metric factory has the signature ``(run, splits, split) -> dict[str, Any]``:
``run`` is a loaded :class:`vaekit.api.Run`, ``splits`` the run's
:class:`vaekit.data.DataSplits`, ``split`` the evaluated split's name. The dict's
keys are added to the evaluation JSON (usually one key, the metric's name).
Registering a metric makes it available on the command line.
"""

from __future__ import annotations

from typing import Any

from vaekit.registry import Registry

EVAL_METRICS: Registry[dict[str, Any]] = Registry("metric")
