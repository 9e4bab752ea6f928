"""The documentation site builds with no warnings (``mkdocs build --strict``).

Strict mode turns every warning into a failure: a broken link or anchor, a
page missing from the nav, an API page naming an object that no longer
exists, a docstring mkdocstrings cannot parse.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter")
MISSING = [name for name in NEEDED if importlib.util.find_spec(name.split(".")[0]) is None]


@pytest.mark.slow
@pytest.mark.skipif(bool(MISSING), reason=f"docs tools not installed ({', '.join(MISSING)}): "
                                          "python -m pip install -e '.[docs]'")
def test_docs_build_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert proc.returncode == 0, "\n".join(warnings) or proc.stderr[-3000:]
    site = tmp_path / "site"
    for page in ("index.html", "getting-started/index.html", "api/modularity/index.html", "speed/index.html",
                 "examples/beyond-q/index.html", "replication/ka2005-logic/REPORT/index.html"):
        assert (site / page).is_file(), page
    # the API pages were generated from the docstrings, examples included
    assert "Leicht" in (site / "api/modularity/index.html").read_text(encoding="utf-8")
    assert (site / "replication/ka2005-logic/fig-solve.png").is_file()
