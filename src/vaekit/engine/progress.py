"""A rich progress bar showing the running loss and named terms; silent when disabled."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class EpochProgress:
    """One bar over all training steps; ``update`` sets the step count and the shown values."""

    def __init__(self, total_steps: int, start_step: int, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[values]}"),
            console=Console(stderr=True),
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task(
            "train", total=total_steps, completed=start_step, epoch="-", values=""
        )

    def __enter__(self) -> EpochProgress:
        self._progress.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def update(self, step: int, epoch: int, values: dict[str, float]) -> None:
        """Move to ``step`` and show ``values`` (e.g. loss, recon, kl)."""
        if not self.enabled:  # rich's disabled bar still costs ~80 µs a call
            return
        text = "  ".join(f"{k} {v:.2f}" for k, v in values.items())
        self._progress.update(self._task, completed=step, epoch=epoch, values=text)

    def log(self, message: str) -> None:
        """Print a line above the bar (e.g. the epoch summary)."""
        if self.enabled:
            self._progress.console.print(message)
