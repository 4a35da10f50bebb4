"""A local SOAP endpoint: the offline simulator behind real HTTP and SOAP, on 127.0.0.1.

It lets `SoapRegistry` be exercised end to end over the network stack without the live
registry. It listens on the loopback interface only and answers like the registry's
version 5 service; it is still the simulator, and says so in its logs.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from usikit.bulk_usi.registry import messages
from usikit.bulk_usi.registry.base import GENERIC_VALIDATION
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.errors import NotProcessedYet, RegistryFault

PATH = "/Service/v5/UsiService.svc"
LOOPBACK = "127.0.0.1"
AUTHORISATION_FAILED = 2002


class LocalEndpoint:
    """The simulator served over HTTP; start with `serving()` or `serve_forever()`.

    `fail_next(kind, times)` makes the next answers fail, for testing what a client does
    with a flaky service: "unavailable" (a 1001 fault), "http500" (a bare 500),
    "malformed" (broken XML), "slow" (an answer after the client's timeout).
    """

    def __init__(
        self,
        registry: OfflineRegistry,
        *,
        port: int = 0,
        secret: str | None = None,
        slow_seconds: float = 5.0,
    ) -> None:
        self.registry, self.secret, self.slow_seconds = registry, secret, slow_seconds
        self.failures: deque[str] = deque()
        self.requests: list[bytes] = []  # every request received, for tests
        self.server = ThreadingHTTPServer((LOOPBACK, port), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def fail_next(self, kind: str, times: int = 1) -> None:
        self.failures.extend([kind] * times)

    def serve_forever(self) -> None:
        self.server.serve_forever()

    @contextlib.contextmanager
    def serving(self) -> Iterator[LocalEndpoint]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=5)

    def answer(self, data: bytes) -> tuple[int, bytes]:
        """(HTTP status, body) for one request."""
        self.requests.append(data)
        try:
            action, body = messages.read_envelope(data)
            self._check_token(data)
            operation = action.rsplit("/", 1)[-1] if action else messages._local(body)
            if operation != messages._local(body):
                raise RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                                    f"Action {action} does not match the body")  # fmt: skip
            return 200, messages.response_envelope(operation, self._dispatch(operation, body))
        except NotProcessedYet as waiting:
            fault = RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                                  f"The request is not yet processed ({waiting}).")  # fmt: skip
            return 500, messages.fault_envelope(fault)
        except RegistryFault as fault:
            return 500, messages.fault_envelope(fault)

    def _check_token(self, data: bytes) -> None:
        if self.secret is None:
            return
        if f"<o:Password>{self.secret}</o:Password>".encode() not in data:
            raise RegistryFault(AUTHORISATION_FAILED, "Organisation Failed Authorisation",
                                "The request carries no valid security token.")  # fmt: skip

    def _dispatch(self, operation: str, body):
        registry = self.registry
        if operation == "BulkUpload":
            org_code, request_id, applications = messages.read_bulk_upload(body)
            return messages.bulk_upload_response(
                registry.bulk_upload(org_code, request_id, applications)
            )
        if operation == "BulkUploadRetrieve":
            receipt = messages.read_retrieve_request(body)
            return messages.bulk_results_response(registry.retrieve_by_receipt(receipt))
        if operation == "VerifyUSI":
            org_code, checks = messages.read_verifications(body)
            return messages.verify_response(registry.verify_usi(org_code, checks[0]))
        if operation == "BulkVerifyUSI":
            org_code, checks = messages.read_verifications(body)
            return messages.bulk_verify_response(registry.bulk_verify_usi(org_code, checks))
        if operation == "GetCountries":
            org_code = messages.read_org_code(body)
            return messages.countries_response(registry.get_countries(org_code))
        raise RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                            f"The operation {operation} is not offered here.")  # fmt: skip


def _handler(endpoint: LocalEndpoint):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            if self.path != PATH:
                self._send(404, b"not found", "text/plain")
                return
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            failure = endpoint.failures.popleft() if endpoint.failures else ""
            if failure == "slow":
                time.sleep(endpoint.slow_seconds)
            if failure == "http500":
                self._send(500, b"Internal Server Error", "text/plain")
                return
            if failure == "malformed":
                self._send(200, b"<s:Envelope><unclosed>", "application/soap+xml")
                return
            if failure == "unavailable":
                message = "The service is currently not available."
                fault = RegistryFault(1001, "Service Unavailable", message, transient=True)
                self._send(500, messages.fault_envelope(fault), "application/soap+xml")
                return
            status, body = endpoint.answer(data)
            self._send(status, body, "application/soap+xml; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing more to say

        def log_message(self, format: str, *args) -> None:
            pass  # quiet: tests and the CLI report what matters

    return Handler
