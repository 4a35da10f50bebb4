"""The Registration & Certification layouts as Markdown tables, for the documentation.

Built from the field declarations, so the documentation cannot drift from the rules (a test
checks docs/regcert.md holds the current tables).
"""

from __future__ import annotations

from usikit.regcert.fields import EXPORT_FIELDS, IMPORT_FIELDS, LEARNER_FIELDS
from usikit.rules.engine import Field


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [cell.replace("|", "\\|") for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fields(fields: tuple[Field, ...], required: str) -> str:
    return _table(
        ["#", "Column", required, "What it holds", "Example", "Also read from"],
        [
            [
                str(position),
                f"**{f.name}**",
                "yes" if f.required else "no",
                f.description,
                f.example,
                ", ".join(f.aliases),
            ]
            for position, f in enumerate(fields, start=1)
        ],
    )


def learner_dictionary_markdown() -> str:
    """The learner file's columns: which must be filled, what they hold, other names."""
    return _fields(LEARNER_FIELDS, "Must be filled")


def import_dictionary_markdown() -> str:
    """The import file's ten columns, in their required order."""
    rows = [
        [str(position), f"**{f.name}**", f.description, f.example, ", ".join(f.aliases)]
        for position, f in enumerate(IMPORT_FIELDS, start=1)
    ]
    return _table(["#", "Column", "What it holds", "Example", "Former names accepted"], rows)


def export_columns_markdown() -> str:
    """The export's 32 columns in order, with what the derived ones hold."""
    rows = [
        [str(position), f.name, ", ".join(f.aliases), f.description]
        for position, f in enumerate(EXPORT_FIELDS, start=1)
    ]
    return _table(["#", "Column", "Former name", "Notes"], rows)
