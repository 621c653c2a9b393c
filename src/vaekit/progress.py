"""Progress of the slow phases besides training: evaluation, IS-NLL, metrics, diagnose,
pictures, sampling.

A phase with a known amount of work shows a bar with an ETA; one without, a one-line
status with the elapsed time. Nothing is shown unless :func:`shown` is on — the CLI turns
it on (``--quiet`` leaves it off), so library calls and tests print nothing and pay only a
context-variable read per phase. Output goes to stderr, so ``--json`` stays clean. Phases
nest (a status around a bar) in one live display; rich is imported only when shown.

>>> with shown():
...     with phase("IS-NLL, k=500", total=len(data)) as advance:
...         for batch in batches:
...             advance(len(batch))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.progress import Progress

_SHOWN: ContextVar[bool] = ContextVar("vaekit_progress_shown", default=False)
_LIVE: ContextVar[Progress | None] = ContextVar("vaekit_progress_live", default=None)


@contextmanager
def shown(enabled: bool = True) -> Iterator[None]:
    """Show the phases run inside the block (``enabled=False``: keep them silent)."""
    token = _SHOWN.set(enabled)
    try:
        yield
    finally:
        _SHOWN.reset(token)


def _nothing(n: int = 1) -> None:
    """The ``advance`` of a phase nobody sees."""


@contextmanager
def phase(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A phase of ``total`` units of work (a bar with ETA), or of unknown length
    (``None``: a status line); yields ``advance(n=1)``."""
    if not _SHOWN.get():
        yield _nothing
        return
    live = _LIVE.get()
    if live is not None:  # nested: one more line in the display already live
        with _task(live, description, total) as advance:
            yield advance
        return
    live = _progress()
    token = _LIVE.set(live)
    live.start()
    try:
        with _task(live, description, total) as advance:
            yield advance
    except BaseException:
        live.live.transient = True  # erased: an error's one line stands alone
        raise
    finally:
        live.stop()
        _LIVE.reset(token)


@contextmanager
def _task(live: Progress, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A line of ``live`` for the block; marked complete (its time kept) when it ends."""
    task = live.add_task(description, total=total, sized=total is not None)

    def advance(n: int = 1) -> None:
        live.advance(task, n)

    yield advance
    live.update(task, total=total or 1, completed=total or 1)


def _progress() -> Progress:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class SizedOnly(ProgressColumn):
        """``column`` on a phase of known size; nothing on a status line."""

        def __init__(self, column: ProgressColumn) -> None:
            super().__init__()
            self.column = column

        def render(self, task: Task) -> RenderableType:
            return self.column(task) if task.fields["sized"] else ""

    return Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}"),
        SizedOnly(BarColumn()),
        SizedOnly(MofNCompleteColumn()),
        TimeElapsedColumn(),
        SizedOnly(TextColumn("eta")),
        SizedOnly(TimeRemainingColumn()),
        console=Console(stderr=True),
        transient=False,
    )


def note(message: str) -> None:
    """One line on stderr when phases are shown (what a command is about to do)."""
    if _SHOWN.get():
        from rich.console import Console

        Console(stderr=True, soft_wrap=True, highlight=False).print(message)
