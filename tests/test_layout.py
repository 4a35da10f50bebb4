"""The layout holds: arrows only point down, no import cycles, no module over 500 lines, and
the public API is what the README says.

Layers, from the bottom: the base (errors, settings, problems, their lines and kinds, report,
privacy, io, identifiers), the core (rules, store), the jobs (bulk_usi, regcert: neither imports the
other), the composition (the package itself, workspace, validators), the faces (cli, ui:
the screens never import the command line). An import inside `if TYPE_CHECKING:` is for the
type checker only and is not an arrow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import usikit

PACKAGE = Path(usikit.__file__).parent
LONGEST = 500
LAYERS = (
    ("base", ("errors", "settings", "problems", "problem_lines", "problem_kinds", "report",
              "privacy", "wording", "outcomes", "io", "identifiers", "usi", "uln", "parallel")),
    ("core", ("rules", "store")),
    ("job", ("bulk_usi", "regcert")),
    ("composition", ("", "workspace", "validators")),
    ("face", ("cli", "ui", "__main__")),
)  # fmt: skip
RANK = {part: rank for rank, (_, parts) in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def top(module: str) -> str:
    """The first name under `usikit` ("" for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _type_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports inside `if TYPE_CHECKING:` blocks."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for inner in ast.walk(node):
                lines.add(getattr(inner, "lineno", 0))
    return lines


def imports_of(module: str) -> set[str]:
    """The usikit modules `module` imports (a name imported from a package that is itself
    a module counts as that module)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    skip = _type_only(tree)
    found = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                if path.name != "__init__.py":
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name.startswith("usikit") and name != module:
                found.add(name)
    # `from usikit.x import y` also names the package usikit.x: only the deepest module counts.
    return {n for n in found if not any(o.startswith(n + ".") for o in found)}


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_has_a_layer():
    assert {top(m) for m in MODULES} <= set(RANK)


def test_arrows_only_point_down():
    upward = [
        f"{module} -> {imported}"
        for module, imported_set in GRAPH.items()
        for imported in imported_set
        if RANK[top(imported)] > RANK[top(module)]
    ]
    assert upward == []


def test_the_jobs_do_not_import_each_other_and_the_screens_not_the_command_line():
    crossing = [
        f"{module} -> {imported}"
        for module, imported_set in GRAPH.items()
        for imported in imported_set
        if {top(module), top(imported)} in ({"bulk_usi", "regcert"}, {"cli", "ui"})
        or (top(module) == "store" and top(imported) == "rules")
        or (top(module) == "rules" and top(imported) == "store")
    ]
    assert crossing == []


def test_there_are_no_import_cycles():
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for imported in sorted(GRAPH[module]):
            if state.get(imported) == 1:
                cycles.append(" -> ".join([*trail[trail.index(imported) :], imported]))
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_500_lines(module):
    assert len(MODULES[module].read_text().splitlines()) <= LONGEST


def test_the_checker_sees_an_upward_import(tmp_path):
    """The checks above can fail: a core module importing a job is an upward arrow."""
    assert RANK[top("usikit.bulk_usi.tables")] > RANK[top("usikit.store.tables")]
    assert "usikit.store.tables" in GRAPH["usikit.bulk_usi.tables"]


PUBLIC_API = [
    "InputError",
    "UsikitError",
    "VALIDATORS",
    "ValidationReport",
    "__version__",
    "read_table",
    "uln",
    "usi",
    "validate",
    "validate_clients",
    "validate_regcert",
    "write_csv",
    "write_xlsx",
]


def test_the_public_api_is_pinned():
    assert sorted(usikit.__all__) == sorted(PUBLIC_API)
    for name in usikit.__all__:
        assert getattr(usikit, name) is not None


COMMAND_WORDS = re.compile(
    r"\busikit (batch|clients|regcert|roles|template|demo|validate|registry|app|audit)\b"
    r"|(?<![\w-])--[a-z][a-z-]+|make lab"
)


def _docstrings(tree: ast.Module) -> set[int]:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def test_the_library_never_tells_people_to_type_a_command():
    """Outside the command line, a message says what to do in words every face can use (the
    screens their own): a command or an option is the command line's wording of a next step
    (`usikit.cli.wording`)."""
    found = []
    for module, path in MODULES.items():
        if top(module) in ("cli", "__main__"):
            continue
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        found += [
            f"{module}:{node.lineno}: {node.value[:60]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and COMMAND_WORDS.search(node.value)
        ]
    assert found == []
