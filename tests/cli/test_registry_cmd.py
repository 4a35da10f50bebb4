"""`usikit registry` (check, credential show) and a batch sent through the signed flow on the
command line, with the password from the environment or typed without echo."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.batch_helpers import IN_ERROR, demo_workspace
from tests.signed_helpers import ALIAS, PASSWORD, keystore, signed_services
from usikit.bulk_usi import batches
from usikit.bulk_usi.registry.local_pki import Authority
from usikit.cli import main


@pytest.fixture
def services(tmp_path):
    with signed_services(tmp_path) as services:
        yield services


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def signed_options(services, tmp_path) -> list[str]:
    return ["--registry", services.endpoint.url, "--sts", services.endpoint.sts_url,
            "--credential", str(services.keystore), "--credential-alias", ALIAS,
            "--workspace", str(tmp_path / "w.db")]  # fmt: skip


def test_check_says_who_until_when_and_the_clock(services, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("USIKIT_CREDENTIAL_PASSWORD", PASSWORD)
    code, out, err = run(capsys, "registry", "check", *signed_options(services, tmp_path))
    assert code == 0, err
    assert "Connected as: ABN 99000000002, credential ABRD:99000000002_OfficeMachine" in out
    assert "Token valid from" in out and "Clock difference to the services: " in out
    assert "GetCountries answered" in out and err == ""
    assert PASSWORD not in out + err


def test_the_environment_names_the_credential_too(services, tmp_path, capsys, monkeypatch):
    for name, value in (("USIKIT_REGISTRY", services.endpoint.url),
                        ("USIKIT_STS", services.endpoint.sts_url),
                        ("USIKIT_CREDENTIAL", str(services.keystore)),
                        ("USIKIT_CREDENTIAL_ALIAS", ALIAS),
                        ("USIKIT_CREDENTIAL_PASSWORD", PASSWORD)):  # fmt: skip
        monkeypatch.setenv(name, value)
    code, out, _ = run(capsys, "registry", "check", "--workspace", str(tmp_path / "w.db"))
    assert code == 0 and "Connected as: ABN 99000000002" in out


def test_the_password_is_asked_for_without_echo(services, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("USIKIT_CREDENTIAL_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    code, _, _ = run(capsys, "registry", "check", *signed_options(services, tmp_path))
    assert code == 0 and asked == ["Keystore password: "]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "registry", "check", *signed_options(services, tmp_path))
    assert code == 2 and "set USIKIT_CREDENTIAL_PASSWORD" in err


@pytest.mark.parametrize(
    ("problem", "says"),
    [("wrong password", "the keystore password is wrong"),
     ("expired", "expired on"),
     ("untrusted", "Token refused"),
     ("no credential", "accepts only requests signed with the organisation's machine "
                       "credential")],
)  # fmt: skip
def test_each_credential_problem_is_one_error_line(
    services, tmp_path, capsys, monkeypatch, problem, says
):
    monkeypatch.setenv("USIKIT_CREDENTIAL_PASSWORD", PASSWORD)
    options = signed_options(services, tmp_path)
    if problem == "wrong password":
        monkeypatch.setenv("USIKIT_CREDENTIAL_PASSWORD", "not it")
    elif problem == "expired":
        now = dt.datetime.now(dt.UTC)
        old = keystore(tmp_path / "old.xml", services.authority,
                       not_before=now - dt.timedelta(days=700),
                       not_after=now - dt.timedelta(days=2))  # fmt: skip
        options[options.index("--credential") + 1] = str(old)
    elif problem == "untrusted":
        stranger = keystore(tmp_path / "stranger.xml", Authority.create())
        options[options.index("--credential") + 1] = str(stranger)
    else:
        options = ["--registry", "3pt", "--workspace", str(tmp_path / "w.db")]
    code, _, err = run(capsys, "registry", "check", *options)
    assert code in (2, 3) and err.startswith("error: ") and says in err, err
    assert err.count("\n") == 1 and PASSWORD not in err


def test_credential_show(services, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("USIKIT_CREDENTIAL_PASSWORD", PASSWORD)
    code, out, err = run(capsys, "registry", "credential", "show", str(services.keystore))
    assert code == 0 and out.startswith(f"{ALIAS}: ABN 99000000002, OfficeMachine, valid from")
    soon = keystore(tmp_path / "soon.xml", services.authority,
                    not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=5))  # fmt: skip
    code, out, err = run(capsys, "registry", "credential", "show", str(soon), "--alias", ALIAS)
    assert code == 0 and err.startswith("warning: the machine credential") and "expires in" in err
    code, _, err = run(capsys, "registry", "credential", "show", str(soon), "--alias", "nope")
    assert code == 2 and "has no credential 'nope'" in err
    monkeypatch.setenv("USIKIT_CREDENTIAL_PASSWORD", "not it")
    code, _, err = run(capsys, "registry", "credential", "show", str(services.keystore))
    assert code == 2 and err.startswith(f"error: {services.keystore}: the keystore password")


def test_a_batch_goes_through_the_signed_flow(services, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("USIKIT_CREDENTIAL_PASSWORD", PASSWORD)
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    options = signed_options(services, tmp_path)
    code, out, err = run(capsys, "batch", "submit", *options)
    assert code == 0 and "submitted to the SOAP endpoint" in out, err
    code, out, err = run(capsys, "batch", "retrieve", "1", *options)
    assert code == 0 and "Every result is in: 28 USIs, 2 failed." in out, err
    assert services.endpoint.refusals == []


def test_plain_http_to_another_computer_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "registry", "check", "--registry",
                       "http://registry.example/Service/v5/UsiService.svc",
                       "--workspace", str(tmp_path / "w.db"))  # fmt: skip
    assert code == 2 and "plain http" in err
