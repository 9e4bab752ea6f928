"""Name -> plug-in tables: one per family (representation, selection, schedule).

A plug-in is a function plus the pydantic model of its config parameters
and, optionally, a check of those parameters against the rest of the
config; configs name it, and ``Registry.get`` fails with the list of known
names. A family may also resolve whole name patterns (``deap:NAME``) through
a resolver hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict


class ConfigError(ValueError):
    """Invalid experiment configuration; the message is one line naming the key."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


class Section(BaseModel):
    """A config table: immutable, strictly typed, unknown keys rejected.

    Field descriptions double as the comments of ``evomod presets NAME``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


@dataclass(frozen=True)
class Entry:
    name: str
    fn: Callable[..., Any]
    params: type
    check: Callable[..., None] | None = None  # check(params, ...) raises ConfigError


class Registry:
    """Plug-ins of one family, keyed by name."""

    def __init__(self, family: str, section: str):
        self.family = family
        self.section = section  # config table that selects the plug-in
        self._entries: dict[str, Entry] = {}
        self._resolvers: list[tuple[str, Callable[[str], Entry], str]] = []

    def register(self, name: str, params: type, check: Callable[..., None] | None = None):
        """Decorator: ``@SELECTION.register("elite", EliteParams, check=...)``.

        ``check(params, ...)``, if given, raises ``ConfigError`` for parameters
        that are valid alone but not with the rest of the config (e.g. more
        elites than individuals)."""

        def decorate(fn):
            if name in self._entries:
                raise ValueError(f"{self.family} {name!r} is already registered")
            self._entries[name] = Entry(name, fn, params, check)
            return fn

        return decorate

    def add_resolver(self, prefix: str, resolver: Callable[[str], Entry], pattern: str):
        """Resolve unregistered names starting with ``prefix``: ``resolver(name)``
        returns the ``Entry`` or raises ``ConfigError``; ``pattern`` (e.g.
        ``"deap:NAME"``) is listed among the known names."""
        self._resolvers.append((prefix, resolver, pattern))

    def get(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            pass
        if isinstance(name, str):
            for prefix, resolver, _ in self._resolvers:
                if name.startswith(prefix):
                    return resolver(name)
        raise ConfigError(
            f"{self.section}.name = {name!r}: unknown {self.family}; known: {', '.join(self.known())}",
            key=f"{self.section}.name")

    def names(self) -> list[str]:
        """The registered names (resolver patterns not included)."""
        return sorted(self._entries)

    def known(self) -> list[str]:
        """The registered names, then the resolver patterns: what error messages list."""
        return self.names() + [pattern for _, _, pattern in self._resolvers]

    def __contains__(self, name: str) -> bool:
        return name in self._entries
