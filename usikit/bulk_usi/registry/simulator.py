"""A faithful offline simulator of the USI Registry's service. It is not the registry.

It keeps its state in the workspace, answers `BulkUpload` with a 36-character receipt, makes
the results available after a configurable delay, issues new USIs with valid check
characters, and answers `MatchFound` with the existing USI when the same person (names and
date of birth) already has one. `CreateUSI` is answered at once, with a USI derived from the
person (the same person gets the same USI in every new workspace). A few documented inputs
fail the way the Document Verification Service would fail them (`SIMULATED_FAILURES`); a
USI it did not issue is Invalid, or Deactivated when it starts with `DEACTIVATED_PREFIX`.
LocateUSI's cases are `usikit.bulk_usi.registry.simulator_locate`'s. The error codes are
the simulator's own: the live registry's codes and wording differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import func, select

from usikit.bulk_usi import countries
from usikit.bulk_usi.registry.base import (
    DEACTIVATED,
    FAILURE,
    GENERIC_VALIDATION,
    INVALID,
    MATCH,
    MATCH_FOUND,
    MAX_APPLICATIONS,
    NO_MATCH,
    SIMULATOR_NAME,
    SUCCESS,
    VALID,
    Application,
    ApplicationResult,
    BulkResults,
    Country,
    Locate,
    LocateResult,
    NonDvsType,
    RegistryError,
    Verification,
    VerificationResult,
)
from usikit.bulk_usi.registry.simulator_locate import locate_person
from usikit.bulk_usi.registry.simulator_tables import simulator_people, simulator_requests
from usikit.errors import NotProcessedYet, RegistryFault
from usikit.identifiers import medicare, usi
from usikit.settings import DEFAULT_OFFLINE_DELAY
from usikit.store.engine import Workspace

LABEL = "offline simulator (not the USI Registry; no USI it issues is real)"
DEFAULT_DELAY = dt.timedelta(seconds=DEFAULT_OFFLINE_DELAY)
ORG_CODE = re.compile(r"[A-Za-z0-9]{1,8}")
UNVERIFIABLE_SUFFIX = "0000"  # a document number ending so is one the DVS cannot verify
DEACTIVATED_PREFIX = "DEAD"  # a USI it did not issue starting so is answered Deactivated
SIMULATED_FAILURES = {
    "E101": "The Medicare card number is not valid.",
    "E102": "The identity document could not be verified with the issuing body.",
    "E103": "The family name does not match the name on the Medicare card.",
}
NON_DVS_DOCUMENT_TYPES = (  # the simulator's answer to GetNonDvsDocumentTypes (its own)
    NonDvsType(1, "Statutory declaration", 1),
    NonDvsType(2, "Letter from an education provider", 2),
    NonDvsType(3, "Other evidence sighted by the organisation", 3),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def person_key(first: str, family: str, single: str, born: str) -> str:
    """Names (case folded) and date of birth: how the simulator tells a person is known."""
    return "|".join(part.casefold().strip() for part in (first, family, single, born))


class OfflineRegistry:
    """The simulator behind the `Registry` interface; state lives in `workspace`."""

    name = SIMULATOR_NAME
    label = LABEL
    is_simulator = True

    def __init__(
        self,
        workspace: Workspace,
        *,
        delay: dt.timedelta = DEFAULT_DELAY,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.workspace, self.delay, self.clock = workspace, delay, clock

    def bulk_upload(
        self, org_code: str, request_id: str, applications: Sequence[Application]
    ) -> str:
        _check_org(org_code)
        _check_request(request_id, applications)
        digest = _digest(applications)
        with self.workspace.begin() as connection:
            known = connection.execute(
                select(simulator_requests.c.receipt_number, simulator_requests.c.digest).where(
                    simulator_requests.c.org_code == org_code,
                    simulator_requests.c.request_id == request_id,
                )
            ).first()
            if known is not None:  # the same request again: answered once, never twice
                if known.digest != digest:
                    raise RegistryFault(
                        GENERIC_VALIDATION,
                        "Generic Validation",
                        f"RequestId {request_id} was already used for other applications.",
                    )
                return known.receipt_number
            received = self.clock()
            seed = f"{org_code}:{request_id}"
            results = self._decide_all(connection, seed, applications, received)
            self._keep(connection, org_code, request_id, digest, received, self.delay, results)
        return _receipt(org_code, request_id)

    def create_usi(
        self, org_code: str, request_id: str, application: Application
    ) -> ApplicationResult:
        """One application decided at once; the same request id again gets the same answer."""
        _check_org(org_code)
        _check_request(request_id, [application])
        digest = _digest([application])
        with self.workspace.begin() as connection:
            known = connection.execute(
                select(simulator_requests.c.results, simulator_requests.c.digest).where(
                    simulator_requests.c.org_code == org_code,
                    simulator_requests.c.request_id == request_id,
                )
            ).first()
            if known is not None:
                if known.digest != digest:
                    raise RegistryFault(
                        GENERIC_VALIDATION,
                        "Generic Validation",
                        f"RequestId {request_id} was already used for another application.",
                    )
                return _result_from_json(json.loads(known.results)[0])
            received = self.clock()
            # Seeded by the person, not the request: the same student gets the same USI in
            # every new workspace (the README's walkthrough relies on it).
            results = self._decide_all(connection, f"{org_code}:create", [application], received)
            self._keep(connection, org_code, request_id, digest, received, dt.timedelta(0),
                       results)  # fmt: skip
        return _result_from_json(results[0])

    def _keep(self, connection, org_code, request_id, digest, received, delay, results) -> None:
        """Record a request and its decided results: a repeat is answered from here."""
        connection.execute(
            simulator_requests.insert().values(
                org_code=org_code,
                request_id=request_id,
                receipt_number=_receipt(org_code, request_id),
                digest=digest,
                received_at=received,
                ready_at=received + delay,
                applications=len(results),
                results=json.dumps(results),
            )
        )

    def add_person(
        self, first: str, family: str, single: str, born: str, *, email: str = "", mobile: str = ""
    ) -> str:
        """Give a person a USI without an application (their USI): how a test or a demo
        makes the registry know namesakes, people with the same names and date of birth."""
        key = person_key(first, family, single, born)
        when = self.clock()
        with self.workspace.begin() as connection:
            count = connection.execute(select(func.count()).select_from(simulator_people))
            seed = f"person:{key}:{count.scalar_one()}"
            issued = _new_usis(connection, seed, [key])[key]
            connection.execute(
                simulator_people.insert().values(
                    usi=issued, person_key=key, first_name=first, family_name=family,
                    single_name=single, date_of_birth=born, created_at=when, email=email,
                    mobile=mobile,
                )
            )  # fmt: skip
        return issued

    def locate_usi(self, org_code: str, locate: Locate) -> LocateResult:
        _check_org(org_code)
        if not locate.personal_value("DateOfBirth"):
            raise RegistryFault(GENERIC_VALIDATION, "Generic Validation",
                                "DateOfBirth is required.")  # fmt: skip
        with self.workspace.begin() as connection:
            return locate_person(connection, locate)

    def bulk_upload_retrieve(self, org_code: str, receipt_number: str) -> BulkResults:
        _check_org(org_code)
        return self.retrieve_by_receipt(receipt_number, org_code=org_code)

    def retrieve_by_receipt(self, receipt_number: str, *, org_code: str | None = None):
        """The results of a request (its receipt identifies it: the SOAP call has no OrgCode)."""
        with self.workspace.begin() as connection:
            row = connection.execute(
                select(simulator_requests).where(
                    simulator_requests.c.receipt_number == receipt_number
                )
            ).first()
        if row is None or (org_code is not None and row.org_code != org_code):
            raise RegistryFault(
                GENERIC_VALIDATION,
                "Generic Validation",
                f"Receipt number {receipt_number} was not found.",
            )
        ready = row.ready_at if row.ready_at.tzinfo else row.ready_at.replace(tzinfo=dt.UTC)
        if self.clock() < ready:
            raise NotProcessedYet(f"request {row.request_id} is not processed yet")
        return BulkResults(
            row.request_id, tuple(_result_from_json(item) for item in json.loads(row.results))
        )

    def verify_usi(self, org_code: str, verification: Verification) -> VerificationResult:
        return self.bulk_verify_usi(org_code, [verification])[0]

    def bulk_verify_usi(
        self, org_code: str, verifications: Sequence[Verification]
    ) -> list[VerificationResult]:
        _check_org(org_code)
        wanted = [v.usi for v in verifications]
        with self.workspace.begin() as connection:
            rows = connection.execute(
                select(simulator_people).where(simulator_people.c.usi.in_(wanted))
            ).all()
        people = {row.usi: row for row in rows}
        return [_verify(v, people.get(v.usi)) for v in verifications]

    def get_countries(self, org_code: str) -> list[Country]:
        _check_org(org_code)
        table = countries.all_countries()
        table = table[table["kind"] == "country"]
        return [
            Country(code, name) for code, name in zip(table["code"], table["name"], strict=True)
        ]

    def get_non_dvs_document_types(self, org_code: str) -> list[NonDvsType]:
        _check_org(org_code)
        return list(NON_DVS_DOCUMENT_TYPES)

    def _decide_all(self, connection, seed, applications, received) -> list:
        """The outcome of each application, decided (and new USIs recorded) on receipt."""
        keys = [_key_of(a) for a in applications]
        known = dict(
            connection.execute(
                select(simulator_people.c.person_key, simulator_people.c.usi).where(
                    simulator_people.c.person_key.in_(set(keys))
                )
            ).all()
        )
        when, outcomes, people = received.isoformat(), [], []
        for application, key in zip(applications, keys, strict=True):
            identifier = application.application_id
            verified = "True" if application.document else "NotRequired"
            failure = _document_failure(application)
            if failure:
                outcomes.append(_as_json(identifier, FAILURE, "False", when, "", *failure))
            elif key in known:
                outcomes.append(_as_json(identifier, MATCH_FOUND, verified, when, known[key]))
            else:
                known[key] = ""  # decided below: a later duplicate in this request matches it
                people.append(_person_row(application, "", key, received))
                outcomes.append(_as_json(identifier, SUCCESS, verified, when, ""))
        issued = _new_usis(connection, seed, [p["person_key"] for p in people])
        for person in people:
            person["usi"] = known[person["person_key"]] = issued[person["person_key"]]
        for outcome, key in zip(outcomes, keys, strict=True):
            if outcome["result"] in (SUCCESS, MATCH_FOUND) and not outcome["usi"]:
                outcome["usi"] = known[key]
        if people:
            connection.execute(simulator_people.insert(), people)
        return outcomes


def _new_usis(connection, seed: str, keys: list[str]) -> dict[str, str]:
    """A new USI for each person key, derived from the request so a replay issues the same
    ones; any that clash with an existing USI are drawn again."""
    issued: dict[str, str] = {}
    pending = {key: 0 for key in keys}
    while pending:
        drawn = {key: _derived_usi(f"{seed}:{key}:{attempt}") for key, attempt in pending.items()}
        twice = {value for value, times in Counter(drawn.values()).items() if times > 1}
        clashes = (
            set(
                connection.execute(
                    select(simulator_people.c.usi).where(simulator_people.c.usi.in_(drawn.values()))
                ).scalars()
            )
            | (set(drawn.values()) & set(issued.values()))
            | twice
        )
        for key, candidate in drawn.items():
            if candidate in clashes:
                pending[key] += 1
            else:
                issued[key] = candidate
                del pending[key]
    return issued


def _derived_usi(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    stem = "".join(usi.ALPHABET[b % len(usi.ALPHABET)] for b in digest[:9])
    if stem.startswith(DEACTIVATED_PREFIX):  # never issued: such USIs are the deactivated ones
        stem = "2" + stem[1:]
    return stem + usi.check_character(stem)


def _receipt(org_code: str, request_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"usikit:{org_code}:{request_id}"))


def _key_of(application: Application) -> str:
    person = application.personal_value
    return person_key(
        person("FirstName"), person("FamilyName"), person("SingleName"), person("DateOfBirth")
    )


def _person_row(application: Application, issued: str, key: str, when: dt.datetime) -> dict:
    person = application.personal_value
    reached = Locate("", (), application.contact)  # reads contact details as LocateUSI does
    return {
        "email": reached.contact_value("EmailAddress"),
        "mobile": reached.contact_value("Mobile"),
        "usi": issued,
        "person_key": key,
        "first_name": person("FirstName"),
        "family_name": person("FamilyName"),
        "single_name": person("SingleName"),
        "date_of_birth": person("DateOfBirth"),
        "created_at": when,
    }


def _document_failure(application: Application) -> tuple[str, str] | None:
    """The DVS outcomes the simulator reproduces, as (code, message), or None."""
    document = application.document
    if document is None:
        return None
    fields = dict(document.fields)
    number = next(iter(fields.values()), "") if fields else ""
    if document.registry_type == "MedicareDocumentType":
        if not medicare.is_valid_number(fields.get("MedicareCardNumber", "")):
            return "E101", SIMULATED_FAILURES["E101"]
        on_card = " ".join(v for k, v in fields.items() if k.startswith("NameLine")).casefold()
        family = (
            application.personal_value("FamilyName") or application.personal_value("SingleName")
        ).casefold()
        if family and family not in on_card:
            return "E103", SIMULATED_FAILURES["E103"]
    if number.endswith(UNVERIFIABLE_SUFFIX):
        return "E102", SIMULATED_FAILURES["E102"]
    return None


def _verify(verification: Verification, person) -> VerificationResult:
    if person is None:
        deactivated = usi.is_valid(verification.usi) and verification.usi.startswith(
            DEACTIVATED_PREFIX
        )
        status = DEACTIVATED if deactivated else INVALID
        return VerificationResult(verification.record_id, verification.usi, status)

    def match(given: str, known: str) -> str:
        return MATCH if given.casefold().strip() == known.casefold().strip() else NO_MATCH

    if verification.single_name:
        matches = {"SingleName": match(verification.single_name, person.single_name)}
    else:
        matches = {
            "FirstName": match(verification.first_name, person.first_name),
            "FamilyName": match(verification.family_name, person.family_name),
        }
    matches["DateOfBirth"] = match(verification.date_of_birth, person.date_of_birth)
    return VerificationResult(verification.record_id, verification.usi, VALID, matches)


def _check_org(org_code: str) -> None:
    if not ORG_CODE.fullmatch(org_code or ""):
        raise RegistryFault(
            GENERIC_VALIDATION,
            "Generic Validation",
            f"OrgCode '{org_code}' is not 1 to 8 letters or digits.",
        )


def _check_request(request_id: str, applications: Sequence[Application]) -> None:
    problems = []
    if not request_id or len(request_id) > 20:
        problems.append("RequestId must be 1 to 20 characters")
    if not 1 <= len(applications) <= MAX_APPLICATIONS:
        problems.append(f"a request holds 1 to {MAX_APPLICATIONS} applications")
    ids = [a.application_id for a in applications]
    if len(set(ids)) != len(ids):
        problems.append("ApplicationId must be unique in the request")
    if problems:
        raise RegistryFault(GENERIC_VALIDATION, "Generic Validation", "; ".join(problems) + ".")


def _digest(applications: Sequence[Application]) -> str:
    return hashlib.sha256(repr(applications).encode()).hexdigest()


def _as_json(
    application_id: str,
    result: str,
    verified: str,
    processed: str,
    issued: str = "",
    code: str = "",
    message: str = "",
) -> dict:
    return {
        "application_id": application_id,
        "result": result,
        "identity_document_verified": verified,
        "processed_date": processed,
        "usi": issued,
        "errors": [[code, message]] if code else [],
    }


def _result_from_json(item: dict) -> ApplicationResult:
    return ApplicationResult(
        application_id=item["application_id"],
        result=item["result"],
        identity_document_verified=item["identity_document_verified"],
        processed_date=item["processed_date"],
        usi=item["usi"],
        errors=tuple(RegistryError(code, message) for code, message in item["errors"]),
    )
