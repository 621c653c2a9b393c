"""A test hook: kill this process at a named moment, to test that nothing is ever lost.

``VAEKIT_FAULT=<point>:<n>`` makes the n-th arrival at ``point`` (default the first)
send this process ``SIGKILL``, as a power cut or ``kill -9`` would: no handler, no
``finally``, no flush. A trailing ``:stop`` sends ``SIGSTOP`` instead, freezing the
process there (holding its run's lock) until it gets ``SIGCONT``. The points:

* ``step`` — after each training step (n counts the steps this process takes);
* ``write:<file name>`` — inside :func:`vaekit.files.atomic_write`, with the temporary
  file written and synced but not yet moved into place (``write:checkpoint.pt:2``);
* ``stage:<name>`` — a run's stage boundaries: ``created`` (config and meta written,
  no epoch yet), ``trained`` (last checkpoint written, final weights not yet),
  ``weights``, ``evaluation`` (each one done, the next not yet begun).

The variable is read once, at import; unset, a point costs one comparison. Not for users:
the kill tests in ``tests/engine/test_kill_resume.py`` set it in a subprocess.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

ENV = "VAEKIT_FAULT"


def _parse(spec: str | None) -> tuple[str | None, int, bool]:
    """``(point, n, stop)`` from the variable's value."""
    if not spec:
        return None, 0, False
    stop = spec.endswith(":stop")
    spec = spec.removesuffix(":stop")
    point, _, count = spec.rpartition(":")
    if point and count.isdigit():
        return point, int(count), stop
    return spec, 1, stop


_POINT, _AT, _STOP = _parse(os.environ.get(ENV))
_seen = 0


def fault_point(name: str) -> None:
    """Kill (or stop) this process if ``VAEKIT_FAULT`` names ``name`` and this is its n-th
    arrival."""
    global _seen
    if name != _POINT:
        return
    _seen += 1
    if _seen == _AT:
        os.kill(os.getpid(), signal.SIGSTOP if _STOP else signal.SIGKILL)


def with_step_fault(
    on_step: Callable[[int], None] | None,
) -> Callable[[int], None] | None:
    """``on_step`` extended by the ``step`` point when it is armed; unchanged otherwise."""
    if _POINT != "step":
        return on_step

    def hook(step: int) -> None:
        fault_point("step")
        if on_step is not None:
            on_step(step)

    return hook
