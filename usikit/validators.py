"""The kinds of file `usikit validate KIND FILE` knows, each a function on a DataFrame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from usikit.errors import InputError
from usikit.io import read_table
from usikit.io.detect import SAMPLE_BYTES, file_kind
from usikit.io.limits import ReadLimits
from usikit.report import ValidationReport
from usikit.rules.streamed import FileReport


@dataclass(frozen=True)
class Validator:
    """A named validator and the options the command line passes through to it."""

    name: str
    summary: str
    function: Callable[..., ValidationReport]
    max_bytes: int | None = None  # a size limit the file itself must respect
    csv_only: bool = False
    default_sep: str | None = None  # None: detect the separator
    # Validates a file from disk (a large one a chunk at a time), writing its error report.
    file_function: Callable[..., FileReport] | None = None


VALIDATORS: dict[str, Validator] = {}


def register(validator: Validator) -> Validator:
    """Make a validator available to `usikit validate` and `validate()`."""
    VALIDATORS[validator.name] = validator
    return validator


def validate(kind: str, frame: pd.DataFrame, **options: object) -> ValidationReport:
    """Validate `frame` as the given kind of file."""
    try:
        validator = VALIDATORS[kind]
    except KeyError:
        known = ", ".join(sorted(VALIDATORS)) or "none"
        raise ValueError(f"unknown kind of file {kind!r}; known kinds: {known}") from None
    return validator.function(frame, **options)


def read_input(
    validator: Validator,
    path: Path,
    *,
    sep: str | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
    limits: ReadLimits | None = None,
) -> pd.DataFrame:
    """Read a file for `validator`: CSV only when it says so, with its default separator,
    within `limits` (the readers' defaults; `max_bytes` sets the size limit)."""
    if validator.csv_only:
        refuse_workbook(path, validator.summary)
    chosen = sep if sep is not None else validator.default_sep
    return read_table(path, sep=chosen, sheet=sheet, max_bytes=max_bytes, limits=limits)


def refuse_workbook(path: Path, what: str) -> None:
    """A workbook given where only CSV is taken: say how to save it as CSV."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError:
        return  # read_table says what is wrong with the file
    if file_kind(head[:8], head) in ("zip", "ole"):
        raise InputError(
            f"is a workbook, not a CSV file; a {what} must be CSV: in Excel choose "
            "File > Save As > CSV UTF-8 (Comma delimited) and give that file",
            path=path,
        )


def _register_builtin() -> None:
    from usikit.bulk_usi.file_validation import validate_clients_file
    from usikit.bulk_usi.validation import validate_clients
    from usikit.regcert.import_rules import validate_regcert

    register(
        Validator(
            "clients",
            "USI client records",
            validate_clients,
            file_function=validate_clients_file,
        )
    )
    register(
        Validator(
            "regcert",
            "Registration & Certification import file",
            validate_regcert,
            max_bytes=2 * 1024 * 1024,
            csv_only=True,
            default_sep=",",
        )
    )


_register_builtin()
