"""The notebooks run top to bottom on a real run directory (code cells executed
in order, as a kernel would, without needing Jupyter installed)."""

import json
from pathlib import Path

import matplotlib
import pytest

from evomod.cli import main

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, monkeypatch, capsys):
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
