"""A client for the USI Registry's version 5 web service (SOAP 1.2, WS-Addressing).

Each request is built as one lxml tree, secured in place (`security`: for the USI Registry, a
token from the ATO's token service and an HMAC-SHA1 signature with its proof key), serialised
once and sent: the bytes on the wire are the bytes signed. Answers are read with DTDs and
entities refused and with limits on size, elements and time (`safexml`); each exchange has an
overall deadline and an answer size limit (`transport`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence

from lxml import etree

from usikit.bulk_usi.registry import messages, single_messages, transport
from usikit.bulk_usi.registry.base import (
    ENDPOINT_NAME,
    LIVE_NAME,
    SERVICE_UNAVAILABLE,
    TEST_NAME,
    Application,
    ApplicationResult,
    BulkResults,
    Country,
    Locate,
    LocateResult,
    NonDvsType,
    Verification,
    VerificationResult,
)
from usikit.bulk_usi.registry.security import Security, Unsecured
from usikit.errors import Arrival, NotProcessedYet, RegistryFault

TEST_ENDPOINT = "https://3pt.portal.usi.gov.au/Service/v5/UsiService.svc"
PRODUCTION_ENDPOINT = "https://portal.usi.gov.au/Service/v5/UsiService.svc"
NOT_PROCESSED = ("not yet processed", "not processed yet", "still being processed")
SECURITY_REFUSED = "Security refused"


class SoapRegistry:
    """The `Registry` interface over SOAP: the live registry, or a local endpoint."""

    is_simulator = False

    def __init__(
        self,
        endpoint: str,
        *,
        security: Security | None = None,
        timeout: float = 60.0,
        attempts: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        max_answer_bytes: int = transport.MAX_ANSWER_BYTES,
    ) -> None:
        self.endpoint = transport.check_address(endpoint, "the registry address")
        self.security: Security = security or Unsecured()
        self.timeout, self.attempts, self.backoff, self.sleep = timeout, attempts, backoff, sleep
        self.max_answer_bytes = max_answer_bytes
        self.last_answer: transport.Answer | None = None
        address = endpoint.lower()
        if address.startswith(PRODUCTION_ENDPOINT.lower()):
            self.name, self.label = LIVE_NAME, f"USI Registry web service at {endpoint}"
        elif address.startswith(TEST_ENDPOINT.lower()):  # the registry's, but its USIs are tests
            self.name = TEST_NAME
            self.label = f"{TEST_NAME} at {endpoint} (not the USI Registry: its USIs are tests)"
        else:
            self.name = ENDPOINT_NAME
            self.label = f"SOAP endpoint at {endpoint} (not the USI Registry)"

    def prepare(self) -> None:
        """Load what the security needs now (the credential: its password, its expiry), so
        that a problem with it is said before any work starts."""
        prepare = getattr(self.security, "prepare", None)
        if callable(prepare):
            prepare()

    def bulk_upload(
        self, org_code: str, request_id: str, applications: Sequence[Application]
    ) -> str:
        where = messages.first_unsendable(applications)
        if where:
            raise RegistryFault(
                0,
                "Cannot be sent",
                f"{where} is a character XML cannot carry, so request {request_id} could never "
                "be sent, nor processed by the registry; correct that client's record",
                arrival=Arrival.NEVER,
            )
        body = _built(messages.bulk_upload, org_code, request_id, applications)
        return messages.read_receipt(self._call("BulkUpload", body))

    def bulk_upload_retrieve(self, org_code: str, receipt_number: str) -> BulkResults:
        body = messages.bulk_upload_retrieve(receipt_number)
        try:
            return messages.read_bulk_results(self._call("BulkUploadRetrieve", body))
        except RegistryFault as fault:
            if any(words in fault.message.lower() for words in NOT_PROCESSED):
                raise NotProcessedYet(fault.message) from None
            raise

    def verify_usi(self, org_code: str, verification: Verification) -> VerificationResult:
        answer = self._call("VerifyUSI", _built(messages.verify_usi, org_code, verification))
        return messages.read_verification_results(answer, [verification.usi])[0]

    def bulk_verify_usi(
        self, org_code: str, verifications: Sequence[Verification]
    ) -> list[VerificationResult]:
        body = _built(messages.bulk_verify_usi, org_code, verifications)
        answer = self._call("BulkVerifyUSI", body)
        return messages.read_verification_results(answer, [v.usi for v in verifications])

    def get_countries(self, org_code: str) -> list[Country]:
        answer = self._call("GetCountries", _built(messages.get_countries, org_code))
        return messages.read_countries(answer)

    def get_non_dvs_document_types(self, org_code: str) -> list[NonDvsType]:
        body = _built(single_messages.get_non_dvs_document_types, org_code)
        return single_messages.read_non_dvs_types(self._call("GetNonDvsDocumentTypes", body))

    def create_usi(
        self, org_code: str, request_id: str, application: Application
    ) -> ApplicationResult:
        """Safe to repeat: the request id is the same each time, and the registry answers a
        person it knows with MatchFound and their USI, so a second sending creates nothing."""
        where = messages.first_unsendable([application])
        if where:
            message = f"{where} is a character XML cannot carry; correct that client's record"
            raise RegistryFault(0, "Cannot be sent", message, arrival=Arrival.NEVER)
        body = _built(single_messages.create_usi, org_code, request_id, application)
        return single_messages.read_create_response(self._call("CreateUSI", body))

    def locate_usi(self, org_code: str, locate: Locate) -> LocateResult:
        body = _built(single_messages.locate_usi, org_code, locate)
        return single_messages.read_locate_response(self._call("LocateUSI", body))

    def _call(self, operation: str, body: etree._Element) -> etree._Element:
        """Send one request; transient failures are retried with growing pauses, and a
        refused security (an expired token, say) once more with a new token.

        Every operation is safe to repeat: BulkUpload is deduplicated by its request id.
        """
        last: RegistryFault | None = None
        renewed = False
        attempt = 0
        while attempt < self.attempts:
            if attempt and last is not None:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            attempt += 1
            envelope = messages.envelope(operation, copy.deepcopy(body), to=self.endpoint)
            try:
                self.security.secure(envelope)
                data = self._post(operation, messages.serialise(envelope))
                action, answer = messages.read_envelope(
                    data, answering=messages.message_id(envelope)
                )
            except RegistryFault as fault:
                if fault.title == SECURITY_REFUSED and not renewed and self.security.refused():
                    renewed, last = True, None
                    attempt -= 1  # the same attempt again, with a new token
                    continue
                if not fault.transient:
                    raise
                last = fault
                continue
            if action and not action.endswith(operation + "Response"):
                last = RegistryFault(0, "Unexpected answer", f"got {action} for {operation}",
                                     transient=True)  # fmt: skip
                continue
            return answer
        assert last is not None
        raise RegistryFault(
            last.code or SERVICE_UNAVAILABLE,
            last.title,
            f"{last.message} (gave up after {self.attempts} attempts)",
            transient=True,
        )

    def _post(self, operation: str, data: bytes) -> bytes:
        action = messages.ACTION.format(operation=operation)
        try:
            answer = transport.post(
                self.endpoint,
                data,
                content_type=f'application/soap+xml; charset=utf-8; action="{action}"',
                timeout=self.timeout,
                max_bytes=self.max_answer_bytes,
            )
        except transport.Unreachable as exc:
            raise RegistryFault(
                SERVICE_UNAVAILABLE, "Service Unavailable", str(exc), transient=True
            ) from None
        self.last_answer = answer
        if 300 <= answer.status < 400:
            raise RegistryFault(
                answer.status,
                "Redirected",
                f"the service answered HTTP {answer.status}, a redirect to "
                f"{answer.location or 'an unnamed address'}; redirects are not followed: "
                "check the registry's address",
            )
        if answer.status >= 400 and answer.body.lstrip().startswith(b"<"):
            try:
                messages.read_envelope(answer.body)
            except RegistryFault as fault:
                if fault.title != messages.UNREADABLE:
                    raise
        if answer.status >= 400:
            raise RegistryFault(
                answer.status, "HTTP error", f"the service answered HTTP {answer.status}",
                transient=answer.status >= 500 or answer.status == 429,
            )  # fmt: skip
        return answer.body


def _built(build: Callable[..., etree._Element], *args: object) -> etree._Element:
    """A request body; a value XML cannot carry refuses it before anything is sent."""
    try:
        return build(*args)
    except ValueError as exc:
        raise RegistryFault(0, "Cannot be sent", f"a value cannot be sent as XML ({exc})",
                            arrival=Arrival.NEVER) from None  # fmt: skip
