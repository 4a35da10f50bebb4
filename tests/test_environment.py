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


def _requirements() -> list[Requirement]:
    """The dependencies and every extra's, without an extra's use of another (usikit[app])."""
    project = _pyproject()
    listed = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    return [r for r in map(Requirement, listed) if _key(r.name) != "usikit"]


def test_the_dev_extra_holds_every_other_extra():
    """`make test` installs `.[dev]`: the app and JupyterLab extras come with it."""
    extras = _pyproject()["optional-dependencies"]
    assert "usikit[lab]" in extras["dev"] and "usikit[app]" in extras["lab"]
    assert set(extras) == {"app", "lab", "dev"}


def test_the_command_line_installs_without_the_screens():
    """`pip install usikit` gives the command line and the library; the screens are extras."""
    core = {_key(Requirement(r).name) for r in _pyproject()["dependencies"]}
    assert not core & {"jupyterlab", "voila", "ipywidgets", "ipydatagrid"}


def test_every_requirement_is_in_conda_with_the_same_bound():
    wanted = {_key(r.name): r for r in _requirements()}
    packages, _ = _conda()
    conda = {name: r for name, r in packages.items() if name not in ("python", "pip")}
    assert sorted(set(wanted) - set(conda) - set(PIP_ONLY)) == [], "add these to environment.yml"
    assert sorted(set(conda) - set(wanted)) == [], "environment.yml has packages pyproject lacks"
    assert not set(PIP_ONLY) & set(conda), "a PIP_ONLY package is listed for conda too"
    for name, requirement in conda.items():
        assert requirement.specifier == wanted[name].specifier, name
