"""A run directory on disk: ``records.parquet``, ``summary.json`` and ``best.json``.

The directory is written under a temporary name beside its destination and
renamed into place at the end, so a crash never leaves a half-written run
and an existing run is never overwritten.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from evomod import __version__
from evomod.config import to_dict
from evomod.engine.results import RunResult
from evomod.io.files import check_writable, clean_stale, temp_path
from evomod.io.genome_file import genome_dict
from evomod.io.thinning import kept
from evomod.measures.adaptation import summary as adaptation_summary
from evomod.registry import ConfigError


def check_out_dir(out: Path) -> None:
    """Refuse an ``--out`` that already holds something, or that cannot be
    written (under a file or /proc, on a read-only file system, through a
    dangling symlink): ``ConfigError``, exit code 2 in the CLI, before any
    work is done. An empty existing folder is accepted.

    Parameters
    ----------
    out : Path

    Raises
    ------
    ConfigError
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out}: already exists and is not empty; choose another directory",
                          "--out")
    check_writable(out, "--out", directory=True)


def interrupt_checkpoint(out: Path) -> Path:
    """Where ``evomod run`` without ``--checkpoint`` saves the state on Ctrl-C
    (``OUT.interrupted.npz``, beside ``--out``), and where the same command
    then finds it to resume.

    Parameters
    ----------
    out : Path

    Examples
    --------
    >>> interrupt_checkpoint(Path("runs/g1-s0"))
    PosixPath('runs/g1-s0.interrupted.npz')
    """
    out = Path(out)
    return out.with_name(f"{out.name}.interrupted.npz")


def default_out_dir(name: str, seed: int, root: Path = Path("runs")) -> Path:
    """``runs/NAME-sSEED``, or ``-2``, ``-3``... after it if taken.

    Parameters
    ----------
    name : str
        The preset or config file stem.
    seed : int
    root : Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     first = default_out_dir("g1", 3, Path(d))
    ...     first.mkdir()
    ...     first.name, default_out_dir("g1", 3, Path(d)).name
    ('g1-s3', 'g1-s3-2')
    """
    base = root / f"{name}-s{seed}"
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out


def records_table(result: RunResult) -> pa.Table:
    """The records as an Arrow table, one column per ``Records`` column in its
    order (``goal`` as the goal names, dictionary-encoded); with
    ``records.every = k``, only the rows ``evomod.io.thinning.kept`` keeps.

    Parameters
    ----------
    result : RunResult

    Returns
    -------
    pyarrow.Table
        What ``records.parquet`` holds.
    """
    cols = result.records.columns()
    every = result.config.records.every
    if every > 1:
        mask = kept(cols, every, result.config.generations)
        cols = {name: values[mask] for name, values in cols.items()}
    goal = pa.DictionaryArray.from_arrays(pa.array(cols["goal"], pa.int32()), pa.array(result.goal_names))
    return pa.table({name: (goal if name == "goal" else pa.array(values)) for name, values in cols.items()})


def versions() -> dict[str, str]:
    """Versions of evomod, Python and the libraries a run's numbers depend on (stored in summary.json).

    Examples
    --------
    >>> sorted(versions())
    ['evomod', 'numba', 'numpy', 'pyarrow', 'pydantic', 'python']
    """
    import numba
    import pydantic

    return {"evomod": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "pyarrow": pa.__version__, "pydantic": pydantic.__version__}


def summary_dict(result: RunResult, source: str = "") -> dict:
    """summary.json's content: status, generations, speed, first solutions, adaptation, the final best,
    its modularity, versions, the full config and one entry per goal switch.

    Parameters
    ----------
    result : RunResult
    source : str
        The preset or file the config came from.

    Returns
    -------
    dict
        JSON-ready (every number finite or None).
    """
    switches = result.switches
    return {
        "source": source,
        "seed": result.config.seed,
        "status": result.status,
        "generations_run": result.generations_run,
        "wall_seconds": round(result.wall_seconds, 4),
        "generations_per_second": round(result.generations_run / max(result.wall_seconds, 1e-9), 1),
        "first_solved": result.first_solved,
        "adaptation": adaptation_summary(switches),
        "final": {"goal": result.final_goal, "best_fitness": result.best_fitness,
                  "best_performance": result.best_performance, "n_effective": result.best_n_effective},
        "modularity": result.modularity,
        "versions": versions(),
        "config": to_dict(result.config),
        "switches": switches,  # last: one entry per goal switch, possibly thousands
    }


def summary_json(summary: dict) -> str:
    """Indented JSON with the per-switch entries one compact line each: a
    long MVG run has thousands of them (about 70 bytes a switch).

    Parameters
    ----------
    summary : dict
        From :func:`summary_dict`.

    Examples
    --------
    >>> print(summary_json({"seed": 1, "switches": [{"generation": 20}, {"generation": 40}]}))
    {
      "seed": 1,
      "switches": [
        {"generation":20},
        {"generation":40}
      ]
    }
    """
    rest = {k: v for k, v in summary.items() if k != "switches"}
    text = json.dumps(rest, indent=2)
    if "switches" not in summary:
        return text + "\n"
    lines = ",\n".join("    " + json.dumps(e, separators=(",", ":")) for e in summary["switches"])
    return text[:-2] + ',\n  "switches": [' + (f"\n{lines}\n  " if lines else "") + "]\n}\n"


def write_run(result: RunResult, out: Path, source: str = "", plot: bool = False) -> Path:
    """Write the run into ``out`` atomically (``fitness.png`` too if ``plot``); returns ``out``.

    The folder is built under a temporary name beside ``out`` and renamed
    into place when complete: a reader (or a killed writer) never leaves a
    half-written run folder under the name.

    Parameters
    ----------
    result : RunResult
    out : Path
        Must not exist, or be an empty folder (:func:`check_out_dir`).
    source : str
        The preset or file the config came from (in summary.json).
    plot : bool
        Also draw ``fitness.png``.

    Returns
    -------
    Path
        ``out``, holding records.parquet, summary.json and best.json.
    """
    out = Path(out)
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)  # folders of writers killed mid-way
    tmp = temp_path(out)
    os.mkdir(tmp, 0o777)  # the umask's permissions, as any folder
    try:
        pq.write_table(records_table(result), tmp / "records.parquet")
        (tmp / "summary.json").write_text(summary_json(summary_dict(result, source)))
        (tmp / "best.json").write_text(json.dumps(genome_dict(result), indent=2, allow_nan=False) + "\n")
        if plot:
            from evomod.analysis.plots import plot_fitness

            plot_fitness(result.records.columns(), result.goal_names, tmp / "fitness.png",
                         title=f"{source or 'run'}, seed {result.config.seed}")
        if out.exists():
            out.rmdir()  # empty (checked above): rename needs the name free
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
