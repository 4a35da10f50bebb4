"""usikit: checked, repeatable workflows for student records.

Read any spreadsheet as text (`read_table`), validate it (`validate`, one function per
kind of file), and get a `ValidationReport` that exports safely to CSV or XLSX. The identifier
checks are `usikit.usi` (Australia's USI) and `usikit.uln` (England's ULN).

The names below are imported when first used, not with the package: `usikit --version` and
each command that needs no spreadsheet start without loading pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The one place the version is written (pyproject.toml reads it from here): asking the
# installed package's metadata for it cost every command about 50 ms.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from usikit import uln, usi
    from usikit.bulk_usi.validation import validate_clients
    from usikit.errors import InputError, UsikitError
    from usikit.io import read_table, write_csv, write_xlsx
    from usikit.regcert.import_rules import validate_regcert
    from usikit.report import ValidationReport
    from usikit.validators import VALIDATORS, validate

# Each public name and the module it comes from (a module itself when the two are the same).
_SOURCES = {
    "InputError": "usikit.errors",
    "UsikitError": "usikit.errors",
    "VALIDATORS": "usikit.validators",
    "ValidationReport": "usikit.report",
    "read_table": "usikit.io",
    "uln": "usikit.uln",
    "usi": "usikit.usi",
    "validate": "usikit.validators",
    "validate_clients": "usikit.bulk_usi.validation",
    "validate_regcert": "usikit.regcert.import_rules",
    "write_csv": "usikit.io",
    "write_xlsx": "usikit.io",
}

__all__ = [
    "VALIDATORS",
    "InputError",
    "UsikitError",
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


def __getattr__(name: str) -> Any:
    """A public name, imported on first use and kept (PEP 562)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'usikit' has no attribute {name!r}")
    module = importlib.import_module(source)
    value = module if source == f"usikit.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
