"""Tests for usikit.bulk_usi.countries: SACC 2016 codes from typed codes and names."""

from __future__ import annotations

import csv
import io
from importlib.resources import files

import pandas as pd
import pytest

from usikit.bulk_usi import countries
from usikit.bulk_usi.countries import (
    SOURCE,
    all_countries,
    code_for,
    is_known_code,
    is_supplementary,
    lookup_codes,
    name_for,
)

# Checked against the NCVER country identifier file and the SACC 2016 list in the PMHC MDS
# specification: both give these codes for these countries.
KNOWN = {
    "Australia": "1101",
    "New Zealand": "1201",
    "England": "2102",
    "Scotland": "2105",
    "Wales": "2106",
    "Northern Ireland": "2104",
    "India": "7103",
    "China (excludes SARs and Taiwan)": "6101",
    "Vietnam": "5105",
    "United States of America": "8104",
}


def _rows(name: str) -> list[dict[str, str]]:
    text = (files("usikit") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _aliases() -> list[dict[str, str]]:
    return _rows("country_aliases.csv")


def _key(name: str) -> str:
    return countries._normalise(pd.Series([name], dtype=object)).iloc[0]


# --- the data files ---------------------------------------------------------------------


def test_countries_csv_shape() -> None:
    rows = _rows("sacc_countries.csv")
    assert list(rows[0]) == ["code", "name", "kind"]
    kinds = [row["kind"] for row in rows]
    # SACC 2016 has 255 country-level categories, four of them "nec" residuals.
    assert kinds.count("country") == 255
    assert set(kinds) == {"country", "supplementary"}
    residuals = [row["code"] for row in rows if row["name"].endswith(", nec")]
    assert residuals == ["1199", "1599", "8299", "9299"]


def test_codes_are_unique_and_well_formed() -> None:
    codes = [row["code"] for row in _rows("sacc_countries.csv")]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert code == "@@@@" or (len(code) == 4 and code.isdigit()), code


def test_country_codes_follow_sacc_scheme() -> None:
    # Country codes never end in 0; group codes end in 00 and are supplementary.
    for row in _rows("sacc_countries.csv"):
        if row["kind"] == "country":
            assert not row["code"].endswith("0"), row
            assert not row["code"].startswith("0"), row


def test_normalised_names_are_unique() -> None:
    keys = [_key(row["name"]) for row in _rows("sacc_countries.csv")]
    assert len(keys) == len(set(keys))


def test_aliases_do_not_clash_with_names_or_each_other() -> None:
    names = {_key(row["name"]) for row in _rows("sacc_countries.csv")}
    alias_keys = [_key(row["alias"]) for row in _aliases()]
    assert len(alias_keys) == len(set(alias_keys))
    assert not names & set(alias_keys)


@pytest.mark.parametrize("row", _aliases(), ids=lambda row: row["alias"])
def test_every_alias_resolves_to_a_known_code(row: dict[str, str]) -> None:
    assert is_known_code(row["code"])
    assert code_for(row["alias"]) == row["code"]


def test_every_official_name_resolves_to_its_code() -> None:
    table = all_countries()
    assert lookup_codes(table["name"]).tolist() == table["code"].tolist()


# --- known codes ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code"), KNOWN.items())
def test_known_codes(name: str, code: str) -> None:
    assert code_for(name) == code
    assert code_for(code) == code
    assert name_for(code) == name
    assert is_known_code(code)
    assert not is_supplementary(code)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Viet Nam", "5105"),
        ("China", "6101"),
        ("UK", "2100"),
        ("Great Britain", "2100"),
        ("USA", "8104"),
        ("South Korea", "6203"),
        ("North Korea", "6202"),
        ("Hong Kong", "6102"),
        ("Macau", "6103"),
        ("Taiwan", "6105"),
        ("Czech Republic", "3302"),
        ("Czechia", "3302"),
        ("Burma", "5101"),
        ("Myanmar", "5101"),
        ("Holland", "2308"),
        ("Russia", "3308"),
        ("Iran", "4203"),
        ("Laos", "5103"),
        ("Syria", "4214"),
        ("Ivory Coast", "9111"),
        ("Swaziland", "9226"),
        ("Eswatini", "9226"),
        ("Macedonia", "3206"),
        ("PNG", "1302"),
        ("NZ", "1201"),
        ("Aus", "1101"),
    ],
)
def test_common_names(typed: str, code: str) -> None:
    assert code_for(typed) == code


# --- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("  australia  ", "1101"),
        ("NEW   ZEALAND", "1201"),
        ("new\tzealand", "1201"),
        ("viet nam", "5105"),
        ("Côte d'Ivoire", "9111"),
        ("Cote d'Ivoire", "9111"),
        ("CÔTE D\u2019IVOIRE", "9111"),
        ("Cote dIvoire", "9111"),
        ("Curaçao", "8434"),
        ("Åland Islands", "2408"),
        ("Réunion", "9218"),
        ("Türkiye", "4215"),
        ("São Tomé & Príncipe", "9125"),
        ("Trinidad & Tobago", "8425"),
        ("U.S.A.", "8104"),
        ("U.K.", "2100"),
        ("St. Lucia", "8423"),
        ("Saint Lucia", "8423"),
        ("The Netherlands", "2308"),
        ("the gambia", "9114"),
        ("Guinea Bissau", "9117"),
        ("Korea, Republic of (South)", "6203"),
        ("korea republic of south", "6203"),
        ("Samoa, American", "1506"),
    ],
)
def test_names_with_odd_case_spacing_accents_and_punctuation(typed: str, code: str) -> None:
    assert code_for(typed) == code


def test_codes_with_spaces_or_from_numeric_columns() -> None:
    values = pd.Series([" 1101 ", 1101, 1101.0, "2102.0", "@@@@"], dtype=object)
    assert lookup_codes(values).tolist() == ["1101", "1101", "1101", "2102", "@@@@"]


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "Narnia", "9999", "1100x", "0003", "11010", "Korea", "Congo", "Atlantis", "-"],
)
def test_unknown_values_give_empty_string(typed: str) -> None:
    assert lookup_codes(pd.Series([typed])).tolist() == [""]
    assert code_for(typed) is None


def test_missing_values_give_empty_string() -> None:
    values = pd.Series([None, float("nan"), pd.NA], dtype=object)
    assert lookup_codes(values).tolist() == ["", "", ""]


# --- vectorised and scalar forms --------------------------------------------------------


def test_index_and_name_are_preserved() -> None:
    values = pd.Series(["England", "nowhere", "7103"], index=[30, 10, 20], name="Country of Birth")
    result = lookup_codes(values)
    assert result.index.tolist() == [30, 10, 20]
    assert result.name == "Country of Birth"
    assert result.to_dict() == {30: "2102", 10: "", 20: "7103"}


def test_string_index_and_empty_series() -> None:
    values = pd.Series(["India", "China"], index=["a", "b"])
    assert lookup_codes(values).to_dict() == {"a": "7103", "b": "6101"}
    assert lookup_codes(pd.Series([], dtype=object)).tolist() == []


def test_string_dtype_input() -> None:
    values = pd.Series(["Wales", None, "5105"], dtype="string")
    assert lookup_codes(values).tolist() == ["2106", "", "5105"]


def test_vectorised_and_scalar_agree() -> None:
    typed = [
        *KNOWN,
        *KNOWN.values(),
        *(row["alias"] for row in _aliases()),
        " viet  nam ",
        "Côte d'Ivoire",
        "Narnia",
        "",
        "9999",
        "@@@@",
    ]
    vectorised = lookup_codes(pd.Series(typed)).tolist()
    scalar = [code_for(value) or "" for value in typed]
    assert vectorised == scalar


# --- the other public helpers -----------------------------------------------------------


def test_supplementary_codes() -> None:
    for code in ["0000", "0001", "@@@@", "2100", "1000"]:
        assert is_known_code(code)
        assert is_supplementary(code)
    assert name_for("0001") == "At Sea"
    assert name_for("@@@@") == "Not Specified"
    assert code_for("not stated") == "@@@@"


def test_unknown_codes() -> None:
    for code in ["9999", "0003", "1", "", None, "Australia"]:
        assert not is_known_code(code)
        assert not is_supplementary(code)
    assert name_for("9999") is None


def test_known_code_accepts_surrounding_spaces_and_numbers() -> None:
    assert is_known_code(" 1101 ")
    assert is_known_code(1101)
    assert name_for(" 2102") == "England"


def test_all_countries_returns_a_copy() -> None:
    table = all_countries()
    assert list(table.columns) == ["code", "name", "kind"]
    assert len(table) == len(_rows("sacc_countries.csv"))
    table.loc[:, "name"] = "changed"
    assert name_for("1101") == "Australia"
    assert all_countries()["name"].iloc[0] != "changed"


def test_source_names_the_edition() -> None:
    assert "SACC" in SOURCE
    assert "2016" in SOURCE
    assert "1269.0" in SOURCE
