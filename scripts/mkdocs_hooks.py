"""MkDocs hooks: the notebooks of ``notebooks/`` become the pages ``examples/NAME.ipynb``.

The notebooks stay where the tests run them (``tests/test_notebooks.py``);
these hooks add them to the site without a copy or a symlink. ``on_files`` runs
before mkdocs-jupyter's ``on_files``, which wraps ``.ipynb`` files as pages;
the wrapper recomputes the source path from a source directory that a file
added this way does not have, so ``on_nav`` (after every ``on_files``, before
any page is read) hands it the path back.
"""

from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@event_priority(100)
def on_files(files, config):
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        files.append(File.generated(config, f"examples/{path.name}", abs_src_path=str(path)))
    return files


def on_nav(nav, config, files):
    for file in files:
        inner = file.__dict__.get("file")  # mkdocs-jupyter's NotebookFile keeps the original here
        if isinstance(inner, File) and inner.abs_src_path and Path(inner.abs_src_path).parent == NOTEBOOKS:
            file.abs_src_path = inner.abs_src_path
    return nav
