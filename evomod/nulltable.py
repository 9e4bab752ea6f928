"""The table of Q_rand and Q_max shipped with evomod, and the command that builds it.

Q_m's null model is a function of a degree sequence alone (it is seeded by
the sequence, see ``modularity.normalised.null_seed``), so a table of the
sequences the built-in logic-gate presets meet is a pure memo: a run that
uses it logs exactly the values a run without it would compute, and saves
~0.1 s per degree sequence, which is most of the cost of logging Q_m every
generation. Entries of another ``NULL_VERSION`` are never looked up.

Rebuild it (after any change to the null model, with ``NULL_VERSION`` bumped)::

    python -m evomod.nulltable            # ~10 minutes on one core
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import tempfile
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "qm-null.json.gz"
PRESETS = ("ka2005-logic-mvg", "ka2005-logic-g1", "ka2005-logic-g2", "ka2005-logic-rmvg")


@functools.lru_cache(maxsize=1)
def load() -> dict:
    """The shipped entries, ``degree key -> (q_rand, q_max)`` (read once)."""
    from .modularity import DegreeCache

    return DegreeCache(TABLE).entries() if TABLE.exists() else {}


def build(out: Path = TABLE, presets=PRESETS, runs: int = 8, generations: int = 20_000,
          progress: bool = True) -> int:
    """Run each preset ``runs`` times with Q_m logged every generation and
    store every degree sequence met, with the entries already shipped, in
    ``out`` (gzip JSON, written atomically). Returns the number of entries."""
    from . import config, engine
    from .modularity import DegreeCache
    from .modularity.nullmodel import NULL_VERSION

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qm.json"
        for preset in presets:
            for seed in range(runs):
                cfg = config.load(preset, ["modularity.every=1", f'modularity.cache="{path}"'],
                                  generations=generations, seed=10_000 + seed)
                result = engine.run(cfg)
                if progress:
                    print(f"{preset} seed {cfg.seed}: {result.modularity['graphs_measured']} graphs, "
                          f"hit rate {result.modularity['cache_hit_rate']:.0%}", flush=True)
        entries = DegreeCache(path).entries()
    entries.update({k: v for k, v in load().items() if k[2] == NULL_VERSION})
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "table.json"
        DegreeCache(plain).put_many(entries)
        data = gzip.compress(plain.read_bytes(), mtime=0)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp_name, 0o644)  # mkstemp makes it private; it is package data
    os.replace(tmp_name, out)
    return len(entries)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evomod.nulltable", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=8, help="runs per preset")
    parser.add_argument("--generations", type=int, default=20_000, help="generations per run")
    parser.add_argument("--out", default=str(TABLE), help="where to write the table")
    args = parser.parse_args(argv)
    count = build(Path(args.out), runs=args.runs, generations=args.generations)
    print(f"{count} degree sequences in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
