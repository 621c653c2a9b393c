"""Ctrl-C during a run: say which command resumes it and what that command will do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vaekit.engine import Trainer
from vaekit.rundir import STAGES, RunDir

_STAGE_NAMES = {"weights": "the final weights", "evaluation": "the evaluation"}


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C; the message names the resume command and what it will do.

    A ``KeyboardInterrupt``, so that code catching that still does.
    """


@contextmanager
def resume_hint(run_dir: RunDir, trainer: Trainer, command: str) -> Iterator[None]:
    """Turn a ``KeyboardInterrupt`` in the block into :class:`Interrupted`, worded for
    ``command`` (the command line that resumes ``run_dir``)."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; `{command}` will {_left(run_dir, trainer)}") from None


def _left(run_dir: RunDir, trainer: Trainer) -> str:
    """What resuming will do, from what is on disk."""
    if not run_dir.has(RunDir.CHECKPOINT):
        return f"start {run_dir} again from its saved config"
    if not trainer.finished:
        return f"continue training {run_dir} from its last checkpoint"
    left = [_STAGE_NAMES.get(s, f"the {s}") for s in STAGES if not run_dir.done(s)]
    if not left:
        return f"find {run_dir} complete"
    things = ", ".join(left[:-1]) + (" and " if len(left) > 1 else "") + left[-1]
    return f"finish {things} of {run_dir}"
