"""The create-USI batch: add clients, check them, fix or remove, export, submit, retrieve.

A batch moves open -> submitting -> submitted -> processed. One module per concern:

- `usikit.bulk_usi.batch_states`: the states;
- `membership`: the open batch, adding, removing and editing its clients;
- `view`: the batch validated now, its grid and its export;
- `submit`: checking the batch, recording every request, sending them;
- `refusal`: what a permanent fault from the registry makes of the batch;
- `retrieve`: the results, and each new USI written to its client;
- `results`: the list of batches, a batch's results and their export.

Every change to the workspace is one transaction. A USI the offline simulator (or any
endpoint that is not the USI Registry) issued is not a real USI: for a batch that goes to the
USI Registry itself, such clients count as without a USI (they can be added, and the
registry's USI replaces the simulator's one).
"""

from usikit.bulk_usi.batch_states import UNFINISHED, BatchState, RequestState
from usikit.bulk_usi.batches.membership import (
    AddResult,
    add_to_batch,
    edit_client,
    open_batch_id,
    remove_from_batch,
)
from usikit.bulk_usi.batches.results import (
    REGISTRY_COLUMN,
    RESULT_COLUMNS,
    batch_results,
    export_results,
    list_batches,
)
from usikit.bulk_usi.batches.retrieve import Retrieval, retrieve_batch
from usikit.bulk_usi.batches.submit import Submission, SubmitRequest, new_request_id, submit_batch
from usikit.bulk_usi.batches.view import BatchView, batch_grid, batch_view, export_batch
from usikit.errors import SubmissionRefused

__all__ = [
    "REGISTRY_COLUMN",
    "RESULT_COLUMNS",
    "UNFINISHED",
    "AddResult",
    "BatchState",
    "BatchView",
    "RequestState",
    "Retrieval",
    "Submission",
    "SubmissionRefused",
    "SubmitRequest",
    "add_to_batch",
    "batch_grid",
    "batch_results",
    "batch_view",
    "edit_client",
    "export_batch",
    "export_results",
    "list_batches",
    "new_request_id",
    "open_batch_id",
    "remove_from_batch",
    "retrieve_batch",
    "submit_batch",
]
