"""`usikit registry`: the connection to the USI Registry (`check`, `credential show`) and the
local SOAP endpoint with its token service (`serve`)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from usikit import settings
from usikit.bulk_usi.reference_lists import compare_countries, kept_lists, refresh_lists
from usikit.bulk_usi.registry.check import check_registry
from usikit.bulk_usi.registry.credential import credentials, expiry_warning, load_credential
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.local_setup import signed_endpoint
from usikit.bulk_usi.registry.simulator import DEFAULT_DELAY, OfflineRegistry
from usikit.cli.options import (
    add_registry,
    add_workspace,
    password,
    registry_of,
    warn,
    workspace_of,
)
from usikit.errors import InputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("registry")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="obtain a token and call GetCountries: who you are connected as, and the clock",
        description="Connects as a batch would: obtains a security token with your machine "
        "credential and calls the registry's GetCountries. Nothing is created.",
    )
    add_registry(check)
    add_workspace(check)
    check.set_defaults(run=run_check)

    lists = actions.add_parser(
        "lists",
        help="the registry's evidence types and countries, and how its countries differ from "
        "the SACC table usikit checks against",
        description="Shows the lists kept in the workspace (fetched from the registry the "
        "first time, with GetNonDvsDocumentTypes and GetCountries); --refresh fetches them "
        "again. --non-dvs-type takes an evidence type's id or its name.",
    )
    lists.add_argument("--refresh", action="store_true", help="fetch them from the registry")
    add_registry(lists)
    add_workspace(lists)
    lists.set_defaults(run=run_lists)

    credential = actions.add_parser("credential", help="the machine credential's keystore")
    credential_actions = credential.add_subparsers(dest="what", metavar="ACTION", required=True)
    show = credential_actions.add_parser(
        "show",
        help="the credentials of a keystore: alias, ABN, name, expiry",
        description="Decrypts each credential (or the one named) with the keystore's "
        "password (USIKIT_CREDENTIAL_PASSWORD, else asked for) to prove it can be used.",
    )
    show.add_argument("keystore", type=Path, metavar="KEYSTORE")
    show.add_argument("--alias", help="only this credential")
    show.set_defaults(run=run_show)

    serve = actions.add_parser(
        "serve",
        help="serve the offline simulator over SOAP on 127.0.0.1",
        description="Answers like the USI Registry's version 5 service, on the loopback "
        "interface only. It is a simulator: no USI it issues is real. With --sts, a local "
        "token service beside it issues tokens to a credential of its own CA, and the "
        "endpoint accepts only requests signed as the USI Registry requires.",
    )
    serve.add_argument("--port", type=int, default=8765, help="port (default %(default)s)")
    serve.add_argument("--delay", type=float, default=DEFAULT_DELAY.total_seconds(),
                       help="seconds before results are ready (default %(default)s)")  # fmt: skip
    serve.add_argument(
        "--sts",
        metavar="FOLDER",
        type=Path,
        help="run the local token service too; FOLDER keeps its CA and the keystore of a "
        "local credential (made the first time, protected by USIKIT_CREDENTIAL_PASSWORD, "
        "else by a password asked for)",
    )
    add_workspace(serve)
    serve.set_defaults(run=run_serve)


def run_check(args: argparse.Namespace) -> int:
    registry = registry_of(args, workspace_of(args))
    connection = check_registry(registry, args.org_code)
    print(f"Registry: {connection.registry}")
    if connection.alias:
        print(f"Connected as: ABN {connection.abn}, credential {connection.alias}")
    if connection.token_from and connection.token_until:
        print(f"Token valid from {connection.token_from:%d/%m/%Y %H:%M:%S} to "
              f"{connection.token_until:%H:%M:%S} UTC")  # fmt: skip
    if connection.clock_offset is not None:
        print(f"Clock difference to the services: {connection.clock_offset:+.1f} seconds")
    print(f"GetCountries answered {connection.countries} countries")
    for warning in connection.warnings:
        warn(warning)
    return 0


def run_lists(args: argparse.Namespace) -> int:
    workspace = workspace_of(args)
    registry = registry_of(args, workspace)
    kept = kept_lists(workspace, registry.name)
    if args.refresh or kept.fetched_at is None:
        kept = refresh_lists(workspace, registry, org_code=args.org_code)
    when = f"{kept.fetched_at:%d/%m/%Y %H:%M}" if kept.fetched_at else "never"
    print(f"Lists of the {registry.label}, fetched {when}:")
    print("Evidence types for students without an identity document (--non-dvs-type):")
    for kind in kept.evidence_types:
        print(f"  {kind.id}: {kind.name}")
    differences = compare_countries(kept.countries)
    current = sum(1 for country in kept.countries if country.is_current)
    print(f"Countries: {current} current at the registry; ", end="")
    if differences.none:
        print("the SACC table usikit checks against has the same codes and names.")
        return 0
    lines = differences.lines()
    print(f"{len(lines)} differ from the SACC table usikit checks against:")
    for line in lines:
        print(f"  {line}")
    return 1


def run_show(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    found = credentials(args.keystore)
    if args.alias is not None:
        found = [info for info in found if info.alias == args.alias]
        if not found:
            raise InputError(f"the keystore has no credential {args.alias!r}", path=args.keystore)
    secret = password()
    for info in found:
        load_credential(args.keystore, info.alias, secret, now=now)
        print(f"{info.alias}: ABN {info.abn}, {info.name}, valid from "
              f"{info.not_before:%d/%m/%Y} to {info.not_after:%d/%m/%Y}")  # fmt: skip
        warning = expiry_warning(info, now)
        if warning:
            warn(warning)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    registry = OfflineRegistry(workspace_of(args), delay=dt.timedelta(seconds=args.delay))
    if args.sts is None:
        endpoint = LocalEndpoint(registry, port=args.port)
        use = f"usikit batch submit --registry {endpoint.url}"
    else:
        protect = os.environ.get(settings.PASSWORD_ENV) or password()
        endpoint, credential = signed_endpoint(registry, args.sts, protect, port=args.port)
        print(f"Local token service (not the ATO's) at {endpoint.sts_url}")
        print(f"Local credential: {credential.keystore} (alias {credential.alias})")
        use = (f"usikit batch submit --registry {endpoint.url} --sts {endpoint.sts_url} "
               f"--credential {credential.keystore}")  # fmt: skip
    print(f"Offline simulator (not the USI Registry) listening on {endpoint.url}")
    print("Use it with: " + use, flush=True)  # seen at once, in a log or a pipe too
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    return 0
