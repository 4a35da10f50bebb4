"""The committed Registration & Certification samples: what the generator writes, and between
them every import rule, in the walkthrough's order."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.paths import ROOT
from usikit import read_table
from usikit.regcert.dictionary import (
    export_columns_markdown,
    import_dictionary_markdown,
    learner_dictionary_markdown,
)
from usikit.regcert.fields import IMPORT_COLUMNS, LEARNER_COLUMNS
from usikit.regcert.import_rules import regcert_schema, validate_regcert
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import apply_import
from usikit.regcert.register import import_learners, register_enrolments
from usikit.regcert.register_rules import RegisterView
from usikit.regcert.samples import (
    MAKERS,
    SAMPLE_FILES,
    SAMPLE_LEARNERS,
    import_rows,
    sample_register,
    synthetic_register,
    write_regcert_samples,
)
from usikit.workspace import open_register

SAMPLES = ROOT / "data" / "samples"
TODAY = dt.date(2026, 11, 22)


def test_committed_samples_are_what_the_generator_writes(tmp_path):
    written = write_regcert_samples(tmp_path)
    assert [p.name for p in written] == list(SAMPLE_FILES)
    for name in SAMPLE_FILES[1:]:
        assert (SAMPLES / name).read_bytes() == (tmp_path / name).read_bytes(), name
    committed = read_table(SAMPLES / SAMPLE_FILES[0])
    fresh = read_table(tmp_path / SAMPLE_FILES[0])
    pd.testing.assert_frame_equal(committed, fresh)
    expected = sample_register()
    expected.index = committed.index
    pd.testing.assert_frame_equal(committed.astype(str), expected.astype(str), check_dtype=False)


def test_the_sample_register_is_valid_and_realistic():
    register = read_table(SAMPLES / "regcert_register.xlsx")
    report = validate_learners(register, today=TODAY)
    assert report.errors.empty
    assert register["ULN"].nunique() == SAMPLE_LEARNERS
    assert register["Programme Name"].nunique() >= 5
    assert register["Awarding Organisation"].replace("", pd.NA).dropna().nunique() >= 4


def test_the_samples_exercise_every_import_rule(tmp_path):
    workspace = open_register(str(tmp_path / "w.db"), create=True)
    import_learners(
        workspace, validate_learners(read_table(SAMPLES / SAMPLE_FILES[0]), today=TODAY)
    )
    seen: set[str] = set()
    results: list[str] = []
    for name in SAMPLE_FILES[1:]:
        frame = read_table(SAMPLES / name, sep=",")
        report = validate_regcert(frame, enrolments=register_enrolments(workspace), today=TODAY)
        seen |= set(report.errors["check"])
        results += apply_import(workspace, report)["Result"].tolist()
    view = RegisterView.of(register_enrolments(workspace))
    declared = {rule.check for rule in regcert_schema(TODAY, register=view).rules}
    extra = {"normalised", "header_mapped", "columns"}
    assert declared | extra <= seen, declared | extra - seen
    assert set(results) == {"created", "updated", "unchanged", "status reverted"}
    workspace.close()


@pytest.mark.parametrize("maker", MAKERS, ids=[m.__name__ for m in MAKERS])
def test_import_files_have_the_ten_columns(maker):
    frame = maker(sample_register())
    assert len(frame.columns) == len(IMPORT_COLUMNS) and len(frame) > 0


def test_the_generator_scales_to_a_big_register():
    register = synthetic_register(20_000, seed=3)
    assert list(register.columns) == list(LEARNER_COLUMNS)
    assert register["ULN"].nunique() == 20_000
    rows = import_rows(register, 5_000, seed=4)
    assert list(rows.columns) == list(IMPORT_COLUMNS) and len(rows) == 5_000
    report = validate_regcert(rows.head(2_000), today=TODAY)
    assert report.n_invalid == 0


def test_the_documentation_shows_the_current_layouts():
    doc = (ROOT / "docs" / "regcert.md").read_text(encoding="utf-8")
    assert learner_dictionary_markdown() in doc
    assert import_dictionary_markdown() in doc
    assert export_columns_markdown() in doc
