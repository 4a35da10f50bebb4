"""Every exception usikit raises for people, under one base, with what to do next as data.

```
UsikitError                    a problem a person can act on; `next_step` says how
├── InputError                 a file, value or choice that cannot be used (exit 2)
│   ├── RecordsInError         work refused while some records have errors (exit 1)
│   └── LimitExceeded          input over one of the readers' limits (exit 2)
├── Refused                    an action that cannot be done now (exit 2)
│   ├── PermissionRefused      the officer lacks a role (`roles`, the missing ones)
│   ├── OutOfTurn              a step taken before the one it needs (a screen's button)
│   └── WorkspaceUnavailable   the workspace cannot be opened or written
├── RegistryFault              the USI Registry (or the simulator) answered with a fault, or
│   │                          could not be reached; `transient` says whether trying again
│   │                          later may work, `arrival` what it proves (exit 3)
│   └── SubmissionRefused      a batch the registry refused for good; says what became of it
└── NotProcessedYet            the registry has not finished a request: ask again later
```

The message (`reason`) says what is wrong in words that hold for every face. What to do about
it is `next_step`, a `NextStep`: each face words it its own way (a command on the command
line, a button on a screen; `usikit.outcomes` does the translation both share). `str(exc)`
joins the two in plain words, for library users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

# Exit statuses of the command line, chosen by the exception's class (see `usikit.outcomes`).
EXIT_OK, EXIT_RECORDS, EXIT_INPUT, EXIT_REGISTRY, EXIT_BUG = 0, 1, 2, 3, 70


class Do(StrEnum):
    """What an officer can do about a problem; each face says it in its own words."""

    TRY_AGAIN_LATER = "try again later"
    FIX_OR_REMOVE_RECORDS = "fix or remove the records in error"
    RETRIEVE_BATCH = "retrieve the batch's results"
    LIST_BATCHES = "look at the list of batches"
    CORRECT_USI = "correct the client's USI"
    USE_SENT_REGISTRY = "use the registry the batch was sent to"
    SUBMIT_AGAIN = "submit the batch again"
    ASK_FOR_ROLE = "ask the administrator for a role"
    ASK_FOR_ROLES_SETUP = "ask the administrator to set up the roles again"
    CREATE_DATABASE_USER = "create the database user, then set up the roles"
    IMPORT_CLIENTS = "import clients to create the workspace"
    LOAD_LEARNERS = "load learners into the register"
    PREPARE_WORKSPACE = "prepare a workspace"
    CHOOSE_SHEET = "choose the sheet that holds the records"
    START_FROM_TEMPLATE = "start from the client template"
    IMPORT_UNMASKED = "import the original file, or an unmasked export"
    USE_UNMASKED = "use the original file, or an unmasked export"
    ALLOW_TEMPORARY_ULN = "allow temporary ULNs"
    CHECK_SEPARATOR = "check the separator"
    RAISE_LIMIT = "raise the limit"
    RECORD_PERMISSION = "record the students' permission"
    FIX_CLIENT = "correct the client's details"
    REMOVE_FROM_BATCH = "take the client out of the open batch"
    FINISH_CREATE = "finish creating the client's USI"
    CHOOSE_EVIDENCE_TYPE = "choose one of the registry's evidence types"


@dataclass(frozen=True)
class NextStep:
    """`do`, with the values its wording needs (a batch id, a client, a role...)."""

    do: Do
    values: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def plain(self) -> str:
        """The step in plain words, for library users (the faces have their own)."""
        return PLAIN.get(self.do, str(self.do)).format_map(_Blank(self.values))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def step(do: Do, **values: object) -> NextStep:
    return NextStep(do, {name: str(value) for name, value in values.items()})


PLAIN = {
    Do.TRY_AGAIN_LATER: "nothing was half-done: try again later",
    Do.FIX_OR_REMOVE_RECORDS: "fix them or remove them from the batch",
    Do.RETRIEVE_BATCH: "retrieve the results of batch {batch} later",
    Do.LIST_BATCHES: "the list of batches shows them",
    Do.CORRECT_USI: "if the file is right, correct client {client}'s USI to {usi}",
    Do.USE_SENT_REGISTRY: "use that registry to finish sending the batch or to retrieve its "
    "results",
    Do.SUBMIT_AGAIN: "submit again",
    Do.ASK_FOR_ROLE: "ask your administrator to grant {them}",
    Do.ASK_FOR_ROLES_SETUP: "the workspace's grants are out of date (usikit was upgraded); ask "
    "your administrator to set up the roles again",
    Do.CREATE_DATABASE_USER: "create the database user first, then set up the roles as the "
    "workspace's owner",
    Do.IMPORT_CLIENTS: "import clients first to create it",
    Do.LOAD_LEARNERS: "load learners into the register first",
    Do.PREPARE_WORKSPACE: "prepare the demo workspace, or choose your workspace",
    Do.CHOOSE_SHEET: "if the records are on another sheet, choose that sheet",
    Do.START_FROM_TEMPLATE: "start from the client template",
    Do.IMPORT_UNMASKED: "import the original file, or an export made with personal data shown",
    Do.USE_UNMASKED: "use the original file, or an export made with personal data shown",
    Do.ALLOW_TEMPORARY_ULN: "allow temporary ULNs",
    Do.CHECK_SEPARATOR: "check the separator and that the first row is the header",
    Do.RAISE_LIMIT: "split the file, or raise the limit",
    Do.RECORD_PERMISSION: "record each student's permission (USI Permission: Yes) and the day "
    "the privacy notice was given (Privacy Notice Date), or, if your organisation records "
    "permission in its student system, say so when sending",
    Do.FIX_CLIENT: "correct client {client}'s details, then try again",
    Do.REMOVE_FROM_BATCH: "take client {client} out of the open batch first",
    Do.FINISH_CREATE: "create client {client}'s USI again: the same request is sent, so "
    "nothing is created twice",
    Do.CHOOSE_EVIDENCE_TYPE: "give one of the registry's evidence types, by its id or its name",
}


class UsikitError(Exception):
    """A problem a person can act on: `reason` says what is wrong, `next_step` what to do."""

    exit_status: ClassVar[int] = EXIT_INPUT

    def __init__(
        self,
        reason: str,
        *,
        path: str | Path | None = None,
        next_step: NextStep | None = None,
    ) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        self.next_step = next_step
        super().__init__(self.text())

    def text(self, next_step: str | None = None) -> str:
        """The message with the next step worded as given (plain words by default)."""
        where = f"{self.path}: " if self.path else ""
        if next_step is None and self.next_step is not None:
            next_step = self.next_step.plain
        return where + self.reason + (f"; {next_step}" if next_step else "")


class InputError(UsikitError):
    """A file, value or choice that cannot be used; the message names it and says what to do."""


class RecordsInError(InputError):
    """Work refused because some records still have errors (the message lists them)."""

    exit_status = EXIT_RECORDS


class LimitExceeded(InputError):
    """Input beyond a reader's limit (size, cells, columns, line length, time)."""


class Refused(UsikitError):
    """An action that cannot be done now: a missing role, a step out of turn, a locked store."""


class PermissionRefused(Refused):
    """An action the officer's roles do not allow; `roles` are the missing ones (the first
    is `role`), `action` what was refused."""

    def __init__(self, roles: tuple[str, ...], action: str, needed: str) -> None:
        self.roles, self.role, self.action = roles, roles[0], action
        them = f"it ({roles[0]})" if len(roles) == 1 else "them (" + " and ".join(roles) + ")"
        super().__init__(f"you need {needed}", next_step=step(Do.ASK_FOR_ROLE, them=them,
                                                               roles=" ".join(roles)))  # fmt: skip


class OutOfTurn(Refused):
    """A step taken before the one it needs (a screen usually keeps its button disabled)."""


class WorkspaceUnavailable(Refused):
    """The workspace cannot be opened, or cannot be written by this officer."""


class Arrival(StrEnum):
    """What a fault proves about the request it answers: whether the registry may hold it.
    A batch keeps a refused request, to send it again, unless the fault proves the registry
    created nothing for it (`usikit.bulk_usi.batches.refusal`)."""

    UNKNOWN = "it may have reached the registry"
    NOT_THIS_TIME = "this sending was refused before the registry processed it"
    NEVER = "the registry cannot hold it, in this or any earlier sending"


class RegistryFault(UsikitError):
    """A fault the registry returned (its ErrorInfo: `code`, `title`, `message`), or a
    transport failure. `transient` faults (service unavailable, timeouts, 5xx) may succeed
    when tried again later. `arrival`, when known, says what the fault proves about the
    request (None: judged by its code, `usikit.bulk_usi.registry.base.arrival_of`)."""

    exit_status = EXIT_REGISTRY

    def __init__(
        self,
        code: int,
        title: str,
        message: str,
        *,
        transient: bool = False,
        arrival: Arrival | None = None,
    ) -> None:
        self.code, self.title, self.message, self.transient = code, title, message, transient
        self.arrival = arrival
        super().__init__(
            f"the registry answered with a fault: {title} [{code}]: {message}",
            next_step=step(Do.TRY_AGAIN_LATER),
        )


class SubmissionRefused(RegistryFault):
    """The registry refused a batch's request for good; the message says why and what became
    of the batch (`outcome`: "reopened", "returned", "partly submitted" or "kept
    submitting")."""

    def __init__(self, fault: RegistryFault, batch_id: int, outcome: str, what_now: str) -> None:
        self.fault, self.batch_id, self.outcome = fault, batch_id, outcome
        self.code, self.title, self.message = fault.code, fault.title, fault.message
        self.transient, self.arrival = False, fault.arrival
        UsikitError.__init__(
            self,
            f"the registry refused batch {batch_id}: {fault.title} [{fault.code}]: "
            f"{fault.message.rstrip('.')}. {what_now}",
        )


class NotProcessedYet(UsikitError):
    """The registry has not finished a bulk request; ask again later."""

    exit_status = EXIT_REGISTRY

    def __init__(self, reason: str) -> None:
        super().__init__(reason, next_step=step(Do.TRY_AGAIN_LATER))


__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_RECORDS",
    "EXIT_REGISTRY",
    "Arrival",
    "Do",
    "InputError",
    "LimitExceeded",
    "NextStep",
    "NotProcessedYet",
    "OutOfTurn",
    "PermissionRefused",
    "RecordsInError",
    "Refused",
    "RegistryFault",
    "SubmissionRefused",
    "UsikitError",
    "WorkspaceUnavailable",
    "step",
]
