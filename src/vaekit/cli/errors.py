"""Turn vaekit's errors into one clear line on stderr and an exit status."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from vaekit.files import WriteError
from vaekit.registry import VaekitError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` to stderr and exit with ``code``."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def reported(fn: F) -> F:
    """Wrap a command: input errors and failed writes (a full disk) exit 2, a diverged
    training exits 1, Ctrl-C exits 130 saying how to resume; each in one line."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (VaekitError, FileExistsError) as e:
            fail(str(e), code=1 if _diverged(e) else 2)
        except OSError as e:
            fail(os_problem(e))
        except KeyboardInterrupt as e:
            fail(str(e) if _interrupted(e) else "interrupted", code=130)

    return wrapper  # type: ignore[return-value]


def _diverged(e: BaseException) -> bool:
    """A diverged training (exit 1); the engine is imported on this error path only."""
    from vaekit.engine import TrainingDiverged

    return isinstance(e, TrainingDiverged)


def _interrupted(e: BaseException) -> bool:
    """Ctrl-C in a run, its message saying how to resume."""
    from vaekit.api.interrupts import Interrupted

    return isinstance(e, Interrupted)


def os_problem(e: OSError) -> str:
    """One line for an operating-system error; a failed write of vaekit's names the file,
    whose previous version is intact."""
    reason = e.strerror or str(e)
    if isinstance(e, WriteError):
        return f"cannot write {e.filename}: {reason} (its previous version, if any, is intact)"
    return f"{e.filename}: {reason}" if e.filename else reason
