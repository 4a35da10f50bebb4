"""The Unique Learner Number (England): ``import usikit.uln`` or ``from usikit import uln``.

``check_digit(first9)`` completes a 9-digit stem (None when no valid ULN starts with it),
``is_valid(value)`` checks one value (never raises) and ``valid_mask(series)`` a whole column
without a Python loop; the temporary ULN ``9999999999`` passes only with
``allow_temporary=True``. The code lives in `usikit.identifiers.uln`.
"""

from usikit.identifiers.uln import (
    TEMPORARY_ULN,
    check_digit,
    generate,
    generate_many,
    is_valid,
    valid_mask,
)

__all__ = ["TEMPORARY_ULN", "check_digit", "generate", "generate_many", "is_valid", "valid_mask"]
