"""What the batch screen shows beside its grid: the clients to choose from, and a record's
problems in words."""

from __future__ import annotations

import html

import pandas as pd

from usikit.report import ValidationReport

CLIENTS_LISTED = 200  # clients offered in the list at once; the search box finds the others
ERROR_COLOUR, WARNING_COLOUR = "#842029", "#664d03"


def client_options(everyone: pd.DataFrame, wanted: str) -> list[tuple[str, str]]:
    """(label, Client ID) of the clients whose ID or name holds `wanted` (all when empty)."""
    names = everyone["First Name"] + " " + everyone["Family Name"] + " " + everyone["Single Name"]
    wanted = wanted.strip().casefold()
    if wanted:
        hits = everyone["Client ID"].str.casefold().str.contains(wanted, regex=False)
        hits |= names.str.casefold().str.contains(wanted, regex=False)
        everyone, names = everyone[hits], names[hits]
    labels = [
        f"{cid} · {' '.join(name.split())}" + (f" · USI {held}" if held else "")
        for cid, name, held in zip(everyone["Client ID"], names, everyone["USI"], strict=True)
    ]
    return list(zip(labels, everyone["Client ID"], strict=True))[:CLIENTS_LISTED]


def problems_of(report: ValidationReport, client_id: str) -> pd.DataFrame:
    """The record's problems (severity, column, message), as validated now."""
    records = report.records
    row = records.index[records["Client ID"] == client_id]
    if not len(row):
        return report.errors.iloc[0:0]
    return report.errors[report.errors["row"] == row[0]]


def details_html(report: ValidationReport, grid: pd.DataFrame, client_ids: list[str]) -> str:
    """Each chosen record: who, its status, and every problem in words."""
    parts = []
    for client_id in client_ids:
        if client_id not in grid.index:
            continue
        problems = problems_of(report, client_id)
        name, status = grid.loc[client_id, "Name"], grid.loc[client_id, "Status"]
        items = "".join(
            f"<li style='color:{ERROR_COLOUR if p.severity == 'error' else WARNING_COLOUR}'>"
            f"<b>{html.escape(p.severity.capitalize())}:</b> {html.escape(p.message)}</li>"
            for p in problems.itertuples(index=False)
        )
        heading = f"<b>{html.escape(client_id)}</b> {html.escape(name)}: " + (
            "no problems" if problems.empty else f"status {html.escape(status)}"
        )
        parts.append(f"<div>{heading}<ul style='margin:2px 0 6px'>{items}</ul></div>")
    return "".join(parts)
