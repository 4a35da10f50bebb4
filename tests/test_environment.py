"""environment.yml (conda, for Windows) creates the same environment as `.[dev]` (make test)."""

from __future__ import annotations

import tomllib

import yaml
from packaging.requirements import Requirement

from tests.paths import ROOT

# In pyproject.toml but left to environment.yml's pip line (`-e .[dev]`), with the reason.
PIP_ONLY = {"playwright": "its browser-driving package is installed from PyPI"}


def _key(name: str) -> str:
    return name.lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _conda() -> tuple[dict[str, Requirement], list[str]]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    packages: dict[str, Requirement] = {}
    pip: list[str] = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip.extend(entry["pip"])
        else:
            requirement = Requirement(entry)
            packages[_key(requirement.name)] = requirement
    return packages, pip


def test_pip_installs_usikit_with_its_dev_extra():
    _, pip = _conda()
    assert pip == ["-e .[dev]"]


def test_python_bound_is_pyproject_s():
    packages, _ = _conda()
    assert str(packages["python"].specifier) == _pyproject()["requires-python"]


def test_every_requirement_is_in_conda_with_the_same_bound():
    project = _pyproject()
    listed = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    wanted = {_key(r.name): r for r in map(Requirement, listed)}
    packages, _ = _conda()
    conda = {name: r for name, r in packages.items() if name not in ("python", "pip")}
    assert sorted(set(wanted) - set(conda) - set(PIP_ONLY)) == [], "add these to environment.yml"
    assert sorted(set(conda) - set(wanted)) == [], "environment.yml has packages pyproject lacks"
    assert not set(PIP_ONLY) & set(conda), "a PIP_ONLY package is listed for conda too"
    for name, requirement in conda.items():
        assert requirement.specifier == wanted[name].specifier, name
