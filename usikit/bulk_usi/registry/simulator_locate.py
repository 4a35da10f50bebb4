"""How the offline simulator answers LocateUSI: deterministic cases over the people it knows.

Names are compared case-folded and trimmed, the date of birth exactly; the contact details
that count are the email address (case-folded) and the mobile number (digits only).

- one person with these names and date of birth, whose email or mobile is the one given:
  Exact, with the USI;
- several such people with the contact details given: MultipleExact;
- one such person, the contact details given not theirs (or none given):
  SingleNoContactMatch;
- several such people, none with the contact details given: MultipleNoContactMatch;
- nobody with these names, but someone with this date of birth and the same first or family
  name: NoIdenticalStrongPartial;
- nobody of the kind: NoMatch.

Several people with the same names and date of birth (namesakes) exist in the simulator only
when added with `OfflineRegistry.add_person`: its applications answer such a person with
MatchFound instead.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, select

from usikit.bulk_usi.registry.base import (
    EXACT,
    MULTIPLE_EXACT,
    MULTIPLE_NO_CONTACT_MATCH,
    NO_IDENTICAL_STRONG_PARTIAL,
    NO_LOCATE_MATCH,
    SINGLE_NO_CONTACT_MATCH,
    Locate,
    LocateResult,
)
from usikit.bulk_usi.registry.simulator_tables import simulator_people

MESSAGES = {  # the simulator's own words for ContactDetailsMessage
    MULTIPLE_EXACT: "More than one student matches these details; the student can find "
    "their USI online, or contact the USI Office.",
    SINGLE_NO_CONTACT_MATCH: "A student matches these details, but not the contact details "
    "given; the student can find their USI online, or contact the USI Office.",
    MULTIPLE_NO_CONTACT_MATCH: "More than one student matches these details, none with the "
    "contact details given; the student can contact the USI Office.",
    NO_IDENTICAL_STRONG_PARTIAL: "A student with some of these details is known, but no "
    "student with all of them; check the names and the date of birth.",
}


def _folded(text: object) -> str:
    return str(text or "").casefold().strip()


def _digits(text: object) -> str:
    return re.sub(r"[^0-9]", "", str(text or ""))


def locate_person(connection: Connection, locate: Locate) -> LocateResult:
    """The simulator's answer to `locate` (see the module's cases)."""
    person = locate.personal_value
    rows = connection.execute(
        select(simulator_people).where(simulator_people.c.date_of_birth == person("DateOfBirth"))
    ).all()
    first, family, single = (_folded(person(n)) for n in ("FirstName", "FamilyName", "SingleName"))
    if single:
        same = [r for r in rows if _folded(r.single_name) == single]
        partial: list = []
    else:
        same = [
            r for r in rows if (_folded(r.first_name), _folded(r.family_name)) == (first, family)
        ]
        partial = [r for r in rows if _folded(r.first_name) == first or
                   _folded(r.family_name) == family]  # fmt: skip
    if not same:
        kind = NO_IDENTICAL_STRONG_PARTIAL if partial else NO_LOCATE_MATCH
        return LocateResult(kind, contact_message=MESSAGES.get(kind, ""))
    email = _folded(locate.contact_value("EmailAddress"))
    mobile = _digits(locate.contact_value("Mobile"))
    reached = [
        r
        for r in same
        if (email and _folded(r.email) == email) or (mobile and _digits(r.mobile) == mobile)
    ]
    if len(reached) == 1:
        return LocateResult(EXACT, usi=reached[0].usi)
    if reached:
        kind = MULTIPLE_EXACT
    else:
        kind = SINGLE_NO_CONTACT_MATCH if len(same) == 1 else MULTIPLE_NO_CONTACT_MATCH
    return LocateResult(kind, contact_message=MESSAGES[kind])
