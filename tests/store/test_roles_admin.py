"""The administrator (a member of usikit_admin, not the owner) grants and revokes roles, and
`held_roles` says what each user can actually do (the owner and the administrator: all)."""

from __future__ import annotations

import pytest

from tests.roles_helpers import OWNER, shared_workspace, user_url
from usikit.cli import main
from usikit.errors import InputError
from usikit.store import access, grants
from usikit.store.roles import Role


@pytest.fixture
def team(postgres_server):
    return shared_workspace(
        postgres_server,
        {"alice": ("bulk_upload", "usi_batches"), "erin": ()},
        administrators=("dave",),
    )


def usikit(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def test_an_administrator_who_is_not_the_owner_grants_and_revokes(team, capsys):
    url, owner, _ = team
    dave = user_url(url, "dave")
    code, out = usikit(capsys, "roles", "grant", "erin", "manage_regcert", "--workspace", dave)
    assert code == 0 and "erin now holds manage_regcert" in out
    assert access.held_roles(owner, "erin") == {"manage_regcert"}
    code, out = usikit(capsys, "roles", "list", "--workspace", dave)
    assert code == 0 and "erin" in out and "manage_regcert" in out
    # A role the owner granted is the administrator's to take back too.
    code, out = usikit(capsys, "roles", "revoke", "alice", "usi_batches", "--workspace", dave)
    assert code == 0 and "alice no longer holds usi_batches" in out
    assert access.held_roles(owner, "alice") == {"bulk_upload"}
    code, out = usikit(capsys, "roles", "revoke", "erin", "manage_regcert", "--workspace", dave)
    assert code == 0 and access.held_roles(owner, "erin") == set()


def test_an_officer_cannot_grant_roles(team, capsys):
    url, owner, as_user = team
    with pytest.raises(InputError, match="only an administrator may grant roles"):
        grants.grant(as_user("alice"), "alice", "data_export")
    code, out = usikit(
        capsys, "roles", "grant", "erin", "data_export", "--workspace", user_url(url, "alice")
    )
    assert code == 2 and "only an administrator may grant roles" in out
    assert access.held_roles(owner, "erin") == set() and "data_export" not in access.held_roles(
        owner, "alice"
    )


def test_held_roles_is_what_the_user_can_do(team):
    _url, owner, as_user = team
    everything = set(Role)
    assert access.held_roles(owner) == everything  # the owner, who holds no role, may do all
    assert access.held_roles(owner, OWNER) == everything
    assert access.held_roles(as_user("dave")) == everything  # through usikit_admin
    assert access.held_roles(as_user("alice")) == {"bulk_upload", "usi_batches"}
    assert access.held_roles(owner, "alice") == {"bulk_upload", "usi_batches"}
    assert access.held_roles(owner, "erin") == set()
    assert access.held_roles(owner, "nobody_of_that_name") == set()
    for role in Role:  # held_roles and the check before each action agree
        assert access.missing_roles(as_user("alice"), [role]) == (
            [] if role in {"bulk_upload", "usi_batches"} else [role]
        )


def test_setup_again_is_harmless(team):
    _url, owner, as_user = team
    grants.setup(owner)
    grants.setup(owner)
    assert access.held_roles(as_user("alice")) == {"bulk_upload", "usi_batches"}
    grants.grant(as_user("dave"), "erin", "data_export")  # still an administrator
    assert access.held_roles(owner, "erin") == {"data_export"}
