"""The notebooks run top to bottom: the run explorer on a real run directory
(code cells executed in order, as a kernel would), and each replication
notebook by a Jupyter kernel (nbclient) on its experiment's ``--quick`` output."""

import json
from pathlib import Path

import matplotlib
import pytest

from evomod.cli import main

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REPLICATION = sorted(NOTEBOOKS.glob("replicate-*.ipynb"))


def test_explore_run_notebook(tmp_path, monkeypatch, capsys):
    path = NOTEBOOKS / "explore-run.ipynb"
    matplotlib.use("Agg")
    run_dir = tmp_path / "run"
    assert main(["run", "--generations", "60", "--out", str(run_dir), "-q",
                 "--set", "population=100", "--set", "selection.elite=30"]) == 0
    monkeypatch.setenv("EVOMOD_RUN_DIR", str(run_dir))
    namespace = {}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "60 generations" in out and "rows correct" in out


def test_every_experiment_has_a_notebook():
    from evomod.replicate import EXPERIMENTS

    assert {p.stem.removeprefix("replicate-") for p in REPLICATION} == set(EXPERIMENTS)


@pytest.mark.slow
@pytest.mark.parametrize("path", REPLICATION, ids=lambda p: p.stem)
def test_replication_notebook_runs_in_a_kernel(path, quick_replication, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    study_dir = quick_replication(path.stem.removeprefix("replicate-"))
    monkeypatch.setenv("EVOMOD_STUDY_DIR", str(study_dir))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(study_dir)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]
    assert not errors
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "paper:" in text and "measured:" in text  # the claims cell printed every claim
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # figures were drawn


@pytest.mark.slow
def test_beyond_q_notebook_runs_in_a_kernel(quick_replication, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    study_dir = quick_replication("ka2005-logic")
    monkeypatch.setenv("EVOMOD_STUDY_DIR", str(study_dir))
    nb = nbformat.read(NOTEBOOKS / "beyond-q.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(study_dir)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "rho =" in text and "final_info_flow" in text and "exchange (row sends to column)" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3


EXPERIMENT_NOTEBOOKS = sorted(NOTEBOOKS.glob("experiment-*.ipynb"))


def test_every_seed_experiment_has_a_notebook():
    from evomod.experiments import load

    assert {p.stem.removeprefix("experiment-") for p in EXPERIMENT_NOTEBOOKS} == set(load())


@pytest.fixture(scope="module")
def quick_measures(tmp_path_factory):
    out = tmp_path_factory.mktemp("experiment") / "measures"
    assert main(["experiment", "measures", "--quick", "--out", str(out), "-q"]) == 0
    return out


@pytest.mark.slow
def test_measures_notebook_runs_in_a_kernel(quick_measures, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("EVOMOD_STUDY_DIR", str(quick_measures))
    path = NOTEBOOKS / "experiment-measures.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(quick_measures)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "rho =" in text and "modular on" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
    report = (quick_measures / "REPORT.md").read_text()
    assert "## Verdicts on the hypotheses" in report and "fig-rho-pooled.png" in report
    assert (quick_measures / "fig-rho-pooled.png").stat().st_size > 10_000
    values = (quick_measures / "values.csv").read_text().splitlines()
    assert values[0].startswith("study,condition,run_id") and len(values) == 1 + 12


@pytest.mark.slow
@pytest.mark.parametrize("name", ["broadness", "size", "initialisation", "noise", "placement"])
def test_seed_experiment_notebook_runs_in_a_kernel(name, tmp_path, monkeypatch):
    """Each seed experiment's notebook on a hand-made output directory (values.csv, REPORT.md):
    the hypotheses, the per-condition table and figures come out; the full or --quick outputs
    have the same files (written by evomod.experiments.common)."""
    import nbformat
    import numpy as np
    from nbclient import NotebookClient

    rng = np.random.default_rng(0)
    lines = ["study,condition,run_id,seed,solved,q,qm,gates"]
    for study in ("logic", "retina"):
        for condition in ("fixed", "MVG"):
            for k in range(4):
                lines.append(f"{study},{condition},{study}-{condition}-{k},{k},{k % 2},"
                             f"{rng.random():.3f},{rng.random():.3f},{10 + k}")
    (tmp_path / "values.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "REPORT.md").write_text("# report\n\n## Verdicts on the hypotheses\n\nH1: not supported\n")
    monkeypatch.setenv("EVOMOD_STUDY_DIR", str(tmp_path))
    nb = nbformat.read(NOTEBOOKS / f"experiment-{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "before" in text.lower() and "H1: not supported" in text  # the hypotheses and the verdicts
    assert "retina" in text and "MVG" in text  # the runs per study and condition
    table = "".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "qm" in table and "gates" in table  # the per-condition medians
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1
