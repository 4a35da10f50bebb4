"""The kinds of file `usikit validate KIND FILE` knows, each a function on a DataFrame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from usikit.report import ValidationReport


@dataclass(frozen=True)
class Validator:
    """A named validator and the options the command line passes through to it."""

    name: str
    summary: str
    function: Callable[..., ValidationReport]
    max_bytes: int | None = None  # a size limit the file itself must respect
    csv_only: bool = False
    default_sep: str | None = None  # None: detect the separator


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


def _register_builtin() -> None:
    from usikit.rules.clients import validate_clients
    from usikit.rules.regcert import validate_regcert

    register(Validator("clients", "USI client records", validate_clients))
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
