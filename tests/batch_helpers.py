"""Helpers for the batch tests: a workspace with the demo clients, a registry clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from usikit import read_table
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.workspace import open_workspace

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "data" / "samples" / "clients_demo.xlsx"
TODAY = dt.date(2026, 11, 22)
# Client IDs of the demo file by what is wrong with them (usikit.bulk_usi.samples.DEMO_MISTAKES).
BAD_POSTCODE, BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL = (
    "S0000008", "S0000013", "S0000018", "S0000022", "S0000026", "S0000031",
)  # fmt: skip
IN_ERROR = [BAD_POSTCODE, BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL]
NOT_VERIFIABLE, NAME_NOT_ON_CARD = "S0000003", "S0000010"  # refused by the simulated DVS
SAME_PERSON = ("S0000039", "S0000040")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def demo_workspace(url: str):
    """A workspace holding the demo clients (those with errors included)."""
    workspace = open_workspace(url)
    import_clients(workspace, read_table(DEMO), include_invalid=True, today=TODAY)
    return workspace


def sent_demo_batch(url: str):
    """The demo clients, their valid records sent to the offline simulator with its results
    ready at once: (workspace, simulator, batch id)."""
    workspace = demo_workspace(url)
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    sent = batches.submit_batch(
        workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY
    )
    return workspace, simulator, sent.batch_id
