"""Load the bank's own data — the synthetic city's ``bank/`` folder (``docs/delivery-format.md``) — into its store.

``customers.csv`` (customer_no, kind, id_number, name, opened_date, phone), ``deposits.parquet`` (customer_no,
month YYYYMM, average_balance, month_end_balance) and ``applications.csv`` (the past applications, their
decision and, for approved loans, months observed, worst days past due, default within 12 months and status).
A load replaces what was loaded before, in one transaction. The files are read with Arrow, column-wise.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session, sessionmaker

from puhui.bank.db.tables import CustomerRow, DepositMonthRow, PastApplicationRow
from puhui.core.errors import IngestError, PuhuiError
from puhui.core.ids import SubjectKind, parse_subject_id
from puhui.core.schedule import add_months

BATCH = 5_000


@dataclasses.dataclass(frozen=True, slots=True)
class OwnDataSummary:
    customers: int
    deposit_months: int
    past_applications: int


def bank_folder(path: Path) -> Path:
    """The folder holding the bank's files: ``path`` itself or its ``bank/`` sub-folder (a city folder)."""
    for candidate in (path, path / "bank"):
        if (candidate / "customers.csv").exists():
            return candidate
    raise IngestError(f"no bank data at {path}: expected customers.csv there or in its bank/ folder")


def load_own_data(sessions: sessionmaker[Session], path: Path) -> OwnDataSummary:
    folder = bank_folder(path)
    customers = _read_csv(folder / "customers.csv")
    applications = _read_csv(folder / "applications.csv")
    deposits = _read_parquet(folder / "deposits.parquet")

    customer_rows: list[dict[str, Any]] = []
    subject_of: dict[str, str] = {}
    for number, kind, id_number, name, opened in _rows(
        customers, "customer_no", "kind", "id_number", "name", "opened_date"
    ):
        subject = _subject(id_number, kind, "customers.csv", number)
        subject_of[number] = subject
        customer_rows.append(
            {
                "subject_id": subject,
                "subject_kind": kind,
                "name": name or None,
                "segment": None,
                "customer_since": _date(opened),
            }
        )
    deposit_rows = [
        {
            "subject_id": subject_of[number],
            "month": dt.date(int(month[:4]), int(month[4:6]), 1),
            "average_balance": Decimal(balance),
        }
        for number, month, balance in _rows(deposits, "customer_no", "month", "average_balance")
        if number in subject_of
    ]
    application_rows = [_past_application(row) for row in _dicts(applications)]

    with sessions() as session, session.begin():
        for table in (PastApplicationRow, DepositMonthRow, CustomerRow):
            session.execute(delete(table))
        for table, rows in (
            (CustomerRow, customer_rows),
            (DepositMonthRow, deposit_rows),
            (PastApplicationRow, application_rows),
        ):
            for start in range(0, len(rows), BATCH):
                session.execute(insert(table), rows[start : start + BATCH])
    return OwnDataSummary(len(customer_rows), len(deposit_rows), len(application_rows))


def _past_application(row: dict[str, str]) -> dict[str, Any]:
    approved = row["decision"] == "approved"
    disbursed = _date(row.get("disbursed_date", ""))
    observed = _integer(row.get("months_observed", ""))
    defaulted = row.get("status") == "defaulted"
    # The file says that a loan defaulted, not when: the bank surely knew by the end of what it observed.
    known = add_months(disbursed, observed) if defaulted and disbursed and observed is not None else None
    label = row.get("default_12m", "")
    return {
        "application_id": row["application_id"],
        "subject_id": _subject(row["id_number"], row["applicant_kind"], "applications.csv", row["application_id"]),
        "subject_kind": row["applicant_kind"],
        "product": row["product"],
        "amount": Decimal(row["amount"]),
        "term_months": int(row["term_months"]),
        "applied_on": _date(row["applied_date"]),
        "approved": approved,
        "months_observed": observed,
        "max_days_past_due": _integer(row.get("max_days_past_due", "")),
        "default_12m": None if label == "" else label == "1",
        "defaulted": defaulted,
        "default_known_on": known,
    }


def _read_csv(path: Path) -> pa.Table:
    try:
        with path.open(encoding="utf-8") as handle:
            names = next(csv.reader(handle))
        # Everything as text: ID numbers and codes must not become numbers.
        options = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False)
        return pacsv.read_csv(path, convert_options=options)
    except (OSError, StopIteration, pa.ArrowInvalid) as err:
        raise IngestError(f"cannot read {path}: {err}") from None


def _read_parquet(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as err:
        raise IngestError(f"cannot read {path}: {err}") from None
    return table.cast(pa.schema([pa.field(name, pa.string()) for name in table.column_names]))


def _rows(table: pa.Table, *columns: str) -> list[tuple[str, ...]]:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise IngestError(f"missing columns: {', '.join(missing)}")
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def _dicts(table: pa.Table) -> Sequence[dict[str, str]]:
    rows: list[dict[str, str]] = table.to_pylist()
    return rows


def _subject(number: str, kind: str, file: str, row: str) -> str:
    try:
        return parse_subject_id(number, SubjectKind(kind)).value
    except (PuhuiError, ValueError) as err:
        raise IngestError(f"{file}, {row}: not a valid subject: {err}") from None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _integer(text: str | None) -> int | None:
    return int(text) if text else None


__all__ = ["OwnDataSummary", "bank_folder", "load_own_data"]
