"""usikit's notebooks are saved as they were shipped: no outputs, no widget state, no kernel
details of the computer they ran on.

Running a screen's cell fills the notebook with its output (the widgets' state holds the
records shown) and JupyterLab saves it every few minutes: a notebook under version control
would change by being used, and could carry personal data. `make lab` starts JupyterLab with
`strip_screen_notebooks` as its contents manager's pre-save hook; it leaves any other
notebook alone.
"""

from __future__ import annotations

import re
from typing import Any

# A screen notebook's code cells only show usikit screens.
SCREEN_CELL = re.compile(r"\s*from usikit\.ui import \w+(\s*,\s*\w+)*\s*\n(\s*\w+\(\)\s*\n?)+\s*")
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
HOOK = "usikit.ui.notebook_saving.strip_screen_notebooks"  # as JupyterLab's option names it


def is_screen_notebook(content: dict[str, Any]) -> bool:
    """Whether every code cell of a notebook (as nbformat's dict) only shows usikit screens
    (an empty cell, as Shift+Enter adds below the last one, does not count)."""
    code = [cell for cell in content.get("cells", []) if _is_code(cell) and _source(cell).strip()]
    return bool(code) and all(SCREEN_CELL.fullmatch(_source(cell)) for cell in code)


def strip(content: dict[str, Any]) -> None:
    """Remove what running left in a notebook: outputs, counts, widget state, kernel details,
    and the empty cells running added."""
    cells = content.get("cells", [])
    content["cells"] = [c for c in cells if not (_is_code(c) and not _source(c).strip())]
    for cell in content["cells"]:
        cell["metadata"] = {}
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    content["metadata"] = {"kernelspec": dict(KERNELSPEC)}


def strip_screen_notebooks(model: dict[str, Any], **_: Any) -> None:
    """JupyterLab's pre-save hook: a screen notebook is saved without what running left."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    if is_screen_notebook(model["content"]):
        strip(model["content"])


def _is_code(cell: dict[str, Any]) -> bool:
    return cell.get("cell_type") == "code"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
