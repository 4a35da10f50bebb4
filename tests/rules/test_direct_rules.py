"""Rules declared `direct` run on every record as it is, and say what their definitions say.

The presence rules of the documents, addresses and names are a few array operations on what
each column works out once per validation (which cells are filled, each record's document
type number); finding the distinct values or the filled part of their columns first cost
more than they do. These tests hold the engine to running them on the records as they are,
and the rules to their definitions, record by record in plain Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from usikit.bulk_usi.contact_rules import ADDRESS_COLUMNS, AUSTRALIA
from usikit.bulk_usi.documents import DATE_PRINTED_STATES, DOCUMENT_COLUMNS, DOCUMENT_TYPES
from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.bulk_usi.samples import add_mistakes, synthetic_clients
from usikit.bulk_usi.validation import client_schema
from usikit.rules import distinct as distinct_module
from usikit.rules.distinct import distinct, distinct_values
from usikit.rules.engine import Rule, as_records, filled_cells, passes
from usikit.rules.headers import match_headers
from usikit.rules.memo import column_of, shared_results

TODAY = dt.date(2026, 12, 2)
TYPES = {d.name: d for d in DOCUMENT_TYPES}
NAMES = ("First Name", "Middle Name", "Family Name")
DIRECT = [r for r in client_schema(TODAY).rules if r.direct]


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """Client records broken in every way the samples know, and more: document columns
    filled for types that do not use them, birth certificates of every state without a date
    printed, addresses in Australia and abroad with lines missing, single names beside others."""
    broken, _ = add_mistakes(synthetic_clients(900, seed=11, today=TODAY), rate=0.3, seed=12)
    rng = np.random.default_rng(13)
    for column in DOCUMENT_COLUMNS:
        rows = rng.random(len(broken)) < 0.15
        broken.loc[rows, column] = np.where(rng.random(rows.sum()) < 0.5, "", "x1")
    births = rng.random(len(broken)) < 0.2
    broken.loc[births, "Document Type"] = "Birth Certificate"
    broken.loc[births, "Document State"] = rng.choice(["SA", "ACT", "NSW", ""], births.sum())
    broken.loc[rng.random(len(broken)) < 0.3, "Date Printed"] = ""
    broken.loc[rng.random(len(broken)) < 0.05, "Document Type"] = "Library card"
    broken.loc[rng.random(len(broken)) < 0.3, "Country of Residence"] = "1201"
    for column in ADDRESS_COLUMNS:
        broken.loc[rng.random(len(broken)) < 0.1, column] = ""
    for column in (*NAMES, "Single Name"):
        broken.loc[rng.random(len(broken)) < 0.15, column] = ""
    broken.loc[rng.random(len(broken)) < 0.1, "Single Name"] = "Madonna"
    for column in {r.column for r in DIRECT}:  # every rule's own column blank here and there
        broken.loc[rng.random(len(broken)) < 0.05, column] = ""
    return match_headers(as_records(broken), CLIENT_FIELDS)[0]


def _plain(record: dict, rule: Rule) -> bool:
    """Whether `record` passes `rule`, by the rule's definition, one record at a time."""
    kind = TYPES.get(record["Document Type"])
    column, check = rule.column, rule.check
    given = record[column] != ""
    if check == "required_for_document":
        return given or kind is None or column not in kind.required
    if check == "not_used_for_document":
        return not given or kind is None or column in kind.fields
    if check == "document_type_missing":
        return given or not any(record[c] != "" for c in DOCUMENT_COLUMNS)
    if check == "non_dvs":
        return given or record["USI"] != ""
    if check == "date_printed_needed":
        needs = record["Document Type"] == "Birth Certificate" and (
            record["Document State"] in DATE_PRINTED_STATES
        )
        return given or not needs
    if check == "required_for_address":
        australian = record["Country of Residence"] == AUSTRALIA
        return given or not (australian and any(record[c] != "" for c in ADDRESS_COLUMNS))
    if check == "single_name_only":
        return not given or not any(record[c] != "" for c in NAMES)
    if check == "required":
        return given or (column in NAMES and record["Single Name"] != "")
    raise AssertionError(f"no plain definition for {column} / {check}")


def test_the_presence_rules_are_the_direct_ones():
    checks = {r.check for r in DIRECT}
    assert checks == {
        "required",
        "required_for_document",
        "not_used_for_document",
        "document_type_missing",
        "non_dvs",
        "date_printed_needed",
        "required_for_address",
        "single_name_only",
    }
    assert not any(r.across_records for r in DIRECT)


@pytest.mark.parametrize("rule", DIRECT, ids=lambda r: f"{r.column} / {r.check}")
def test_a_direct_rule_says_what_its_definition_says_record_by_record(records, rule):
    with shared_results():
        found = passes(rule, records)
    expected = np.array([_plain(record, rule) for record in records.to_dict("records")])
    assert found.dtype == bool and len(found) == len(records)
    wrong = records.index[found != expected]
    assert wrong.empty, f"{rule.column} / {rule.check} wrong on rows {list(wrong[:5])}"


def test_the_definitions_are_tried_on_records_failing_and_passing(records):
    """Each direct rule fails some of these records and passes others (else the test above
    would hold however wrong the rule)."""
    with shared_results():
        results = {(r.column, r.check): passes(r, records) for r in DIRECT}
    for key, ok in results.items():
        assert ok.any() and not ok.all(), key


def test_no_rule_changes_the_filled_cells_it_shares(records):
    """The rules read one array of filled cells per column; a rule that wrote into it would
    change what every later rule reads."""
    schema = client_schema(TODAY)
    with shared_results():
        for rule in schema.rules:
            if set(rule.columns) <= set(records.columns):
                passes(rule, records)
        for name in records.columns:
            shared = filled_cells(column_of(records, name))
            assert (shared == (records[name] != "").to_numpy()).all(), name
            with pytest.raises(ValueError, match="read-only"):
                shared[0] = not shared[0]


def _recorded(rule: Rule, seen: list[int]) -> Rule:
    """`rule`, noting how many records its test is given."""

    def test(given):
        seen.append(len(given))
        return rule.test(given)

    return replace(rule, test=test)


def test_a_direct_rule_is_given_every_record_where_others_take_a_part(monkeypatch):
    """On a repeating, sparse column, a rule that is not direct is given its distinct values
    or combinations; a direct one, every record."""
    monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 2)
    monkeypatch.setattr(distinct_module, "SAMPLE", 64)
    column = pd.Series((["", "", "", "x"] * 50), dtype="str")
    frame = as_records(pd.DataFrame({"Card": column, "Kind": ["A", "B"] * 100}))
    rules = {
        "direct": Rule("Card", "c", lambda v: v != "q", "m", skips_blank=True, direct=True),
        "per value": Rule("Card", "c", lambda v: v != "q", "m", skips_blank=True),
        "direct, two columns": Rule(
            "Card", "c", lambda f: f["Kind"] != "q", "m", uses=("Kind",), direct=True
        ),
        "combinations": Rule(
            "Card", "c", lambda f: f["Kind"] != "q", "m", uses=("Kind",), skips_blank=True
        ),
    }
    given = {}
    for name, rule in rules.items():
        seen: list[int] = []
        with distinct_values(), shared_results():
            distinct(frame["Card"])
            distinct(frame["Kind"])
            assert passes(_recorded(rule, seen), frame).all()
        given[name] = seen
    assert given["direct"] == [200]
    assert given["direct, two columns"] == [200]
    assert given["per value"] == [2]  # "" and "x"
    assert given["combinations"] == [3]  # ("", "A"), ("", "B"), ("x", "B")
