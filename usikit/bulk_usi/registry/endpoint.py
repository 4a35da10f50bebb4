"""A local SOAP endpoint: the offline simulator behind real HTTP and SOAP, on 127.0.0.1, and
with `sts=` a local token service beside it and the registry's security in front of it.

It lets `SoapRegistry` be exercised end to end over the network stack without the live
registry. It listens on the loopback interface only and answers like the registry's
version 5 service; it is still the simulator, and says so in its logs.

No request can crash it: a body that is not a SOAP request, lacks an element or holds a value
of the wrong kind gets a SOAP fault; a missing, unreadable or oversized Content-Length an HTTP
400, 411 or 413 (the body is then not read). A connection idle for `connection_seconds` is
closed, and at most `max_connections` are served at once (more are closed at once).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

from usikit.bulk_usi.registry import messages, safexml, single_messages
from usikit.bulk_usi.registry.base import GENERIC_VALIDATION, ORGANISATION_NOT_AUTHORISED
from usikit.bulk_usi.registry.local_sts import LocalTokenService, Refusal
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.errors import NotProcessedYet, RegistryFault

PATH = "/Service/v5/UsiService.svc"
STS_PATH = "/R3.0/S007v1.3/service.svc"
LOOPBACK = "127.0.0.1"
AUTHORISATION_FAILED = ORGANISATION_NOT_AUTHORISED
MAX_REQUEST_BYTES = 8 * 1024 * 1024  # 500 applications are about 1 MB
SECURITY_REASON = "An error occurred when verifying security for the message."
SOAP_TYPE = "application/soap+xml; charset=utf-8"
log = logging.getLogger("usikit.registry.endpoint")


class LocalEndpoint:
    """The simulator served over HTTP; start with `serving()` or `serve_forever()`.

    `fail_next(kind, times)` makes the next answers fail, for testing what a client does
    with a flaky service: "unavailable" (a 1001 fault), "http500" (a bare 500), "malformed"
    (broken XML), "slow" (an answer after the client's timeout), "trickle" (a byte at a
    time), "truncated" (a body shorter than announced), "huge" (an announced 1.2 GB),
    "redirect" (HTTP 302), "http400" (a bare 400), "unauthorised" (a 2002 fault),
    "unknown-fault" (a fault code the registry does not document). `fail_sts(times)` makes
    the token service answer 503.
    """

    def __init__(
        self,
        registry: OfflineRegistry,
        *,
        port: int = 0,
        sts: LocalTokenService | None = None,
        slow_seconds: float = 5.0,
        connection_seconds: float = 10.0,
        max_connections: int = 32,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.registry, self.sts, self.slow_seconds = registry, sts, slow_seconds
        self.connection_seconds, self.max_request_bytes = connection_seconds, max_request_bytes
        self.failures: deque[str] = deque()
        self.sts_failures = 0
        self.requests: list[bytes] = []  # every request received, for tests
        self.sts_requests: list[bytes] = []  # every request to the token service, for tests
        self.refusals: list[str] = []  # why each refused request was refused, for tests
        self.server = _Server((LOOPBACK, port), _handler(self), max_connections)
        if sts is not None:
            sts.url = self.sts_url
        self.check = sts.check() if sts is not None else None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    @property
    def sts_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{STS_PATH}"

    def fail_next(self, kind: str, times: int = 1) -> None:
        self.failures.extend([kind] * times)

    def fail_sts(self, times: int = 1) -> None:
        self.sts_failures += times

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
        """(HTTP status, body) for one request to the registry's address."""
        self.requests.append(data)
        relates_to = ""
        try:
            try:
                root = safexml.parse(data, safexml.Limits(max_bytes=self.max_request_bytes))
            except safexml.UnsafeXml as exc:
                raise RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                                    f"The request cannot be read: {exc}.") from None  # fmt: skip
            relates_to = messages.message_id(root)
            if self.check is not None:
                try:
                    self.check.check(root, self.url)
                except Refusal as refusal:
                    self.refusals.append(str(refusal))
                    log.info("refused a request: %s", refusal)
                    return 500, messages.security_fault_envelope(SECURITY_REASON)
            try:
                action, body = messages.read_envelope(data)
            except RegistryFault as unreadable:  # a request that is not one: the sender's fault
                message = f"The request cannot be read: {unreadable.message}."
                raise RegistryFault(GENERIC_VALIDATION, "Generic Validation", message) from None
            operation = action.rsplit("/", 1)[-1] if action else safexml.local_name(body)
            if operation != safexml.local_name(body):
                raise RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                                    f"Action {action} does not match the body")  # fmt: skip
            answer = self._dispatch(operation, body)
            return 200, messages.response_envelope(operation, answer, relates_to)
        except NotProcessedYet as waiting:
            pending = RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                                    f"The request is not yet processed ({waiting}).")  # fmt: skip
            return 500, messages.fault_envelope(pending, relates_to)
        except RegistryFault as fault:
            return 500, messages.fault_envelope(fault, relates_to)

    def token(self, data: bytes) -> tuple[int, bytes]:
        """(HTTP status, body) for one request to the token service's address."""
        assert self.sts is not None
        self.sts_requests.append(data)
        try:
            return 200, self.sts.answer(data)
        except Refusal as refusal:
            self.refusals.append(f"token service: {refusal}")
            log.info("token service refused a request: %s", refusal)
            return 500, messages.security_fault_envelope(SECURITY_REASON, "FailedAuthentication")

    def _dispatch(self, operation: str, body: etree._Element) -> etree._Element:
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
        if operation == "GetNonDvsDocumentTypes":
            org_code = messages.read_org_code(body)
            types = registry.get_non_dvs_document_types(org_code)
            return single_messages.non_dvs_response(types)
        if operation == "CreateUSI":
            org_code, request_id, application = single_messages.read_create_usi(body)
            result = registry.create_usi(org_code, request_id, application)
            return single_messages.create_response(result)
        if operation == "LocateUSI":
            org_code, locate = single_messages.read_locate(body)
            return single_messages.locate_response(registry.locate_usi(org_code, locate))
        raise RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                            f"The operation {operation} is not offered here.")  # fmt: skip


class _Server(ThreadingHTTPServer):
    """A threading server that serves at most `limit` connections at once, quietly."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, limit: int) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(limit)

    def process_request(self, request, client_address) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: this one is closed
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        log.warning("a connection from %s ended in an error", client_address[0])


FAULTS = {
    "unavailable": RegistryFault(1001, "Service Unavailable",
                                 "The service is currently not available.", transient=True),
    "unauthorised": RegistryFault(AUTHORISATION_FAILED, "Organisation Failed Authorisation",
                                  "The organisation is not authorised for this service."),
    "unknown-fault": RegistryFault(3999, "Unexpected", "Something the documentation omits."),
}  # fmt: skip


def _handler(endpoint: LocalEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = endpoint.connection_seconds  # an idle or slow connection is closed

        def do_POST(self) -> None:
            data = self._body()
            if data is None:
                return
            if self.path == STS_PATH and endpoint.sts is not None:
                if endpoint.sts_failures:
                    endpoint.sts_failures -= 1
                    self._send(503, b"Service Unavailable", "text/plain")
                    return
                self._send(*endpoint.token(data), SOAP_TYPE)
                return
            if self.path != PATH:
                self._send(404, b"not found", "text/plain")
                return
            failure = endpoint.failures.popleft() if endpoint.failures else ""
            if failure and self._fail(failure):
                return
            try:
                status, body = endpoint.answer(data)
            except Exception:  # never a handler thread's traceback: a fault, and a log line
                log.exception("the local endpoint failed on a request")
                fault = RegistryFault(0, "Internal error", "The endpoint failed.", transient=True)
                status, body = 500, messages.fault_envelope(fault)
            self._send(status, body, SOAP_TYPE)

        def _body(self) -> bytes | None:
            """The request's body, or None when it was refused (and answered)."""
            length = self.headers.get("Content-Length")
            if self.headers.get("Transfer-Encoding") or length is None:
                self._send(411, b"a Content-Length is required", "text/plain", close=True)
                return None
            if not length.strip().isdigit():
                self._send(400, b"the Content-Length is not a number", "text/plain", close=True)
                return None
            if int(length) > endpoint.max_request_bytes:
                self._send(413, b"the request is too large", "text/plain", close=True)
                return None
            data = self.rfile.read(int(length))
            if len(data) != int(length):
                self._send(400, b"the body is shorter than its Content-Length", "text/plain",
                           close=True)  # fmt: skip
                return None
            return data

        def _fail(self, failure: str) -> bool:
            """Answer as the failure says; False when it only delays the answer."""
            if failure == "slow":
                time.sleep(endpoint.slow_seconds)
                return False
            if failure in FAULTS:
                self._send(500, messages.fault_envelope(FAULTS[failure]), SOAP_TYPE)
            elif failure == "http500":
                self._send(500, b"Internal Server Error", "text/plain")
            elif failure == "http400":
                self._send(400, b"Bad Request", "text/plain")
            elif failure == "redirect":
                self.send_response(302)
                self.send_header("Location", "https://elsewhere.example/UsiService.svc")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif failure == "malformed":
                self._send(200, b"<s:Envelope><unclosed>", SOAP_TYPE)
            else:
                self._stream(failure)
            return True

        def _stream(self, failure: str) -> None:
            """Answers that end badly: cut off, announced huge, or trickling."""
            announced = {"truncated": 1000, "huge": 1_200_000_000}.get(failure, 10_000)
            with contextlib.suppress(OSError):
                self.send_response(200)
                self.send_header("Content-Type", SOAP_TYPE)
                self.send_header("Content-Length", str(announced))
                self.end_headers()
                self.wfile.write(b"<s:Envelope")
                while failure == "trickle":
                    time.sleep(endpoint.slow_seconds)
                    self.wfile.write(b" ")
                    self.wfile.flush()
            self.close_connection = True

        def _send(self, status: int, body: bytes, content_type: str, close: bool = False) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if close:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a timeout test): nothing more to say
            if close:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and the command line report what matters

    return Handler
