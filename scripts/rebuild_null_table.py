"""Rebuild evomod's shipped Q_rand / Q_max table (``evomod/data/qm-null.json.gz``).

Run it after any change to the null model, with ``NULL_VERSION`` bumped::

    python scripts/rebuild_null_table.py            # ~30 minutes on one core

Each preset in ``PRESETS`` runs ``--runs`` times with Q_m logged every
generation; every degree sequence met is stored, with the entries already
shipped for the current null model. ``--presets`` and ``--first-seed`` add
runs of some presets to the shipped table.
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
from pathlib import Path

from evomod.modularity.table import PRESETS, TABLE, load


def build(out: Path = TABLE, presets=PRESETS, runs: int = 8, generations: int | None = None,
          progress: bool = True, first_seed: int = 10_000) -> int:
    """Run each preset ``runs`` times (seeds ``first_seed``, ...) with Q_m
    logged every generation, ``generations`` each (default: the preset's cap,
    at most 20,000), and store every degree sequence met, with the entries
    already shipped, in ``out`` (gzip JSON, written atomically). Returns the
    number of entries."""
    from evomod import config, engine
    from evomod.modularity import DegreeCache
    from evomod.modularity.nullmodel import NULL_VERSION

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qm.json"
        for preset in presets:
            for seed in range(runs):
                cfg = config.load(preset, ["modularity.every=1", f'modularity.cache="{path}"'],
                                  seed=first_seed + seed)
                cfg = cfg.model_copy(update={"generations": generations or min(cfg.generations, 20_000)})
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
    parser = argparse.ArgumentParser(prog="python scripts/rebuild_null_table.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=8, help="runs per preset")
    parser.add_argument("--generations", type=int, default=None,
                        help="generations per run (default: the preset's cap, at most 20,000)")
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), help="presets to run (default: all)")
    parser.add_argument("--first-seed", type=int, default=10_000, help="seed of the first run of each preset")
    parser.add_argument("--out", default=str(TABLE), help="where to write the table")
    args = parser.parse_args(argv)
    count = build(Path(args.out), presets=args.presets, runs=args.runs, generations=args.generations,
                  first_seed=args.first_seed)
    print(f"{count} degree sequences in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
