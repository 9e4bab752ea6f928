"""REPORT.md of ``evomod experiment initialisation``: the random genomes (each representation's
initial population, and the same conditioned on a non-constant output) measured as the evolved
solutions of ``evomod experiment size`` are, the verdicts on ``initialisation.HYPOTHESES`` and the
scenario rule, figures and per-genome values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from evomod.experiments import common, posthoc, size_report
from evomod.experiments.initialisation import HYPOTHESES, NETWORK_GENOMES
from evomod.experiments.size import STUDIES

VERSION = "initialisation-2"
KINDS = ("random", "random non-constant")
QUICK_FLOW_BUDGET = 128  # --quick: a small information-flow search (random networks take seconds each otherwise)


def groups() -> dict:
    """``{(study, size): validated config}``: one representation and size per entry (both schedules share it)."""
    from evomod import config as _config
    from evomod.study.spec import set_key

    out = {}
    for study, exp in STUDIES.items():
        for c in exp.conditions:
            key = (study, size_report.size_of(study, c.label))
            if key not in out:
                raw = _config.read_raw(exp.base)
                for k, v in c.overrides.items():
                    if k.startswith("representation."):
                        set_key(raw, k, v, c.label)
                out[key] = _config.validate(raw)
    return out


def draw(rep, n: int, seed: int, non_constant: bool, max_batches: int = 200) -> np.ndarray:
    """``n`` genomes from ``rep.random_population`` (batches of ``n``, one ``SeedSequence(seed)`` stream);
    with ``non_constant``, only those whose first output is 1 on some settled input row and 0 on another
    (fewer if ``max_batches`` batches do not give ``n``)."""
    from evomod import rng as _rng

    state = _rng.new_state(np.random.SeedSequence(seed))
    kept = []
    for _ in range(max_batches if non_constant else 1):
        pop = rep.random_population(n, state)
        rep.evaluate(pop)
        if not non_constant:
            return pop.genomes.copy()
        from evomod.problems.goals import row_mask

        valid = pop.valid & row_mask(rep.n_inputs)
        out0 = pop.tables[:, 0, :]
        varies = (out0 & valid).any(axis=1) & (~out0 & valid).any(axis=1)  # some settled row 1, another 0
        kept += list(pop.genomes[varies])
        if len(kept) >= n:
            break
    return np.array(kept[:n])


def genome_measures(rep, genome, inputs, mod, n_random: int, cache, flow_budget: int | None = None) -> dict:
    """Q, Q_m, Q_rand, information flow (best 2-module partition), input and node reach of one genome.
    ``flow_budget``: a smaller partition search (one restart, that many evaluations) for the quick check;
    None: the search the evolved solutions get (``RunView.beyond_q``)."""
    from evomod import modularity as _mod
    from evomod.measures import infoflow

    A, _ = rep.to_graph(genome, None, mod.directed)
    r = _mod.qm(A, mod.directed, n_random, 0, cache, mod.method, mod.null)
    program = rep.program(genome, inputs)
    small = {} if flow_budget is None else {"restarts": 1, "max_evaluations": flow_budget}
    flow = infoflow.search(program, 2, **small).score if program.connected().sum() >= 2 else math.nan
    reach = posthoc.reach(rep, genome, inputs)
    pop = rep.population(genome)
    rep.evaluate(pop)
    return {"gates": float(pop.size[0]), "q": _num(r.q), "qm": _num(r.qm), "q_rand": _num(r.q_rand),
            "info_flow": _num(flow),
            "input_reach": reach["input_reach"], "node_reach": reach["node_reach"]}


def _network_genomes(sizes, quick: bool) -> int:
    return min(sizes.genomes, NETWORK_GENOMES, 3 if quick else NETWORK_GENOMES)


def _num(x) -> float:
    return math.nan if x is None or not np.isfinite(x) else float(x)


def sample_rows(out: Path, sizes, progress: bool = False, quick: bool = False) -> list[dict]:
    """Every random genome's measures (``random.csv``, kept and reused when the sampling is the same)."""
    import csv
    import json

    from evomod.config import representation_of
    from evomod.modularity import DegreeCache

    path, stamp = out / "random.csv", out / "random.json"
    want = {"version": VERSION, "quick": quick, "genomes": sizes.genomes, "network_genomes": NETWORK_GENOMES,
            "n_random": sizes.n_random, "seed": sizes.seed}
    if path.is_file() and stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == want:
        with path.open(encoding="utf-8") as f:
            return [{k: (v if k in ("study", "kind") else float(v) if v != "" else math.nan) for k, v in row.items()}
                    for row in csv.DictReader(f)]
    cache = DegreeCache(out / "random-qm-cache.json")
    rows = []
    for g_index, ((study, size), cfg) in enumerate(groups().items()):
        rep = representation_of(cfg)
        n = sizes.genomes if study == "logic" else _network_genomes(sizes, quick)
        inputs = cfg.task.inputs if hasattr(cfg.task, "inputs") else None
        for k_index, kind in enumerate(KINDS):
            genomes = draw(rep, n, sizes.seed + 100 * g_index + k_index, kind != "random")
            for genome in genomes:
                rows.append({"study": study, "size": size, "kind": kind,
                             **genome_measures(rep, genome, inputs, cfg.modularity, sizes.n_random, cache,
                                               QUICK_FLOW_BUDGET if quick else None)})
            if progress:
                print(f"  random genomes: {study} size {size:g}, {kind}: {len(genomes)}", flush=True)
        cache.save()
    common.write_csv(path, rows)
    from evomod.study.results import write_text

    write_text(stamp, json.dumps(want) + "\n")
    return rows


def scenario(input_reach: float, flow_random: float, flow_evolved: float) -> str:
    """The pre-registered scenario rule on the medians of one representation and size.

    Examples
    --------
    >>> scenario(0.25, 0.9, 0.7), scenario(1.0, 0.3, 0.7), scenario(1.0, 0.9, 0.7)
    ('scarce channels', 'scarce modules', 'neither')
    """
    if not all(math.isfinite(x) for x in (input_reach, flow_random, flow_evolved)):
        return "undetermined"
    if input_reach <= 0.5 and flow_random >= flow_evolved:
        return "scarce channels"
    if input_reach > 0.5 and flow_random < flow_evolved:
        return "scarce modules"
    return "neither"


def _median(values) -> float:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def tests(random_rows: list[dict], evolved_rows: list[dict]) -> tuple[list, list]:
    """(verdicts on H1 and H2, scenario rows ``[study, size, kind, input reach, flow random, flow evolved,
    scenario]``)."""
    from evomod.replicate.stats import MIN_RUNS, median_ci

    verdicts, scenarios = [], []
    for study, size in groups():
        where = {"study": study, "size": size}
        nonconst = common.column(random_rows, "qm", kind="random non-constant", **where)
        nonconst = nonconst[np.isfinite(nonconst)]
        if len(nonconst) < MIN_RUNS:
            res = common.Result(math.nan, math.nan, len(nonconst), "too few runs", f"n = {len(nonconst)}")
        else:
            lo, hi = median_ci(nonconst)
            res = common.Result(float(np.median(nonconst)), math.nan, len(nonconst),
                                "supported" if lo <= 0 <= hi else "not supported",
                                f"median Q_m {np.median(nonconst):.3g}, 95% CI [{lo:.3g}, {hi:.3g}], "
                                f"n = {len(nonconst)}")
        verdicts.append(("H1", f"{study} size {size:g}: the CI of the median Q_m of random non-constant "
                               "genomes contains 0", res))
        evolved = [r for r in evolved_rows if r["study"] == study and r.get("solved") == 1.0
                   and size_report.size_of(study, r["condition"]) == size]
        mvg = common.column([r for r in evolved if r["condition"].startswith("MVG-")], "qm")
        verdicts.append(("H2", f"{study} size {size:g}: Q_m of evolved MVG solutions > random non-constant",
                         common.compare(mvg, nonconst)))
        flow_evolved = _median(common.column(evolved, "info_flow"))
        for kind in KINDS:
            mine = [r for r in random_rows if r["kind"] == kind and r["study"] == study and r["size"] == size]
            reach, flow = _median(common.column(mine, "input_reach")), _median(common.column(mine, "info_flow"))
            scenarios.append([study, f"{size:g}", kind, common.fmt(reach), common.fmt(flow), common.fmt(flow_evolved),
                              scenario(reach, flow, flow_evolved)])
    return verdicts, scenarios


def figures(out: Path, random_rows: list[dict], evolved_rows: list[dict]) -> list[tuple[str, str]]:
    made = []
    for study in STUDIES:
        keys = sorted({r["size"] for r in random_rows if r["study"] == study})
        fig, axes = common.figure(3, 1, width=4.5, height=3.5)
        for ax, m, title in zip(axes, ("qm", "info_flow", "input_reach"),
                                ("Q_m", "information flow", "input reach")):
            data, labels = [], []
            for size in keys:
                for kind in KINDS:
                    data.append(_finite(common.column(random_rows, m, study=study, size=size, kind=kind)))
                    labels.append(f"{size:g} {'rand' if kind == 'random' else 'non-c'}")
                ev = [r for r in evolved_rows if r["study"] == study and r.get("solved") == 1.0
                      and size_report.size_of(study, r["condition"]) == size]
                data.append(_finite(common.column(ev, m if m != "input_reach" else "qm")) if m != "input_reach"
                            else np.array([]))
                labels.append(f"{size:g} evolved")
            ax.boxplot([d if len(d) else [np.nan] for d in data], showfliers=False)
            ax.set_xticks(range(1, len(labels) + 1), labels, rotation=70, fontsize=6)
            ax.set_title(f"{study}: {title}", fontsize=9)
        made.append((common.save(fig, out / f"fig-{study}.png"),
                     f"{study}: random genomes (initial population and non-constant) against evolved solutions"))
    return made


def _finite(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v[np.isfinite(v)]


def write(out: Path, sizes, *, quick: bool, command: str, progress: bool = False) -> Path:
    from evomod.study.results import write_text

    out = Path(out)
    evolved = common.collect_values(out / "evolved", STUDIES, ("solved", "generations_to_solve", "final_q", "gates"),
                                    lambda run: size_report.measure(run, quick), progress)
    common.write_csv(out / "evolved-values.csv", evolved)
    random_rows = sample_rows(out, sizes, progress, quick)
    common.write_csv(out / "values.csv",  # one table for the notebook: random genomes and evolved runs
                     [{"study": r["study"], "condition": f"{r['kind']} {r['size']:g}",
                       **{k: v for k, v in r.items() if k not in ("study", "kind", "size")}} for r in random_rows]
                     + [{**r, "condition": f"evolved {r['condition']}"} for r in evolved])
    verdicts, scenarios = tests(random_rows, evolved)
    made = figures(out, random_rows, evolved)
    timing = common.timing(out / "evolved", STUDIES)
    lines = ["# Modularity at initialisation (seed experiment 7)", "",
             f"Command: `{command}`" + (" — **quick mode: too few runs for any verdict; it checks that "
                                        "everything runs.**" if quick else ""), "",
             "Evolved reference studies (those of `evomod experiment size`, in `evolved/`): "
             + " ".join(common.timing_lines(timing)), "",
             f"Random genomes: {sizes.genomes} per representation and size and kind (networks: "
             f"{_network_genomes(sizes, quick)}), Q_m with {sizes.n_random} random graphs per degree sequence "
             "and each representation's own Q settings (those of its runs), seed "
             f"{sizes.seed}.", "", "## Hypotheses (written before the data)", "", HYPOTHESES, "## Verdicts", "",
             *common.verdict_rows(verdicts), "", "## Scenario rule (medians)", "",
             *common.table(["study", "size", "genomes", "input reach", "information flow", "information flow, "
                            "evolved", "scenario"], scenarios), "", "## Per representation and size (median [IQR] (n))",
             ""]
    body = []
    for study, size in groups():
        for kind in KINDS:
            mine = [r for r in random_rows if r["study"] == study and r["size"] == size and r["kind"] == kind]
            body.append([study, f"{size:g}", kind, *(common.summary(common.column(mine, m))
                                                     for m in ("gates", "q", "qm", "q_rand", "info_flow",
                                                               "input_reach", "node_reach"))])
        ev = [r for r in evolved if r["study"] == study and r.get("solved") == 1.0
              and size_report.size_of(study, r["condition"]) == size]
        body.append([study, f"{size:g}", "evolved (solved, both schedules)",
                     *(common.summary(common.column(ev, m))
                       for m in ("gates", "final_q", "qm", "q_rand", "info_flow")),
                     "", ""])
    lines += common.table(["study", "size", "genomes", "gates / nodes", "Q", "Q_m", "Q_rand", "information flow",
                           "input reach",
                           "node reach"], body)
    lines += ["", "## Figures", ""] + [f"![{t}]({p})\n\n{t}.\n" for p, t in made]
    lines += ["## Per-genome values", "", "[random.csv](random.csv): one row per random genome; "
              "[evolved-values.csv](evolved-values.csv): one row per evolved run; [values.csv](values.csv): both "
              "in one table.", ""]
    write_text(out / "REPORT.md", "\n".join(lines))
    return out / "REPORT.md"
