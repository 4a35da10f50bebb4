"""The one interface every USI Registry client implements, and the results they return.

`OfflineRegistry` (a simulator) and `SoapRegistry` (the registry's version 5 web service)
both implement `Registry`; the batch workflow only ever sees this interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from usikit.errors import Arrival, RegistryFault

MAX_APPLICATIONS = 500  # the registry's limit per BulkUpload request
MAX_VERIFICATIONS = 500  # the schema's limit per BulkVerifyUSI request (maxOccurs)
SUCCESS, FAILURE, MATCH_FOUND = "Success", "Failure", "MatchFound"
VALID, INVALID, DEACTIVATED = "Valid", "Invalid", "Deactivated"  # a verified USI's status
MATCH, NO_MATCH = "Match", "NoMatch"  # each name and the date of birth, verified
# LocateUSI's results: only EXACT gives a USI.
EXACT, MULTIPLE_EXACT = "Exact", "MultipleExact"
SINGLE_NO_CONTACT_MATCH, MULTIPLE_NO_CONTACT_MATCH = (
    "SingleNoContactMatch",
    "MultipleNoContactMatch",
)
NO_LOCATE_MATCH, NO_IDENTICAL_STRONG_PARTIAL = "NoMatch", "NoIdenticalStrongPartial"


@dataclass(frozen=True)
class Document:
    """An identity document as the registry names it: its schema type and fields in order."""

    registry_type: str  # e.g. "MedicareDocumentType"
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Application:
    """One create-USI application, in the registry's own field names and order."""

    application_id: str
    user_reference: str
    contact: tuple[tuple[str, object], ...]  # values are text or nested (name, value) tuples
    personal: tuple[tuple[str, str], ...]
    document: Document | None = None
    non_dvs_document_type_id: int | None = None

    @property
    def dvs_check_required(self) -> bool:
        return self.document is not None

    def personal_value(self, name: str) -> str:
        return dict(self.personal).get(name, "")


@dataclass(frozen=True)
class RegistryError:
    code: str  # "E123"
    message: str  # at most 255 characters


@dataclass(frozen=True)
class ApplicationResult:
    application_id: str
    result: str  # Success | Failure | MatchFound
    identity_document_verified: str  # True | False | NotRequired
    processed_date: str  # ISO date-time
    usi: str = ""
    errors: tuple[RegistryError, ...] = ()


@dataclass(frozen=True)
class BulkResults:
    request_id: str
    applications: tuple[ApplicationResult, ...]

    @property
    def failed(self) -> int:
        return sum(1 for a in self.applications if a.result == FAILURE)


@dataclass(frozen=True)
class Verification:
    """A USI to check against a person's names and date of birth (ISO)."""

    record_id: int
    usi: str
    first_name: str = ""
    family_name: str = ""
    single_name: str = ""
    date_of_birth: str = ""


@dataclass(frozen=True)
class VerificationResult:
    record_id: int
    usi: str
    usi_status: str  # Valid | Invalid | Deactivated
    matches: dict[str, str] = field(default_factory=dict)  # field -> Match | NoMatch


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    is_current: bool = True


@dataclass(frozen=True)
class NonDvsType:
    """A kind of evidence the registry accepts for a student without an identity document."""

    id: int
    name: str
    sort_order: int = 0


@dataclass(frozen=True)
class Locate:
    """A LocateUSI request: who prepared it and the person, in the registry's field names."""

    user_reference: str
    personal: tuple[tuple[str, str], ...]  # Gender, names, DateOfBirth, TownCityOfBirth
    contact: tuple[tuple[str, object], ...]  # as an Application's, every element optional

    def personal_value(self, name: str) -> str:
        return dict(self.personal).get(name, "")

    def contact_value(self, name: str) -> str:
        """A contact detail; a phone by its kind ("Mobile", "Home")."""
        flat = dict(self.contact)
        phones = flat.get("Phone", ())
        if isinstance(phones, tuple) and name in dict(phones):
            return str(dict(phones)[name])
        value = flat.get(name, "")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class LocateResult:
    result: str  # Exact | MultipleExact | SingleNoContactMatch | ... | NoMatch
    usi: str = ""  # only with Exact
    contact_message: str = ""  # the registry's words on how the student can be reached
    errors: tuple[RegistryError, ...] = ()


SERVICE_UNAVAILABLE = 1001
GENERIC_VALIDATION = 1002
ORGANISATION_NOT_AUTHORISED = 2002
UNVERIFIED_IDENTITY = 2004

# What the registry's own fault codes prove about the request they answer (see `arrival_of`).
# A validation fault is the registry's verdict on the request itself, and the registry answers
# a request id it already holds with its receipt, so it proves the registry holds nothing for
# it. An authorisation fault proves only that this sending was refused: an earlier sending
# (a run that died before recording its receipt) may have been accepted.
ARRIVAL_BY_CODE = {
    GENERIC_VALIDATION: Arrival.NEVER,
    ORGANISATION_NOT_AUTHORISED: Arrival.NOT_THIS_TIME,
    UNVERIFIED_IDENTITY: Arrival.NOT_THIS_TIME,
}


def arrival_of(fault: RegistryFault) -> Arrival:
    """What `fault` proves about its request: what its sender said, else what its code says;
    any other fault (an HTTP error, a redirect, an unknown code) proves nothing."""
    if fault.arrival is not None:
        return fault.arrival
    return ARRIVAL_BY_CODE.get(fault.code, Arrival.UNKNOWN)


def created_nothing(fault: RegistryFault, *, first_sending: bool) -> bool:
    """Whether `fault` proves the registry created nothing for its request. `first_sending`:
    the request was recorded by this run, so no earlier sending can have reached it."""
    arrival = arrival_of(fault)
    return arrival is Arrival.NEVER or (first_sending and arrival is Arrival.NOT_THIS_TIME)


# Who issued a result or a USI, by the registry's stored `name`. Only the USI Registry's own
# service (a `SoapRegistry` at its published addresses) is named LIVE_NAME; the simulator and
# any other SOAP endpoint are not the USI Registry, and what they issue is not a real USI.
LIVE_NAME, SIMULATOR_NAME, ENDPOINT_NAME = "USI Registry", "offline simulator", "SOAP endpoint"
TEST_NAME = "USI Registry test environment (3PT)"  # the registry's own, but its USIs are tests
# Before schema version 3 both the production and the 3PT addresses were called LIVE_NAME: what
# they issued then cannot be told apart, so it is not taken for a real USI (sent again, the
# USI Registry answers a person it knows with their USI).
UNCERTAIN_NAME = "USI Registry or 3PT (before v3)"
NOT_THE_REGISTRY = (SIMULATOR_NAME, ENDPOINT_NAME, TEST_NAME, UNCERTAIN_NAME)


def is_the_registry(name: str | None) -> bool:
    """Whether a registry, by its stored name, is the USI Registry itself."""
    return name == LIVE_NAME


def describe(name: str | None) -> str:
    """A registry's stored name as every output shows it: says so when it is not the registry."""
    if not name:
        return ""
    if name == UNCERTAIN_NAME:
        return (
            "USI Registry or its 3PT test environment (recorded before usikit told them "
            "apart, so not counted as the USI Registry)"
        )
    return name if is_the_registry(name) else f"{name} (not the USI Registry)"


def may_finish(stored: str | None, registry_name: str) -> bool:
    """Whether a batch sent to the registry named `stored` may be finished (sent, retrieved)
    through the registry named `registry_name`: only through the one it was sent to."""
    if not stored or stored == registry_name:
        return True
    return stored == UNCERTAIN_NAME and registry_name in (LIVE_NAME, TEST_NAME)


class Registry(Protocol):
    """What the batch workflow needs from a USI Registry."""

    name: str  # short, stored with each batch: "offline simulator", "USI Registry", ...
    label: str  # shown in every output: says plainly whether this is a simulator

    def bulk_upload(
        self, org_code: str, request_id: str, applications: Sequence[Application]
    ) -> str:
        """Send up to 500 applications; the receipt number. Idempotent per request id."""
        ...

    def bulk_upload_retrieve(self, org_code: str, receipt_number: str) -> BulkResults:
        """The results of a bulk request, or NotProcessedYet."""
        ...

    def verify_usi(self, org_code: str, verification: Verification) -> VerificationResult: ...

    def bulk_verify_usi(
        self, org_code: str, verifications: Sequence[Verification]
    ) -> list[VerificationResult]: ...

    def get_countries(self, org_code: str) -> list[Country]: ...

    def get_non_dvs_document_types(self, org_code: str) -> list[NonDvsType]: ...

    def create_usi(
        self, org_code: str, request_id: str, application: Application
    ) -> ApplicationResult:
        """One application answered at once (CreateUSI); a repeated request id gets the
        first answer, and a person the registry knows gets MatchFound with their USI."""
        ...

    def locate_usi(self, org_code: str, locate: Locate) -> LocateResult:
        """The USI of a person who has one (LocateUSI); nothing is created."""
        ...
