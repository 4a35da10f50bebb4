"""A client for the USI Registry's version 5 web service (SOAP 1.2, WS-Addressing).

Security is pluggable. The live service accepts a request only with a WS-Security header
carrying a token the ATO's security token service issues against the organisation's machine
(M2M) credential, and signed with it. Obtaining that token is a separate step that needs the
organisation's credential keystore and the ATO's token service (the WSDL's issuer
`softwareauthorisations.*.ato.gov.au`); usikit does not do it. Give `SoapRegistry` a
`TokenProvider` whose `security_header()` returns the ready `wsse:Security` element (for
example from your organisation's gateway or the vendor library that holds the credential).
`LocalToken` is for usikit's own local endpoint only.
"""

from __future__ import annotations

import importlib
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Protocol

from usikit.bulk_usi.registry import messages
from usikit.bulk_usi.registry.base import (
    ENDPOINT_NAME,
    LIVE_NAME,
    SERVICE_UNAVAILABLE,
    TEST_NAME,
    Application,
    BulkResults,
    Country,
    Verification,
    VerificationResult,
)
from usikit.errors import InputError, NotProcessedYet, RegistryFault

TEST_ENDPOINT = "https://3pt.portal.usi.gov.au/Service/v5/UsiService.svc"
PRODUCTION_ENDPOINT = "https://portal.usi.gov.au/Service/v5/UsiService.svc"
NOT_PROCESSED = ("not yet processed", "not processed yet", "still being processed")


class TokenProvider(Protocol):
    def security_header(self) -> ET.Element | None:
        """The wsse:Security header to send, or None."""
        ...


class NoToken:
    """Sends no security header (only a test endpoint without security accepts that)."""

    def security_header(self) -> ET.Element | None:
        return None


def load_token_provider(spec: str) -> TokenProvider:
    """The `TokenProvider` an organisation's own code makes (`module:function`, called with
    no arguments): usikit never holds the M2M credential, that code does."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise InputError(f"the token provider must be MODULE:FUNCTION, not {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(
            f"the token provider: cannot import {module_name!r} ({exc}); check the name and "
            "that the module is installed in this environment"
        ) from None
    except Exception as exc:  # the organisation's module failed as it loaded
        raise InputError(
            f"the token provider: importing {module_name!r} failed ({type(exc).__name__}: "
            f"{exc}); ask whoever maintains it"
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise InputError(f"the token provider: {module_name!r} has no function {attribute!r}")
    try:
        provider = factory()
    except Exception as exc:  # a missing credential file, an unreachable gateway, ...
        raise InputError(
            f"the token provider: {spec} failed ({type(exc).__name__}: {exc}); check the "
            "organisation's credential it uses, or ask whoever maintains it"
        ) from None
    if not callable(getattr(provider, "security_header", None)):
        raise InputError(
            f"the token provider: {spec} returned {type(provider).__name__}, which has no "
            "security_header() method; it must return a TokenProvider"
        )
    return provider


class LocalToken:
    """A shared secret understood by `usikit registry serve`, never by the live service."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def security_header(self) -> ET.Element:
        security = ET.Element(messages.q("Security", messages.WSSE))
        username = ET.SubElement(security, messages.q("UsernameToken", messages.WSSE))
        ET.SubElement(username, messages.q("Username", messages.WSSE)).text = "usikit"
        ET.SubElement(username, messages.q("Password", messages.WSSE)).text = self.secret
        return security


class SoapRegistry:
    """The `Registry` interface over SOAP: the live registry, or a local endpoint."""

    is_simulator = False

    def __init__(
        self,
        endpoint: str,
        *,
        token: TokenProvider | None = None,
        timeout: float = 60.0,
        attempts: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint, self.token = endpoint, token or NoToken()
        self.timeout, self.attempts, self.backoff, self.sleep = timeout, attempts, backoff, sleep
        if endpoint.startswith(PRODUCTION_ENDPOINT):
            self.name, self.label = LIVE_NAME, f"USI Registry web service at {endpoint}"
        elif endpoint.startswith(TEST_ENDPOINT):  # the registry's, but what it issues is a test
            self.name = TEST_NAME
            self.label = f"{TEST_NAME} at {endpoint} (not the USI Registry: its USIs are tests)"
        else:
            self.name = ENDPOINT_NAME
            self.label = f"SOAP endpoint at {endpoint} (not the USI Registry)"

    def bulk_upload(
        self, org_code: str, request_id: str, applications: Sequence[Application]
    ) -> str:
        body = messages.bulk_upload(org_code, request_id, applications)
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
        answer = self._call("VerifyUSI", messages.verify_usi(org_code, verification))
        return messages.read_verification_results(answer, [verification.usi])[0]

    def bulk_verify_usi(
        self, org_code: str, verifications: Sequence[Verification]
    ) -> list[VerificationResult]:
        answer = self._call("BulkVerifyUSI", messages.bulk_verify_usi(org_code, verifications))
        return messages.read_verification_results(answer, [v.usi for v in verifications])

    def get_countries(self, org_code: str) -> list[Country]:
        return messages.read_countries(self._call("GetCountries", messages.get_countries(org_code)))

    def _call(self, operation: str, body: ET.Element) -> ET.Element:
        """Send one request; transient failures are retried with growing pauses.

        Every operation is safe to repeat: BulkUpload is deduplicated by its request id.
        """
        request = messages.envelope(
            operation, body, to=self.endpoint, security=self.token.security_header()
        )
        last: RegistryFault | None = None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                action, answer = messages.read_envelope(self._post(operation, request))
            except RegistryFault as fault:
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
        request = urllib.request.Request(
            self.endpoint,
            data=data,
            method="POST",
            headers={"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            body = error.read()
            if body.strip().startswith(b"<"):
                try:
                    messages.read_envelope(body)
                except RegistryFault as fault:
                    if error.code >= 500 and fault.code == 0:
                        fault.transient = True
                    raise fault from None
            raise RegistryFault(
                error.code, "HTTP error", f"the service answered HTTP {error.code}",
                transient=error.code >= 500 or error.code == 429,
            ) from None  # fmt: skip
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            message = f"could not reach {self.endpoint} ({reason})"
            raise RegistryFault(
                SERVICE_UNAVAILABLE, "Service Unavailable", message, transient=True
            ) from None
