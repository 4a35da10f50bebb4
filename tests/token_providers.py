"""Token providers as an organisation's own module would offer them, for `--token-provider`."""

from __future__ import annotations

from usikit.bulk_usi.registry.soap import LocalToken


def local_endpoint() -> LocalToken:
    """Stands for the organisation's gateway: here, the local endpoint's shared secret."""
    return LocalToken("local-secret")


def not_a_provider() -> str:
    return "a token as plain text"


def without_its_credential() -> LocalToken:
    raise FileNotFoundError("m2m-credential.xml")
