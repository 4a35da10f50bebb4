"""The signed flow on this computer, ready to use: a CA of its own, a machine credential it
issued (in a keystore laid out as the ATO's), and the local endpoint with its token service.
`usikit registry serve --sts` and the demo use it; nothing here is the ATO or the registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.local_pki import Authority, Entry, write_keystore
from usikit.bulk_usi.registry.local_sts import LocalTokenService
from usikit.bulk_usi.registry.simulator import OfflineRegistry

LOCAL_ABN = "99000000001"  # fictional
LOCAL_NAME = "usikit-local"
KEYSTORE = "keystore-local.xml"


@dataclass(frozen=True)
class LocalCredential:
    keystore: Path
    alias: str


def local_credential(folder: Path, password: str) -> tuple[Authority, LocalCredential]:
    """The CA kept in `folder` (made the first time) and a keystore of one credential it
    issued, protected by `password` (made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "ca.pem").exists():
        authority = Authority.load(folder)
    else:
        authority = Authority.create()
        authority.save(folder)
    entry_key, certificate = authority.issue(LOCAL_ABN, LOCAL_NAME)
    entry = Entry(LOCAL_ABN, LOCAL_NAME, entry_key, [certificate, authority.certificate])
    keystore = folder / KEYSTORE
    if not keystore.exists():
        write_keystore(keystore, [entry], password)
    return authority, LocalCredential(keystore, entry.alias)


def signed_endpoint(
    simulator: OfflineRegistry, folder: Path, password: str, *, port: int = 0
) -> tuple[LocalEndpoint, LocalCredential]:
    """The local endpoint, its token service trusting the CA in `folder`, and the credential
    to use with them (`endpoint.url`, `endpoint.sts_url`; serve with `endpoint.serving()`)."""
    authority, credential = local_credential(folder, password)
    endpoint = LocalEndpoint(simulator, port=port, sts=LocalTokenService(authority))
    return endpoint, credential
