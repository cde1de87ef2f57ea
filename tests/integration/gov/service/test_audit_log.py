"""The audit log on each database: append-only for the service, and ``puhui gov audit verify`` names the exact
record after each kind of tampering (done the way only a table owner could: switching the triggers off)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from puhui.cli import app
from puhui.gov.audit.model import Actor, AuditEvent, AuditRecord, EventType, Outcome, Role, record_hash
from puhui.gov.db.repositories import _record_values
from tests.support.gov_service import resident_id


@pytest.fixture
def logged(gov):
    """A log of 7 real records: an admission, a verification, a consent requested and granted, two queries."""
    bank = gov.admit(1)
    subject = resident_id(30)
    consent = gov.consent(bank, subject)
    gov.query(bank, consent, subject)
    gov.query(bank, consent, subject)
    assert len(gov.audit()) == 7
    return gov


def _verify(gov) -> tuple[int, dict]:
    env = {"PUHUI_HOME": str(gov.node.settings.home), "PUHUI_GOV_DATABASE_URL": gov.node.settings.database_url}
    result = CliRunner().invoke(app, ["gov", "audit", "verify", "--json"], env=env)
    return result.exit_code, json.loads(result.stdout)


def _as_owner(gov, *statements: str, params: list[dict] | None = None) -> None:
    """Tamper as the table owner would: triggers off, change, triggers back on."""
    postgres = gov.node.engine.dialect.name == "postgresql"
    with gov.node.engine.begin() as connection:
        if postgres:
            connection.exec_driver_sql("ALTER TABLE audit_records DISABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_records_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_records_no_delete")
        for index, statement in enumerate(statements):
            connection.execute(sa.text(statement), (params or [{}] * len(statements))[index])
        if postgres:
            connection.exec_driver_sql("ALTER TABLE audit_records ENABLE TRIGGER USER")


def test_the_service_cannot_update_or_delete_audit_records(logged):
    for statement in ("UPDATE audit_records SET reason = 'x' WHERE seq = 1", "DELETE FROM audit_records WHERE seq = 1"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), logged.node.engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert _verify(logged) == (0, _verify(logged)[1]) and _verify(logged)[1]["intact"]


def _forged(gov, seq: int, prev_hash: str) -> dict:
    event = AuditEvent.by(
        Actor("intruder", Role.ADMIN, "10.0.0.9"),
        EventType.INSTITUTION_ADMITTED,
        "ins_forged",
        at=gov.clock(),
        outcome=Outcome.SUCCESS,
    )
    return _record_values(AuditRecord(seq, event, prev_hash, record_hash(prev_hash, event)))


INSERT = (
    "INSERT INTO audit_records (seq, at, actor, role, source, event, object, consent_id, outcome, reason, detail, "
    "prev_hash, hash) VALUES (:seq, :at, :actor, :role, :source, :event, :object, :consent_id, :outcome, :reason, "
    ":detail, :prev_hash, :hash)"
)


def _insert_params(row: dict) -> dict:
    return row | {"detail": json.dumps(row["detail"]), "at": row["at"].replace(tzinfo=None).isoformat(sep=" ")}


@pytest.mark.parametrize("kind", ["edited", "deleted", "deleted_last", "inserted_at_end", "inserted", "reordered"])
def test_verify_names_the_exact_record_after_each_kind_of_tampering(logged, kind):
    records = logged.audit()
    last = records[-1].seq
    exit_code, report = _verify(logged)
    assert exit_code == 0 and report["intact"] and report["records"] == last

    if kind == "edited":
        _as_owner(logged, "UPDATE audit_records SET actor = 'someone-else' WHERE seq = 4")
        expected = (4, "edited")
    elif kind == "deleted":
        _as_owner(logged, "DELETE FROM audit_records WHERE seq = 4")
        expected = (4, "deleted")
    elif kind == "deleted_last":
        _as_owner(logged, f"DELETE FROM audit_records WHERE seq = {last}")
        expected = (last, "deleted")
    elif kind == "inserted_at_end":  # chained correctly onto the last record: only the head gives it away
        _as_owner(logged, INSERT, params=[_insert_params(_forged(logged, last + 1, records[-1].hash))])
        expected = (last + 1, "inserted")
    elif kind == "inserted":  # slipped in after record 3, the rest renumbered
        _as_owner(
            logged,
            "UPDATE audit_records SET seq = seq + 100000 WHERE seq >= 4",
            "UPDATE audit_records SET seq = seq - 99999 WHERE seq >= 100000",
            INSERT,
            params=[{}, {}, _insert_params(_forged(logged, 4, records[2].hash))],
        )
        expected = (4, "inserted")
    else:  # records 3 and 4 swapped
        _as_owner(
            logged,
            "UPDATE audit_records SET seq = -3 WHERE seq = 3",
            "UPDATE audit_records SET seq = 3 WHERE seq = 4",
            "UPDATE audit_records SET seq = 4 WHERE seq = -3",
        )
        expected = (3, "reordered")

    exit_code, report = _verify(logged)
    assert exit_code == 1 and not report["intact"]
    first = report["findings"][0]
    assert (first["seq"], first["kind"]) == expected, report["findings"]
    assert str(expected[0]) in first["message"]
