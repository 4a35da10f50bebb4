"""What every step with the registry works through: the workspace, the registry, and the
organisation it acts for; and the rule that a batch is finished only where it was sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection

from usikit.bulk_usi.batch_states import batch_registry
from usikit.bulk_usi.registry.base import Registry, describe, may_finish
from usikit.errors import Do, InputError, step
from usikit.store.engine import Workspace

ORG_CODE = re.compile(r"[A-Za-z0-9]{1,8}")  # the registry's OrgCodeType


@dataclass(frozen=True)
class Channel:
    """The workspace and the registry a submit or a retrieval talks to, for `org_code`."""

    workspace: Workspace
    registry: Registry
    org_code: str

    def __post_init__(self) -> None:
        """An organisation code the registry would refuse is refused here, before anything
        is recorded or sent (the simulator was the only one to check it)."""
        if not ORG_CODE.fullmatch(self.org_code or ""):
            raise InputError(
                f"the organisation code {self.org_code[:40]!r} is not 1 to 8 letters or digits, "
                "the form the registry takes; give your organisation's code (the setting "
                "USIKIT_ORG_CODE, or the face's own choice)"
            )

    def same_registry(self, connection: Connection, batch_id: int) -> None:
        """Refuse to finish a batch through another registry than the one it was sent to:
        its receipts mean nothing elsewhere, and the USIs would be credited to the wrong
        issuer."""
        stored = batch_registry(connection, batch_id)
        if not may_finish(stored, self.registry.name):
            raise InputError(
                f"batch {batch_id} was sent to the {describe(stored)}, not to the "
                f"{self.registry.label}",
                next_step=step(Do.USE_SENT_REGISTRY, registry=describe(stored)),
            )
