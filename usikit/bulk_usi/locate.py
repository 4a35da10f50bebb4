"""Finding the USI of a student who has one but does not remember it (LocateUSI).

The registry is asked with the student's names, date of birth, gender, town of birth and
contact details; it gives the USI only when exactly one student matches them all. Nothing is
written unless the officer confirms (`write_located_usi`): a USI found is written to the
client only if the client has none (or, for the USI Registry, only one that is not real), and
no other client holds it. Asking needs the student's permission, as creating does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from usikit.bulk_usi.batches.membership import batches_holding
from usikit.bulk_usi.batches.view import permission_given_elsewhere
from usikit.bulk_usi.clients import (
    clients_frame,
    is_simulated,
    pending_creates,
    update_clients,
    usi_source_label,
)
from usikit.bulk_usi.permission_rules import PERMISSION_CHECKS, PERMISSION_ELSEWHERE
from usikit.bulk_usi.registry.applications import locate_from_record
from usikit.bulk_usi.registry.base import (
    EXACT,
    MULTIPLE_EXACT,
    MULTIPLE_NO_CONTACT_MATCH,
    NO_IDENTICAL_STRONG_PARTIAL,
    NO_LOCATE_MATCH,
    SINGLE_NO_CONTACT_MATCH,
    Registry,
    is_the_registry,
)
from usikit.bulk_usi.tables import clients
from usikit.bulk_usi.validation import validate_clients
from usikit.errors import Do, InputError, RecordsInError, step
from usikit.identifiers import usi
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import Role

# The template columns a LocateUSI request is made of: a problem elsewhere (an expired
# Medicare card, say) does not stop a search.
LOCATE_COLUMNS = (
    "Client ID", "First Name", "Middle Name", "Family Name", "Single Name", "Date of Birth",
    "Gender", "Town/City of Birth", "Country of Residence", "Email", "Home Phone",
    "Mobile Phone", "Address Line 1", "Address Line 2", "Suburb/Town/City", "State",
    "Postcode", "USI Permission", "Privacy Notice Date",
)  # fmt: skip
RESULT_WORDS = {
    EXACT: "found: one student matches the names, date of birth and contact details",
    MULTIPLE_EXACT: "not found: more than one student matches these details",
    SINGLE_NO_CONTACT_MATCH: "not found: a student matches these details, but not the "
    "contact details given",
    MULTIPLE_NO_CONTACT_MATCH: "not found: more than one student matches these details, none "
    "with the contact details given",
    NO_IDENTICAL_STRONG_PARTIAL: "not found: no student matches every detail, though one "
    "matches some (check the names and the date of birth)",
    NO_LOCATE_MATCH: "not found: no student matches these details (the student may have no "
    "USI yet)",
}
SHOWN_PROBLEMS = 5
NOT_BLOCKING = " (does not block"  # how a labelled record's error is kept (usikit.report)


@dataclass
class LocateOutcome:
    """The registry's answer for one client."""

    client_id: str
    registry: str  # the registry's label
    registry_name: str  # its stored name: a USI written is credited to it
    result: str  # Exact, MultipleExact, SingleNoContactMatch, ..., NoMatch
    usi: str = ""  # only with Exact
    words: str = ""  # the result in words
    contact_message: str = ""  # the registry's own words on how the student can be reached
    current_usi: str = ""  # the USI the client holds now ("" for none)
    held_by: str = ""  # another client holding the USI found (the same student twice?)
    written: bool = False

    @property
    def found(self) -> bool:
        return self.result == EXACT and bool(self.usi)

    @property
    def already_held(self) -> bool:
        return self.found and self.usi == self.current_usi


def locate_client(
    workspace: Workspace,
    registry: Registry,
    client_id: str,
    *,
    org_code: str,
    user_reference: str,
    permission_elsewhere: bool | None = None,
    today: dt.date | None = None,
) -> LocateOutcome:
    """Ask the registry for `client_id`'s USI; nothing is written (see `write_located_usi`)."""
    elsewhere = permission_given_elsewhere(permission_elsewhere)
    with acting(workspace, Role.USI_BATCHES, "find a client's USI"):
        with workspace.begin() as connection:
            row = connection.execute(
                select(clients.c.id, clients.c.usi).where(clients.c.client_id == client_id)
            ).first()
            if row is None:
                raise InputError(f"no client with Client ID {client_id} in the workspace")
            frame = clients_frame(connection, [row.id])
        report = validate_clients(
            frame.reset_index(drop=True), today=today, needs_permission=not elsewhere
        )
        errors = report.errors
        # What would block sending, even for a record labelled 'has USI' (whose errors are
        # kept as warnings that say they do not block a batch).
        blocking = (errors["severity"] == "error") | errors["message"].str.contains(
            NOT_BLOCKING, regex=False
        )
        problems = errors[errors["column"].isin(LOCATE_COLUMNS) & blocking]
        if not problems.empty:
            only_permission = set(problems["check"]) <= set(PERMISSION_CHECKS)
            messages = problems["message"].head(SHOWN_PROBLEMS)
            shown = "; ".join(m.split(NOT_BLOCKING)[0] for m in messages)
            raise RecordsInError(
                f"client {client_id} cannot be searched for: {shown}",
                next_step=step(Do.RECORD_PERMISSION)
                if only_permission
                else step(Do.FIX_CLIENT, client=client_id),
            )
        record = report.records.iloc[0].to_dict()
        answer = registry.locate_usi(
            org_code, locate_from_record(record, user_reference=user_reference)
        )
        found = answer.result == EXACT and usi.is_valid(answer.usi)
        with workspace.begin() as connection:
            holder = connection.execute(
                select(clients.c.client_id).where(clients.c.usi == answer.usi,
                                                  clients.c.id != row.id)
            ).scalar() if found else None  # fmt: skip
            if elsewhere:
                audit.record(connection, PERMISSION_ELSEWHERE, applications=1)
            audit.record(connection, "usi locate", found=int(found))
    return LocateOutcome(
        client_id=client_id,
        registry=registry.label,
        registry_name=registry.name,
        result=answer.result,
        usi=answer.usi if found else "",
        words=RESULT_WORDS.get(answer.result, f"the registry answered {answer.result!r}"),
        contact_message=answer.contact_message,
        current_usi=row.usi,
        held_by=holder or "",
    )


def write_located_usi(workspace: Workspace, outcome: LocateOutcome) -> LocateOutcome:
    """Write the USI `outcome` found to its client, once the officer confirms it: only into a
    record without a USI (or, for the USI Registry, one that is not real), held by no other
    client, and not with the registry in a batch or a request under way."""
    if not outcome.found:
        raise InputError(f"no USI was found for client {outcome.client_id}, so none is written")
    with acting(workspace, Role.USI_BATCHES, "write a client's USI"):
        return workspace.transact(lambda connection: _write(connection, outcome))


def _write(connection, outcome: LocateOutcome) -> LocateOutcome:
    client_id, found = outcome.client_id, outcome.usi
    row = connection.execute(
        select(clients.c.id, clients.c.usi, clients.c.usi_source).where(
            clients.c.client_id == client_id
        )
    ).first()
    if row is None:
        raise InputError(f"no client with Client ID {client_id} in the workspace")
    if row.usi == found:
        return LocateOutcome(**{**outcome.__dict__, "current_usi": found})
    replaceable = is_the_registry(outcome.registry_name) and is_simulated(row.usi_source)
    if row.usi and not replaceable:
        raise InputError(
            f"client {client_id} already holds the USI {row.usi} "
            f"({usi_source_label(row.usi_source)}), not {found}: check which is the "
            "student's before changing it by hand"
        )
    holder = connection.execute(
        select(clients.c.client_id).where(clients.c.usi == found, clients.c.id != row.id)
    ).scalar()
    if holder is not None:
        raise InputError(
            f"the USI {found} already belongs to client {holder}; a USI is one person's: "
            "check whether the two records are the same student"
        )
    placed = batches_holding(connection, [row.id]).get(row.id)
    if placed is not None:
        raise InputError(
            f"client {client_id} is in batch {placed[0]} ({placed[1]})",
            next_step=step(Do.REMOVE_FROM_BATCH, client=client_id)
            if placed[1] == "open"
            else step(Do.RETRIEVE_BATCH, batch=placed[0]),
        )
    if pending_creates(connection, [row.id]):
        raise InputError(
            f"client {client_id}'s USI is being created one at a time",
            next_step=step(Do.FINISH_CREATE, client=client_id),
        )
    change = {"pk": row.id, "usi": found, "usi_source": outcome.registry_name, "updated_at": now()}
    update_clients(connection, [change])
    audit.record(connection, "usi locate write", updated=1)
    return LocateOutcome(**{**outcome.__dict__, "current_usi": found, "written": True})
