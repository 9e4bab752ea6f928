"""Q_rand and Q_max per degree sequence, in memory and on disk."""

from __future__ import annotations

import gzip
import json
import math
import warnings
from pathlib import Path

from evomod.io.files import atomic_write_text
from evomod.registry import ConfigError


def _json_float(x):
    return x if math.isfinite(x) else None  # null, not the non-standard NaN token


def _from_json(x):
    if x is None:
        return float("nan")
    if type(x) not in (int, float) or not math.isfinite(x):
        raise ValueError(f"not a finite number: {str(x)[:40]}")
    return float(x)


def _no_constant(token):
    raise ValueError(f"non-standard JSON token {token}")


class DegreeCache:
    """Q_rand and Q_max per degree sequence, in memory and optionally on disk.

    Keys come from :func:`degree_key`: sorted degrees (undirected) or sorted
    ``(in, out)`` pairs (directed), the directed flag, ``n_random`` and
    ``NULL_VERSION``. Values are ``(q_rand, q_max)``, seeded by the key
    (``normalised.null_seed``): whichever run makes an entry, it is the same.

    Parameters
    ----------
    path : str or Path, optional
        JSON file. Loaded on creation; saved after every new entry,
        atomically (temporary file in the same folder, then
        ``os.replace``), merged with what the file holds by then, so
        processes sharing a file keep each other's entries (an entry lost
        in a write race is recomputed, identically, when next needed). A
        damaged cache (one that starts as this class writes them) is
        ignored with a warning and rewritten; an existing file that is not
        a cache at all (a user's notes.json) raises ``ConfigError`` and is
        never touched.
    base : mapping, optional
        Read-only entries looked up after this cache's own (e.g. the table
        shipped with evomod, :func:`evomod.modularity.table.load`); never saved.
    """

    FORMAT = "evomod-qm-cache"

    def __init__(self, path=None, base=None):
        self.path = None if path is None else Path(path)
        self._data = {}
        self._base = {} if base is None else base
        self.hits = 0
        self.misses = 0
        if self.path is not None and self.path.exists():
            self._refuse_foreign(self.path)
            self._data.update(self._read(self.path, warn=True))

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        return key in self._data

    @property
    def hit_rate(self) -> float:
        """Hits / look-ups (0.0 before the first look-up)."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def get(self, key):
        """``(q_rand, q_max)`` or None; counts a hit or a miss."""
        value = self._data.get(key)
        if value is None:
            value = self._base.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key, q_rand, q_max):
        """Store an entry (saving when a path is set)."""
        self.put_many({key: (q_rand, q_max)})

    def put_many(self, entries):
        """Store ``{key: (q_rand, q_max)}`` entries, saving once when a path is set."""
        self._data.update({k: (float(qr), float(qx)) for k, (qr, qx) in entries.items()})
        if self.path is not None:
            self.save()

    def entries(self) -> dict:
        """This cache's own entries (not the base's), as a new dict."""
        return dict(self._data)

    def save(self):
        """Write the cache to ``path`` atomically, merged with the file's entries."""
        if self.path is None:
            raise ValueError("this DegreeCache has no path")
        if self.path.exists():
            self._refuse_foreign(self.path)  # replaced by something else since it was loaded
        data = self._read(self.path, warn=False) if self.path.exists() else {}
        data.update(self._data)
        self._data.update(data)
        entries = [{"directed": k[0], "n_random": k[1], "version": k[2],
                    "degrees": [list(d) if isinstance(d, tuple) else d for d in k[3]],
                    "q_rand": _json_float(v[0]), "q_max": _json_float(v[1])}
                   for k, v in data.items()]
        # readers see the old file or the new one, never half; umask permissions
        atomic_write_text(self.path, json.dumps({"format": self.FORMAT, "entries": entries}, allow_nan=False))

    @classmethod
    def is_cache_file(cls, path) -> bool:
        """Whether ``path`` holds a cache (possibly damaged) rather than some
        other file: empty, gzip-compressed (the shipped table), or JSON text
        that starts as ``save`` writes it."""
        try:
            with open(path, "rb") as fh:
                head = fh.read(64)
        except OSError:
            return False
        text = head.lstrip()
        return (not text or head[:2] == b"\x1f\x8b"
                or text.replace(b" ", b"").startswith(b'{"format":"' + cls.FORMAT.encode()))

    @classmethod
    def _refuse_foreign(cls, path) -> None:
        if Path(path).is_dir() or not cls.is_cache_file(path):
            raise ConfigError(f"modularity.cache = '{path}': exists and is not an evomod Q_m cache; it is "
                              "left untouched: choose another file name", "modularity.cache")

    @classmethod
    def _read(cls, path, warn):
        try:
            blob = Path(path).read_bytes()
            raw = json.loads(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob,
                             parse_constant=_no_constant)
            if raw.get("format") != cls.FORMAT:
                raise ValueError("not an evomod Q_m cache")
            data = {}
            for e in raw["entries"]:
                degs = tuple(tuple(int(x) for x in d) if isinstance(d, list) else int(d)
                             for d in e["degrees"])
                key = (bool(e["directed"]), int(e["n_random"]), str(e["version"]), degs)
                data[key] = (_from_json(e["q_rand"]), _from_json(e["q_max"]))
            return data
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            if warn:
                warnings.warn(f"ignoring unreadable Q_m cache {path}: {exc}", RuntimeWarning,
                              stacklevel=3)
            return {}




def check_cache_path(path) -> None:
    """``ConfigError`` unless ``path`` can serve as ``modularity.cache``: an
    existing file must be a cache (``DegreeCache.is_cache_file``), and the
    folder must be writable. Checked before a run starts; touches nothing."""
    from evomod.io.files import check_writable

    path = Path(path)
    check_writable(path, "modularity.cache")
    if path.exists():
        DegreeCache._refuse_foreign(path)
