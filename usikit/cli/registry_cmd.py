"""`usikit registry serve`: the offline simulator behind a local SOAP endpoint."""

from __future__ import annotations

import argparse
import datetime as dt

from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.simulator import DEFAULT_DELAY, OfflineRegistry
from usikit.cli.options import add_workspace, workspace_of


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("registry", help="the local SOAP endpoint (a simulator)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the offline simulator over SOAP on 127.0.0.1",
        description="Answers like the USI Registry's version 5 service, on the loopback "
        "interface only. It is a simulator: no USI it issues is real.",
    )
    serve.add_argument("--port", type=int, default=8765, help="port (default %(default)s)")
    serve.add_argument("--secret", help="require this shared secret (see --registry-secret)")
    serve.add_argument("--delay", type=float, default=DEFAULT_DELAY.total_seconds(),
                       help="seconds before results are ready (default %(default)s)")  # fmt: skip
    add_workspace(serve)
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    registry = OfflineRegistry(workspace_of(args), delay=dt.timedelta(seconds=args.delay))
    endpoint = LocalEndpoint(registry, port=args.port, secret=args.secret)
    print(f"Offline simulator (not the USI Registry) listening on {endpoint.url}")
    print("Use it with: usikit batch submit --registry " + endpoint.url)
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    return 0
