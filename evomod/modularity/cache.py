"""Q_rand and Q_max per degree sequence, in memory and on disk."""

from __future__ import annotations

import gzip
import json
import math
import os
import tempfile
import warnings
from pathlib import Path

from evomod.io.files import file_mode


def _json_float(x):
    return None if math.isnan(x) else x  # null, not the non-standard NaN token


def _from_json(x):
    return float("nan") if x is None else float(x)


class DegreeCache:
    """Q_rand and Q_max per degree sequence, in memory and optionally on disk.

    Keys come from :func:`degree_key`: sorted degrees (undirected) or sorted
    ``(in, out)`` pairs (directed), the directed flag, ``n_random`` and
    ``NULL_VERSION``. Values are ``(q_rand, q_max)``, seeded by the key
    (``normalised.null_seed``): whichever run makes an entry, it is the same.

    Parameters
    ----------
    path : str or Path, optional
        JSON file. Loaded on creation (an unreadable file is ignored with a
        warning and rewritten on the next save); saved after every new
        entry, atomically (temporary file in the same folder, then
        ``os.replace``), merged with what the file holds by then, so
        processes sharing a file keep each other's entries (an entry lost
        in a write race is recomputed, identically, when next needed).
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
        data = self._read(self.path, warn=False) if self.path.exists() else {}
        data.update(self._data)
        self._data.update(data)
        entries = [{"directed": k[0], "n_random": k[1], "version": k[2],
                    "degrees": [list(d) if isinstance(d, tuple) else d for d in k[3]],
                    "q_rand": _json_float(v[0]), "q_max": _json_float(v[1])}
                   for k, v in data.items()]
        text = json.dumps({"format": self.FORMAT, "entries": entries})
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, file_mode())  # mkstemp's 0600 would hide a shared cache from colleagues
            os.replace(tmp, self.path)  # readers see the old file or the new one, never half
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def _read(cls, path, warn):
        try:
            blob = Path(path).read_bytes()
            raw = json.loads(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)
            if raw.get("format") != cls.FORMAT:
                raise ValueError("not an evomod Q_m cache")
            data = {}
            for e in raw["entries"]:
                degs = tuple(tuple(int(x) for x in d) if isinstance(d, list) else int(d)
                             for d in e["degrees"])
                key = (bool(e["directed"]), int(e["n_random"]), str(e["version"]), degs)
                data[key] = (_from_json(e["q_rand"]), _from_json(e["q_max"]))
            return data
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as exc:
            if warn:
                warnings.warn(f"ignoring unreadable Q_m cache {path}: {exc}", RuntimeWarning,
                              stacklevel=3)
            return {}


