"""Turn vaekit's errors into one clear line on stderr and an exit status."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from vaekit.engine import TrainingDiverged
from vaekit.registry import VaekitError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` to stderr and exit with ``code``."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def reported(fn: F) -> F:
    """Wrap a command: input errors exit 2, a diverged training exits 1, both in one line."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TrainingDiverged as e:
            fail(str(e), code=1)
        except (VaekitError, FileExistsError) as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted; resume with --resume RUN_DIR", code=130)

    return wrapper  # type: ignore[return-value]
