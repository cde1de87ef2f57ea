"""``puhui gov indicators``: bilingual definitions with their sources; build, get and aggregate on a small lake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.core.indicators import load_indicators

runner = CliRunner()


def test_list_json_gives_every_indicator_bilingual_with_its_source() -> None:
    result = runner.invoke(app, ["gov", "indicators", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert listed["definitions_version"] == load_indicators().version
    assert len(listed["indicators"]) == len(load_indicators())
    first = next(i for i in listed["indicators"] if i["id"] == "tax_credit_grade")
    assert first["name_zh"] == "纳税信用等级" and first["source"] == "tax.credit_grades"
    assert first["values"] == ["A", "B", "M", "C", "D", "unrated"] and first["lawful_use"] == "allowed"


def test_show_prints_the_definition_and_an_unknown_id_is_a_clear_error() -> None:
    shown = runner.invoke(app, ["gov", "indicators", "show", "court_dishonest_debtor_now", "--json"])
    assert shown.exit_code == 0
    assert json.loads(shown.output)["definition"]["source"]["active"] == {"start": "filed_date", "end": "removed_date"}
    table = runner.invoke(app, ["gov", "indicators", "show", "court_dishonest_debtor_now"])
    assert "失信被执行人" in table.output and "dishonest" in table.output
    missing = runner.invoke(app, ["gov", "indicators", "show", "no_such_indicator"])
    assert missing.exit_code == 2


def test_build_get_and_aggregate_on_an_empty_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no delivery yet every indicator is unavailable; get then reports an unknown subject."""
    monkeypatch.setenv("PUHUI_HOME", str(tmp_path))
    built = runner.invoke(app, ["gov", "indicators", "build", "--as-of", "2026-11-01", "--json"])
    assert built.exit_code == 0, built.output
    report = json.loads(built.output)
    assert report["rows"] == {"person": 0, "enterprise": 0} and len(report["unavailable"]) == len(load_indicators())
    got = runner.invoke(app, ["gov", "indicators", "get", "P1-0123456789abcdef0123456789abcdef", "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)["known"] is False
    bad = runner.invoke(app, ["gov", "indicators", "build", "--as-of", "yesterday"])
    assert bad.exit_code == 2
