"""The credit loop over HTTP and the black-list reader; migrations against the tables; the CLI's admission and
fee statements — on both databases."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from decimal import Decimal

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from puhui.cli import app
from puhui.core.money import quantize_fen
from puhui.gov.db import migrate
from puhui.gov.db.engine import create_engine
from puhui.gov.db.tables import metadata
from tests.support.gov_service import ADMIN_TOKEN, credit_code, resident_id


def test_a_reported_default_is_listed_disputed_answered_settled_and_seen_by_the_indicators(gov):
    bank, stranger = gov.admit(1), gov.admit(2)
    subject = resident_id(70)
    gov.consent(bank, subject)
    report = {
        "subject_id": subject,
        "loan_reference": "HNED-2026-0001",
        "amount_band": "10k_to_50k",
        "default_date": "2026-01-20",
        "notified_on": "2026-02-10",
        "notice_evidence": "逾期催收通知书（挂号信 XY2026021001）",
    }
    not_ours = gov.signed(stranger, "POST", "/v1/defaults", report)
    assert (not_ours.status_code, not_ours.json()["code"]) == (403, "no_relationship")
    untold = gov.signed(bank, "POST", "/v1/defaults", report | {"notified_on": "2026-03-05"})
    assert (untold.status_code, untold.json()["code"]) == (422, "not_notified")
    listed = gov.signed(bank, "POST", "/v1/defaults", report)
    assert listed.status_code == 201, listed.text
    listing = listed.json()
    assert (listing["status"], listing["expires_on"]) == ("listed", "2031-03-02")
    assert gov.signed(bank, "POST", "/v1/defaults", report).json()["code"] == "default_already_reported"

    entries = gov.node.blacklist_reader().entries()
    assert len(entries) == 1 and entries[0].list_type == "金融借款违约" and entries[0].recognised_by == "测试银行1"
    assert entries[0].subject_pseudonym == gov.node.pseudonymizer.of(
        __import__("puhui.core.ids").core.ids.parse_subject_id(subject)
    )

    session = gov.session(subject)
    mine = gov.client.get("/v1/me/listings", headers=session).json()
    assert [m["id"] for m in mine] == [listing["id"]]
    disputed = gov.client.post(
        f"/v1/me/listings/{listing['id']}/objection", headers=session, json={"statement": "该笔贷款已于2月结清"}
    ).json()
    assert (disputed["status"], disputed["answer_due"]) == ("disputed", "2026-03-22")
    assert gov.node.blacklist_reader().entries()[0].disputed
    overdue = gov.client.get("/v1/admin/listings/disputed", headers=gov.admin).json()
    assert [d["id"] for d in overdue] == [listing["id"]]
    upheld = gov.client.post(
        f"/v1/admin/listings/{listing['id']}/answer",
        headers=gov.admin,
        json={"upheld": True, "answer": "经核实，银行记录显示尚欠本息。"},
    ).json()
    assert upheld["status"] == "listed" and upheld["answer"]
    settled = gov.signed(bank, "POST", f"/v1/defaults/{listing['id']}/settlement")
    assert settled.json()["status"] == "removed" and settled.json()["removal_reason"] == "信用修复"
    entry = gov.node.blacklist_reader().entries([entries[0].subject_pseudonym])[0]
    assert entry.removed_date == dt.date(2026, 3, 2) and entry.removal_reason == "信用修复"
    assert gov.node.blacklist_reader().entries(["P1-nobody"]) == []


def test_the_migrations_create_exactly_the_declared_tables(gov):
    assert migrate.current_revision(gov.node.engine) == migrate.head_revision()
    with gov.node.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    assert migrate.upgrade(gov.node.engine) == migrate.head_revision()  # idempotent


def test_the_cli_admits_with_a_private_key_file_and_prints_the_yearly_fees(gov, tmp_path):
    env = {
        "PUHUI_HOME": str(gov.node.settings.home),
        "PUHUI_GOV_DATABASE_URL": gov.node.settings.database_url,
        "PUHUI_GOV_ADMIN_TOKEN": ADMIN_TOKEN,
        "PUHUI_GOV_SIGNING_KEY": gov.node.settings.gov_signing_key,
        "PUHUI_PSEUDONYM_KEYS": gov.node.settings.pseudonym_keys,
    }
    runner = CliRunner()
    key_file = tmp_path / "provider.pem"
    admitted = runner.invoke(
        app,
        [
            "gov", "institutions", "admit", "--name", "某数据服务商", "--credit-code", credit_code(80),
            "--type", "data_service_provider", "--purpose", "loan_application", "--group", "tax",
            "--key-out", str(key_file), "--json",
        ],
        env=env,
    )  # fmt: skip
    assert admitted.exit_code == 0, admitted.output
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    body = json.loads(admitted.stdout)
    assert body["private_key_pem"] is None and body["institution"]["type"] == "data_service_provider"
    again = runner.invoke(app, ["gov", "institutions", "admit", "--name", "x", "--credit-code", credit_code(81),
                                "--type", "bank", "--purpose", "loan_application", "--group", "tax",
                                "--key-out", str(key_file)], env=env)  # fmt: skip
    assert again.exit_code == 2 and "exists" in again.output

    provider = gov.client.get(f"/v1/admin/institutions/{body['institution']['id']}", headers=gov.admin).json()
    assert provider["status"] == "active"
    fees = runner.invoke(app, ["gov", "fees", "--year", str(dt.datetime.now(dt.UTC).year), "--json"], env=env)
    assert fees.exit_code == 0, fees.output
    statement = next(s for s in json.loads(fees.stdout) if s["institution_id"] == provider["id"])
    # admitted today (the CLI runs on the real clock): the rest of the year's share of the 200,000 yuan fee
    today = dt.datetime.now(dt.UTC).date()
    days = (dt.date(today.year, 12, 31) - today).days + 1
    fee = quantize_fen(Decimal(200_000) * days / (dt.date(today.year + 1, 1, 1) - dt.date(today.year, 1, 1)).days)
    assert (statement["admitted_days"], Decimal(statement["annual_fee"])) == (days, fee)
    table = runner.invoke(app, ["gov", "fees", "--year", str(today.year)], env=env)
    assert str(fee) in table.output
    listed = runner.invoke(app, ["gov", "institutions", "suspend", provider["id"], "--reason", "audit"], env=env)
    assert listed.exit_code == 0 and "suspended" in listed.output


def test_the_api_documents_itself_without_reaching_the_internet(gov):
    page = gov.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/v1/indicator-queries" in page.text and "IndicatorQueryCreate" in page.text
    assert "<script" not in page.text and "https://" not in page.text and "cdn" not in page.text.lower()
    document = gov.client.get("/openapi.json").json()
    assert {"InstitutionSignature", "AdminToken", "ApplicantSession"} <= set(document["components"]["securitySchemes"])


def test_upgrading_from_day_counters_keeps_every_served_query_metered(database_url):
    engine = create_engine(database_url)
    try:
        assert migrate.upgrade(engine, "0001") == "0001"
        with engine.begin() as connection:
            for access_id, at, outcome in (
                ("qry_a", "2026-03-01 17:00:00", "success"),
                ("qry_b", "2026-03-01 09:00:00", "refused"),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO data_accesses (id, at, institution_id, consent_id, subject_pseudonym, purpose, "
                        "groups, outcome, reason) VALUES (:id, :at, 'ins_1', 'con_1', 'P1-a', 'loan_application', "
                        ":groups, :outcome, '')"
                    ),
                    {"id": access_id, "at": at, "groups": json.dumps(["tax", "judicial"]), "outcome": outcome},
                )
        assert migrate.upgrade(engine) == migrate.head_revision()
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT access_id, indicator_group, day FROM metered_queries")).all()
        # 17:00 UTC on 1 March is 2 March in Xinyu; the refused query is not metered
        assert sorted((r[0], r[1], str(r[2])) for r in rows) == [
            ("qry_a", "judicial", "2026-03-02"),
            ("qry_a", "tax", "2026-03-02"),
        ]
    finally:
        engine.dispose()
