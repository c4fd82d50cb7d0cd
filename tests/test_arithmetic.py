"""The arithmetic as pandera's schema: what the generated DataFrameSchema declares
(read against the schema files), and how its failure cases become the findings a
user reads."""
from __future__ import annotations

import json

import numpy as np
import pandera.pandas as pa
import pytest
from click.testing import CliRunner
from conftest import seed_report

from xltools import write
from xltools.cli import main
from xltools.model.schema import equations, load_format, load_rules
from xltools.rules.arithmetic import arithmetic_schema, equation_set, failing, stacked

REVIEW = "R4 appeals.review.total = appeals.review.upheld + appeals.review.corrected + appeals.review.other" \
         " + appeals.review.pending"


def _check(schema, name: str) -> pa.Check:
    [check] = [c for c in schema.checks if c.name == name]
    return check


def _bounds_of(schema, column: str) -> dict:
    """The statistics of the one bounds check that declares `column`."""
    [check] = [c for c in schema.checks if column in c.statistics.get("columns", ())]
    return {k: v for k, v in check.statistics.items() if k != "columns"} | {"name": check.name}


def test_each_field_is_declared_with_the_bounds_of_its_kind():
    """Counts and totals are whole numbers ≥ 0, money ≥ 0 with at most 6 decimals,
    the 2019 format's 本年增/减 whole numbers of either sign; all below 10^15 (R0)."""
    schema = arithmetic_schema("2021")
    count = {"name": "count bounds", "minimum": 0, "decimals": 0, "below": 1e15}
    assert _bounds_of(schema, "requests.new.natural_person") == count
    assert _bounds_of(schema, "appeals.review.total") == count
    assert _bounds_of(schema, "last.requests.carried_out.total") == count
    assert _bounds_of(schema, "fees.collected") == {"name": "money bounds", "minimum": 0, "decimals": 6, "below": 1e15}
    assert _bounds_of(arithmetic_schema("2019"), "proactive.license.change") == {
        "name": "signed bounds", "minimum": None, "decimals": 0, "below": 1e15}
    for format_id in ("2021", "2019"):
        declared = [c for check in arithmetic_schema(format_id).checks for c in check.statistics.get("columns", ())]
        assert sorted(declared) == sorted(equation_set(format_id).columns)  # every column, once
        assert len(equation_set(format_id).fields) == len(load_format(format_id).numeric_fields())


def test_each_equation_of_the_rules_is_a_check_of_its_own():
    fmt, schema = load_format("2021"), arithmetic_schema("2021")
    for rule in load_rules().values():
        named = [c for c in schema.checks if c.name.split(" ")[0] == rule.id]
        assert len(named) == len(equations(fmt, rule)), rule.id
    review = _check(schema, REVIEW)
    assert review.statistics == {"left": (("appeals.review.total", 1),),
                                 "right": (("appeals.review.upheld", 1), ("appeals.review.corrected", 1),
                                           ("appeals.review.other", 1), ("appeals.review.pending", 1))}
    assert _check(schema, "W2 proactive.regulation.in_force = last.proactive.regulation.in_force"
                          " + proactive.regulation.issued - proactive.regulation.repealed")


def _frame(**values):
    """One file whose every value is 0 but `values` (field id → value)."""
    eqs = equation_set("2021")
    row = np.zeros((1, len(eqs.fields)))
    for fid, value in values.items():
        row[0, eqs.fields[fid]] = value
    return stacked(row, np.zeros_like(row))


def _failed(frame) -> set[tuple[str, int]]:
    try:
        arithmetic_schema("2021").validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return set(zip(exc.failure_cases["check"], exc.failure_cases["index"]))
    return set()


@pytest.mark.parametrize(("field", "value", "check"), [
    ("requests.new.natural_person", -1, "count bounds"), ("requests.new.natural_person", 1.5, "count bounds"),
    ("fees.collected", -0.5, "money bounds"), ("fees.collected", 0.1234567, "money bounds"),
    ("fees.collected", 1e15, "money bounds")])
def test_a_value_outside_its_bounds_fails_its_kind(field, value, check):
    assert {case for case in _failed(_frame(**{field: value})) if case[0].endswith("bounds")} == {(check, 0)}


def test_a_bound_broken_is_not_passed_off_as_a_finding():
    """cells.py reads a value outside its bounds as not known (R0): one in the frame
    means the frame was built wrong, which no finding may hide."""
    values = _frame(**{"requests.new.natural_person": -1}).to_numpy()[:, :len(equation_set("2021").fields)]
    with pytest.raises(ValueError, match="count bounds"):
        failing(values, np.full_like(values, np.nan))


def test_a_value_not_known_fails_neither_a_bound_nor_an_equation():
    """NaN is a cell not read: its R0 or its sheet is told elsewhere, and an equation
    with such a term is not judged, so one bad cell does not cascade."""
    assert _failed(_frame(**{"fees.collected": 0.123456, "appeals.review.upheld": 3})) == {(REVIEW, 0)}
    assert _failed(_frame(**{"fees.collected": np.nan, "appeals.review.upheld": 3,
                             "appeals.review.pending": np.nan})) == set()


def test_a_broken_total_is_one_failure_case_and_the_finding_the_user_reads(tmp_path):
    report = seed_report()
    report.values.update({"appeals.review.upheld": 10, "appeals.review.corrected": 1, "appeals.review.other": 0,
                          "appeals.review.pending": 0, "appeals.review.total": 3})
    eqs = equation_set("2021")
    values = np.array([[float(report.values[f]) for f in eqs.fields]])
    assert _failed(stacked(values, np.full_like(values, np.nan))) == {(REVIEW, 0)}
    [(file, e, left, right)] = failing(values, np.full_like(values, np.nan))
    assert (file, arithmetic_schema("2021").checks[e].name, left, right) == (0, REVIEW, 3, 11)

    write(report, tmp_path / "r.xlsx")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "r.xlsx"), "--format", "json"])
    assert result.exit_code == 1, result.output
    [finding] = json.loads(result.output)["files"][0]["findings"]
    assert {k: finding[k] for k in ("rule", "severity", "cells", "expected", "actual", "message")} == {
        "rule": "R4", "severity": "error",
        "cells": ["四、复议诉讼!E6", "四、复议诉讼!A6", "四、复议诉讼!B6", "四、复议诉讼!C6", "四、复议诉讼!D6"],
        "expected": 11, "actual": 3,
        "message": "四、复议诉讼!E6（行政复议 / 总计）应为 11（A6+B6+C6+D6 = 10+1+0+0），实际为 3。"}
