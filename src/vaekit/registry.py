"""A generic name → factory registry, one instance per family of parts.

The registered name is the config and CLI key. An unknown name raises
:class:`UnknownNameError` listing the valid choices. A part's config is its
constructor arguments: :meth:`Registry.build` validates them against the
signature so a typo in a config file is a clear error, not a silent default.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class VaekitError(Exception):
    """Base class for errors that the CLI reports as one clear line (exit status 2)."""


class UnknownNameError(VaekitError, KeyError):
    """A name that is not registered; the message lists the valid ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ConfigError(VaekitError, ValueError):
    """A config value or key that cannot be used."""


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered factory with its one-line description."""

    name: str
    factory: Callable[..., T]
    description: str


class Registry(Generic[T]):
    """Maps lowercase snake-case names to factories (classes or functions)."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._entries: dict[str, Entry[T]] = {}
        self._lazy: dict[str, str] = {}  # name → the module whose import registers it

    def register(
        self, name: str, description: str | None = None
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator registering ``factory`` under ``name``.

        The description defaults to the first line of the factory's docstring.
        """

        def deco(factory: Callable[..., T]) -> Callable[..., T]:
            if name in self._entries:
                raise ValueError(f"{self.family} {name!r} is registered twice")
            module = self._lazy.get(name, factory.__module__)
            if module != factory.__module__ or (
                name not in self._lazy and module in self._lazy.values()
            ):
                raise ValueError(
                    f"{self.family} {name!r}: registered in {factory.__module__}, but "
                    "register_lazily does not declare it there"
                )
            doc = description or (inspect.getdoc(factory) or "").split("\n")[0]
            self._entries[name] = Entry(name, factory, doc)
            return factory

        return deco

    def register_lazily(self, module: str, *names: str) -> None:
        """Declare that importing ``module`` registers ``names`` (exactly those), so that
        listing names never imports it; the first lookup of one of them does."""
        for name in names:
            if name in self._entries or name in self._lazy:
                raise ValueError(f"{self.family} {name!r} is registered twice")
            self._lazy[name] = module

    def get(self, name: str) -> Callable[..., T]:
        """The factory registered as ``name``; an unknown name lists the choices."""
        return self.entry(name).factory

    def entry(self, name: str) -> Entry[T]:
        """The full entry (factory and description) for ``name``."""
        if name in self._lazy and name not in self._entries:
            importlib.import_module(self._lazy[name])
            if name not in self._entries:
                raise ValueError(f"importing {self._lazy[name]} did not register {name!r}")
        try:
            return self._entries[name]
        except KeyError:
            choices = ", ".join(self.names()) or "(none)"
            raise UnknownNameError(
                f"unknown {self.family} {name!r}; valid choices: {choices}"
            ) from None

    def names(self) -> list[str]:
        """Registered names (lazy ones included, without importing them), sorted."""
        return sorted({*self._entries, *self._lazy})

    def describe(self) -> dict[str, str]:
        """Name → one-line description, sorted by name (imports lazily registered modules)."""
        return {n: self.entry(n).description for n in self.names()}

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def build(self, spec: str | Mapping[str, Any], **fixed: Any) -> T:
        """Instantiate from a spec: a name, or a mapping ``{"name": ..., **kwargs}``.

        ``fixed`` are arguments the caller supplies (shapes, sizes); keys of the
        spec that the factory does not accept raise :class:`ConfigError`.
        """
        name, kwargs = split_spec(spec, self.family)
        factory = self.get(name)
        check_kwargs(factory, kwargs, f"{self.family} {name!r}")
        clash = sorted(set(kwargs) & set(fixed))
        if clash:
            raise ConfigError(
                f"{self.family} {name!r}: {', '.join(clash)} is set by the part that holds it, "
                "not in this spec"
            )
        params = inspect.signature(factory).parameters
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        extra = {k: v for k, v in fixed.items() if accepts_any or k in params}
        return factory(**extra, **kwargs)


def split_spec(spec: str | Mapping[str, Any], family: str) -> tuple[str, dict[str, Any]]:
    """``"name"`` or ``{"name": n, **kw}`` → ``(n, kw)``."""
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        kwargs = dict(spec)
        return kwargs.pop("name"), kwargs
    raise ConfigError(f"{family} spec must be a name or a mapping with 'name', got {spec!r}")


def check_kwargs(factory: Callable[..., Any], kwargs: Mapping[str, Any], what: str) -> None:
    """Raise :class:`ConfigError` naming the valid keys if ``factory`` rejects any of ``kwargs``."""
    params = inspect.signature(factory).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    valid = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        raise ConfigError(
            f"{what} has no option {', '.join(map(repr, unknown))}; valid options: "
            f"{', '.join(valid) or '(none)'}"
        )
