"""The signed flow on loopback for tests: a CA, keystores it issued (laid out as the ATO's),
the local token service and the local endpoint."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from usikit.bulk_usi.registry.connect import open_registry
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.local_pki import Authority, Entry, write_keystore
from usikit.bulk_usi.registry.local_sts import LocalTokenService
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.workspace import open_workspace

PASSWORD = "correct horse & <battery>"
ABN = "99000000002"  # fictional
NAME = "OfficeMachine"
ALIAS = f"ABRD:{ABN}_{NAME}"


def keystore(
    path: Path,
    authority: Authority,
    *,
    entries: tuple[tuple[str, str], ...] = ((ABN, NAME),),
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    password: str = PASSWORD,
) -> Path:
    """A keystore at `path` with a credential per (ABN, name), issued by `authority`."""
    written = []
    for abn, name in entries:
        key, certificate = authority.issue(abn, name, not_before=not_before, not_after=not_after)
        written.append(Entry(abn, name, key, [certificate, authority.certificate]))
    write_keystore(path, written, password)
    return path


@dataclass
class Services:
    endpoint: LocalEndpoint
    sts: LocalTokenService
    authority: Authority
    keystore: Path

    def registry(self, folder: Path, **options):
        """The registry a batch would use: the endpoint, through its token service."""
        return open_registry(
            open_workspace(str(folder / "client.db")),
            self.endpoint.url,
            delay=0,
            credential=str(options.pop("credential", self.keystore)),
            alias=options.pop("alias", ALIAS),
            sts=self.endpoint.sts_url,
            password=lambda: options.get("password", PASSWORD),
            act_as=options.get("act_as"),
            warn=options.get("warn"),
        )


@contextlib.contextmanager
def signed_services(folder: Path, *, delay: float = 0, **options) -> Iterator[Services]:
    authority = Authority.create()
    simulator = OfflineRegistry(
        open_workspace(str(folder / "simulator.db")), delay=dt.timedelta(seconds=delay)
    )
    sts = LocalTokenService(authority)
    endpoint = LocalEndpoint(simulator, sts=sts, **options)
    with endpoint.serving():
        yield Services(endpoint, sts, authority, keystore(folder / "keystore.xml", authority))
