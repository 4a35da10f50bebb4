"""The registry's own lists: the kinds of evidence it accepts for a student without an identity
document (GetNonDvsDocumentTypes) and its countries (GetCountries).

Both are kept in the workspace with the day they were fetched, one copy per registry (the
simulator's list is not the registry's). An evidence type may be named by its id or by its
name; a name not in the kept list has the list fetched again. The countries are compared
with the SACC table usikit checks Country of Birth and Residence against
(`usikit.bulk_usi.countries`), so that a difference is seen before the registry refuses an
application for it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from usikit.bulk_usi import countries
from usikit.bulk_usi.registry.base import Country, NonDvsType, Registry
from usikit.bulk_usi.tables import registry_lists
from usikit.errors import Do, InputError, step
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import Role

EVIDENCE, COUNTRIES = "evidence types", "countries"


@dataclass(frozen=True)
class RegistryLists:
    """A registry's lists as kept, and when they were fetched (None: never)."""

    registry: str  # the registry's name
    evidence_types: list[NonDvsType]
    countries: list[Country]
    fetched_at: dt.datetime | None


@dataclass
class CountryDifferences:
    """How the registry's countries differ from the SACC table usikit checks against."""

    only_registry: list[Country] = field(default_factory=list)  # current, unknown to SACC
    only_sacc: list[tuple[str, str]] = field(default_factory=list)  # (code, name) not current
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, SACC, registry

    @property
    def none(self) -> bool:
        return not (self.only_registry or self.only_sacc or self.renamed)

    def lines(self) -> list[str]:
        """Each difference in words."""
        return [
            *(f"{c.code} {c.name}: the registry's, not in the SACC table (usikit refuses it)"
              for c in self.only_registry),
            *(f"{code} {name}: in the SACC table, not a current country of the registry's"
              for code, name in self.only_sacc),
            *(f"{code}: '{sacc}' in the SACC table, '{theirs}' at the registry"
              for code, sacc, theirs in self.renamed),
        ]  # fmt: skip


def refresh_lists(workspace: Workspace, registry: Registry, *, org_code: str) -> RegistryLists:
    """Fetch both lists from the registry and keep them (replacing the kept ones)."""
    with acting(workspace, Role.USI_BATCHES, "fetch the registry's lists"):
        types = sorted(registry.get_non_dvs_document_types(org_code), key=lambda t: t.sort_order)
        found = registry.get_countries(org_code)
        stamp = now()
        with workspace.begin() as connection:
            for kind, content in (
                (EVIDENCE, [[t.id, t.name, t.sort_order] for t in types]),
                (COUNTRIES, [[c.code, c.name, c.is_current] for c in found]),
            ):
                where = (registry_lists.c.registry == registry.name) & (
                    registry_lists.c.kind == kind
                )
                connection.execute(registry_lists.delete().where(where))
                connection.execute(
                    registry_lists.insert().values(
                        registry=registry.name, kind=kind, fetched_at=stamp,
                        content=json.dumps(content),
                    )
                )  # fmt: skip
            audit.record(connection, "registry lists", read=len(types) + len(found))
    return RegistryLists(registry.name, types, found, stamp)


def kept_lists(workspace: Workspace, registry_name: str) -> RegistryLists:
    """The lists kept for the registry named (empty, `fetched_at` None, when never fetched)."""
    with (
        acting(workspace, Role.USI_BATCHES, "see the registry's lists"),
        workspace.begin() as connection,
    ):
        rows = {
            row.kind: row
            for row in connection.execute(
                select(registry_lists).where(registry_lists.c.registry == registry_name)
            )
        }
    types = [NonDvsType(int(i), str(n), int(o)) for i, n, o in _content(rows.get(EVIDENCE))]
    found = [Country(str(c), str(n), bool(k)) for c, n, k in _content(rows.get(COUNTRIES))]
    stamps = [row.fetched_at for row in rows.values()]
    return RegistryLists(registry_name, types, found, min(stamps) if stamps else None)


def _content(row) -> list:
    return json.loads(row.content) if row is not None else []


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def evidence_type_id(
    workspace: Workspace, registry: Registry, value: str | int | None, *, org_code: str
) -> int | None:
    """The id of the evidence type given by its id or its name (None for none). A name is
    looked up in the kept list, fetched again when the name is not in it."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    if text.isdigit():
        return int(text)
    types = kept_lists(workspace, registry.name).evidence_types
    chosen = _by_name(types, text)
    if chosen is None:
        types = refresh_lists(workspace, registry, org_code=org_code).evidence_types
        chosen = _by_name(types, text)
    if chosen is None:
        listing = "; ".join(f"{t.id} {t.name}" for t in types) or "none"
        raise InputError(
            f"the {registry.label} has no evidence type named {text!r} (its types: {listing})",
            next_step=step(Do.CHOOSE_EVIDENCE_TYPE),
        )
    return chosen.id


def _by_name(types: list[NonDvsType], name: str) -> NonDvsType | None:
    """The type with this name (ignoring case and spacing), else the only one whose name
    holds it."""
    wanted = _key(name)
    exact = [t for t in types if _key(t.name) == wanted]
    if exact:
        return exact[0]
    partial = [t for t in types if wanted in _key(t.name)]
    return partial[0] if len(partial) == 1 else None


def compare_countries(found: list[Country]) -> CountryDifferences:
    """The registry's countries against the SACC table's (codes and names)."""
    table = countries.all_countries()
    table = table[table["kind"] == "country"]
    sacc = dict(zip(table["code"], table["name"], strict=True))
    current = {c.code: c for c in found if c.is_current}
    differences = CountryDifferences()
    differences.only_registry = [c for code, c in sorted(current.items()) if code not in sacc]
    differences.only_sacc = [(code, name) for code, name in sorted(sacc.items())
                             if code not in current]  # fmt: skip
    differences.renamed = [
        (code, sacc[code], c.name)
        for code, c in sorted(current.items())
        if code in sacc and _key(sacc[code]) != _key(c.name)
    ]
    return differences
