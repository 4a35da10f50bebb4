"""usikit: checked, repeatable workflows for student records.

Read any spreadsheet as text (`read_table`), validate it (`validate`, one function per
kind of file), and get a `ValidationReport` that exports safely to CSV or XLSX. The identifier
checks are `usikit.usi` (Australia's USI) and `usikit.uln` (England's ULN).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("usikit")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

from usikit import uln, usi
from usikit.bulk_usi.validation import validate_clients
from usikit.errors import InputError, UsikitError
from usikit.io import read_table, write_csv, write_xlsx
from usikit.regcert.import_rules import validate_regcert
from usikit.report import ValidationReport
from usikit.validators import VALIDATORS, validate

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
