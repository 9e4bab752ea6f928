"""Name -> plug-in tables: one per family (task, representation, selection,
schedule, cost).

A plug-in is a function plus the pydantic model of its config parameters
and, optionally, a check of those parameters against the rest of the
config; configs name it, and ``Registry.get`` fails with the list of known
names. A family may also resolve whole name patterns (``deap:NAME``) through
a resolver hook.

Plug-ins of other installed packages are found through entry points, one
group per family (``evomod.selection``, ``evomod.representations``,
``evomod.costs``, ``evomod.schedules``, ``evomod.tasks``). An entry point
names a module, whose import registers its plug-ins, or a function, called
with no arguments to register them. They are loaded once, the first time a
registry is asked for a name it does not know or for its list of names; a
plug-in that fails to load is a one-line ``ConfigError`` naming the entry
point. See docs/extending.md.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from pydantic import BaseModel, ConfigDict

MESSAGE_LIMIT = 1000  # characters: an error quoting a 10,000-name list stays readable


class ConfigError(ValueError):
    """Invalid experiment configuration; the message is one line naming the key.

    Line breaks in the message become spaces, and a message longer than
    ``MESSAGE_LIMIT`` keeps its start and end around an ellipsis."""

    def __init__(self, message: str, key: str = ""):
        message = " ".join(str(message).splitlines())
        if len(message) > MESSAGE_LIMIT:
            message = f"{message[:MESSAGE_LIMIT - 100]} ... {message[-90:]}"
        super().__init__(message)
        self.key = key


def short(value, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (``...`` in the middle) for error messages.

    Parameters
    ----------
    value : Any
    limit : int

    Examples
    --------
    >>> short([1, 2]), len(short(list(range(100))))
    ('[1, 2]', 78)
    """
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 25]}...{text[-20:]}"


class ParamError(ValueError):
    """Raised by a params model's validator about one of its keys: ``key`` is
    the key inside the table (``"weights"``), and config validation reports
    the full one (``representation.weights``)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


class Section(BaseModel):
    """A config table: immutable, strictly typed, unknown keys rejected.

    Field descriptions double as the comments of ``evomod presets NAME``.
    NaN and infinities are refused in every float field: one NaN weight
    made the selection loops spin forever, and an infinite one wrote
    ``Infinity`` (not JSON) into summary.json.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


@dataclass(frozen=True)
class Entry:
    """One registered plug-in: its function, params model, check hook, and
    whatever else its family records about it (``extra``, e.g. a cost's
    record column)."""

    name: str
    fn: Callable[..., Any]
    params: type
    check: Callable[..., None] | None = None  # check(params, ...) raises ConfigError
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """The rest of a validated config, as a plug-in's ``check`` hook sees it.

    ``config`` is the whole ``evomod.config.Config``; ``task`` the built
    ``evomod.problems.tasks.Task`` (inputs, goal tables); ``rep`` the
    ``Representation`` (None while the representation itself is checked).
    """

    config: Any
    task: Any
    rep: Any = None


class Registry:
    """Plug-ins of one family, keyed by name.

    ``group`` is the entry-point group other packages list their plug-ins
    under (e.g. ``evomod.selection``)."""

    def __init__(self, family: str, section: str, group: str = ""):
        self.family = family
        self.section = section  # config table that selects the plug-in
        self.group = group
        self._entries: dict[str, Entry] = {}
        self._resolvers: list[tuple[str, Callable[[str], Entry], str]] = []
        self._discovered: set[tuple[str, str]] = set()  # entry points loaded (or being loaded)
        self._all_discovered = False

    def register(self, name: str, params: type, check: Callable[..., None] | None = None, **extra):
        """Decorator: ``@SELECTION.register("elite", EliteParams, check=...)``.

        ``check(params, ...)``, if given, raises ``ConfigError`` for parameters
        that are valid alone but not with the rest of the config (e.g. more
        elites than individuals); what it is passed besides ``params`` is the
        family's convention (selection: the population size; schedules and
        representations: a ``Context``). ``extra`` keywords are kept in
        ``Entry.extra`` for the family (e.g. a cost's ``column``)."""

        def decorate(fn):
            self.add(Entry(name, fn, params, check, dict(extra)))
            return fn

        return decorate

    def add(self, entry: Entry) -> None:
        """Register a ready-made ``Entry`` (what ``register`` does)."""
        if entry.name in self._entries:
            raise ValueError(f"{self.family} {entry.name!r} is already registered")
        self._entries[entry.name] = entry

    def check(self, params, *context) -> None:
        """Run the check hook of the plug-in ``params.name`` selects, if it has one."""
        entry = self.get(params.name)
        if entry.check is not None:
            entry.check(params, *context)

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
            self.discover(name)
            if name in self._entries:
                return self._entries[name]
        raise ConfigError(
            f"{self.section}.name = {name!r}: unknown {self.family}; known: {', '.join(self.known())}",
            key=f"{self.section}.name")

    def names(self) -> list[str]:
        """The registered names, installed plug-ins included (resolver patterns not included)."""
        self.discover()
        return sorted(self._entries)

    # --- plug-ins of other packages -------------------------------------------------------

    def discover(self, name: str | None = None) -> None:
        """Load the entry points of ``group`` not loaded yet: the one called
        ``name`` if there is one, else all of them. A plug-in that fails to
        load raises a one-line ``ConfigError`` naming its entry point."""
        if not self.group or self._all_discovered:
            return
        points = [ep for ep in metadata.entry_points(group=self.group) if (ep.name, ep.value) not in self._discovered]
        named = [ep for ep in points if ep.name == name]
        for ep in named or points:
            self._discovered.add((ep.name, ep.value))  # before loading: a broken one is reported once
            _load(ep, self.section)
        if not named:
            self._all_discovered = True

    def known(self) -> list[str]:
        """The registered names, then the resolver patterns: what error messages list."""
        return self.names() + [pattern for _, _, pattern in self._resolvers]

    def __contains__(self, name: str) -> bool:
        if name not in self._entries and isinstance(name, str):
            self.discover(name)
        return name in self._entries


def _load(ep: metadata.EntryPoint, section: str) -> None:
    try:
        obj = ep.load()
        if not isinstance(obj, types.ModuleType) and callable(obj):
            obj()  # a registration function
    except Exception as exc:
        reason = " ".join(f"{exc.__class__.__name__}: {exc}".split())
        raise ConfigError(f"plug-in {ep.name} = {ep.value!r} (entry point group {ep.group}) failed to load: "
                          f"{reason}", key=section) from None
