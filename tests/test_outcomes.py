"""One translation from an exception to what the officer reads: the same on the command line
and on the screens, each naming its own next step; only a true bug is called one."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from usikit.cli.wording import CLI_WORDING
from usikit.errors import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_RECORDS,
    EXIT_REGISTRY,
    Do,
    InputError,
    OutOfTurn,
    PermissionRefused,
    RecordsInError,
    RegistryFault,
    SubmissionRefused,
    UsikitError,
    step,
)
from usikit.outcomes import explain, message
from usikit.ui.wording import SCREEN_WORDING

FACES = {"command line": CLI_WORDING, "screens": SCREEN_WORDING}


@pytest.mark.parametrize("face", sorted(FACES))
def test_each_face_words_every_next_step(face):
    wording = FACES[face]
    assert set(wording) == set(Do)
    for do in Do:  # every wording fills in with the values its step carries
        text = message(UsikitError("x", next_step=step(do, batch=3, client="S1", usi="U",
                                                        them="it", roles="data_export",
                                                        registry="R", option="--max-x")),
                       wording)  # fmt: skip
        assert text.startswith("x; ") and "{" not in text


def test_the_screens_never_name_a_command():
    for do in Do:
        text = message(UsikitError("x", next_step=step(do, batch=3, roles="a b")), SCREEN_WORDING)
        assert "usikit " not in text.replace("usikit was", "") and "--" not in text, do


def test_an_unreachable_registry_is_try_again_later_on_both_faces():
    fault = RegistryFault(1001, "Service Unavailable", "could not reach it", transient=True)
    cli = explain(fault, CLI_WORDING, bug_hint="")
    screen = explain(fault, SCREEN_WORDING, bug_hint="")
    assert cli.status == screen.status == EXIT_REGISTRY
    assert cli.kind == screen.kind == "error"
    assert "run the same command again later" in cli.message
    assert "try again in a few minutes" in screen.message
    assert "bug" not in cli.message + screen.message


def test_a_refused_batch_says_what_became_of_it_not_try_again():
    fault = RegistryFault(1002, "Generic Validation", "bad OrgCode")
    refused = SubmissionRefused(fault, 4, "reopened", "The registry created nothing.")
    outcome = explain(refused, CLI_WORDING, bug_hint="")
    assert outcome.status == EXIT_REGISTRY
    assert outcome.message.startswith("the registry refused batch 4: Generic Validation [1002]")
    assert "again later" not in outcome.message


@pytest.mark.parametrize(
    ("exc", "status", "kind"),
    [
        (InputError("bad file"), EXIT_INPUT, "error"),
        (RecordsInError("3 records"), EXIT_RECORDS, "error"),
        (PermissionRefused(("data_export",), "export", "the data_export role"), EXIT_INPUT,
         "error"),
        (OutOfTurn("validate first"), EXIT_INPUT, "warning"),
        (ZeroDivisionError("boom"), EXIT_BUG, "bug"),
    ],
)  # fmt: skip
def test_statuses_and_kinds(exc, status, kind):
    outcome = explain(exc, CLI_WORDING, bug_hint="see the details")
    assert (outcome.status, outcome.kind) == (status, kind)
    if kind == "bug":
        assert outcome.message.endswith("this is a bug. see the details")
    else:
        assert "bug" not in outcome.message


def test_a_read_only_workspace_is_named_not_called_a_bug():
    exc = OperationalError("INSERT", {}, Exception("attempt to write a readonly database"))
    outcome = explain(exc, SCREEN_WORDING, bug_hint="")
    assert outcome.status == EXIT_INPUT and "read-only for you" in outcome.message


def test_a_permission_names_the_command_only_on_the_command_line():
    refused = PermissionRefused(("usi_batches",), "submit a batch", "the usi_batches role")
    assert "usikit roles grant YOUR_USER usi_batches" in message(refused, CLI_WORDING)
    assert message(refused, SCREEN_WORDING).endswith(
        "ask your administrator to grant it (usi_batches)"
    )
    several = PermissionRefused(("a", "b"), "x", "the a and b roles")
    assert "usikit roles grant YOUR_USER ROLE, for each" in message(several, CLI_WORDING)
