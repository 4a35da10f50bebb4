"""A submission killed between sending and recording the receipt is finished, not repeated.

The process is really killed (SIGKILL) at that point; the next run reconciles by sending the
same request id again, which the registry answers with the same receipt.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import (
    BAD_DATE,
    BAD_EMAIL,
    BAD_MEDICARE,
    BAD_POSTCODE,
    NO_CARD,
    NO_FAMILY,
    demo_workspace,
)
from usikit.bulk_usi import batches
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_people, simulator_requests
from usikit.bulk_usi.tables import submissions

KILLER = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    from usikit.bulk_usi.registry.simulator import OfflineRegistry
    from usikit.workspace import open_workspace

    from usikit.bulk_usi import batches
    workspace = open_workspace(sys.argv[1])
    inner = OfflineRegistry(workspace, delay=dt.timedelta(0))

    class DiesAfterSending:
        name, label = inner.name, inner.label

        def bulk_upload(self, *args):
            if sys.argv[2] == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            inner.bulk_upload(*args)
            os.kill(os.getpid(), signal.SIGKILL)  # sent; the receipt is never recorded

    batches.submit_batch(workspace, DiesAfterSending(), org_code="DEMO1", user_reference="t",
                         today=dt.date(2026, 11, 22))
    """
)


def count(workspace, table) -> int:
    with workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("moment", ["after", "before"])
def test_killed_submission_is_reconciled_without_creating_twice(workspace_url, moment):
    workspace = demo_workspace(workspace_url)
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(
        workspace, [BAD_POSTCODE, BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL]
    )
    died = subprocess.run(
        [sys.executable, "-c", KILLER, workspace_url, moment],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    with workspace.begin() as connection:
        states = connection.execute(select(submissions.c.state, submissions.c.receipt_number)).all()
    assert [(state, receipt) for state, receipt in states] == [("pending", None)]
    issued_before = count(workspace, simulator_people)
    assert issued_before == (30 - 3 if moment == "after" else 0)  # 2 failures, 1 match found

    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    outcome = batches.retrieve_batch(workspace, simulator, 1, org_code="DEMO1")
    assert outcome.processed and outcome.new_results == 30
    assert count(workspace, simulator_requests) == 1
    assert count(workspace, simulator_people) == 27  # the same USIs, not a second set
    assert batches.list_batches(workspace, include_processed=True)["status"].tolist() == [
        "processed"
    ]
