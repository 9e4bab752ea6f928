"""Name -> plug-in tables: one per family (representation, selection, schedule).

A plug-in is a function plus the pydantic model of its config parameters;
configs name it, and ``Registry.get`` fails with the list of known names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

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


class Registry:
    """Plug-ins of one family, keyed by name."""

    def __init__(self, family: str, section: str):
        self.family = family
        self.section = section  # config table that selects the plug-in
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, params: type):
        """Decorator: ``@SELECTION.register("elite", EliteParams)``."""

        def decorate(fn):
            if name in self._entries:
                raise ValueError(f"{self.family} {name!r} is already registered")
            self._entries[name] = Entry(name, fn, params)
            return fn

        return decorate

    def get(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise ConfigError(
                f"{self.section}.name = {name!r}: unknown {self.family}; known: {', '.join(self.names())}",
                key=f"{self.section}.name") from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries
