"""Loan defaults that banks report back through the node, as rows of the catalog's ``ndrc.black_list``.

The consent-gated service keeps them in its own database (``puhui.gov.credit_loop``, read through its
``BlackListReader``); the indicators read them beside the commission's deliveries, point in time: a record counts
from its listing day (that is when the node received it) until its removal or the end of its listing period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from puhui.core.catalog import Catalog
from puhui.gov.credit_loop.model import BlackListEntry, BlackListReader
from puhui.gov.indicators.lake import CITY_TIME
from puhui.gov.lake.schema import BATCH_COLUMN, RECEIVED_COLUMN, ROW_COLUMN, SUBJECT_COLUMN, lake_schema

BLACK_LIST = "ndrc.black_list"
BANK_REPORTED_BATCH = "bank-reported"


def bank_reported_rows(entries: Sequence[BlackListEntry], catalog: Catalog) -> pa.Table:
    """The entries as lake rows of ``ndrc.black_list`` (same columns and types as a delivered batch)."""
    schema = lake_schema(catalog.get(BLACK_LIST))
    rows: list[dict[str, Any]] = [
        {
            SUBJECT_COLUMN: entry.subject_pseudonym,
            "subject_kind": entry.subject_kind,
            "list_type": entry.list_type,
            "recognised_by": entry.recognised_by,
            "decision_no": entry.decision_no,
            "listed_date": entry.listed_date,
            "valid_until": entry.valid_until,
            # A record counts until removed or until its listing period ends, whichever comes first.
            "removed_date": min(entry.removed_date or entry.valid_until, entry.valid_until),
            "removal_reason": entry.removal_reason,
            BATCH_COLUMN: BANK_REPORTED_BATCH,
            RECEIVED_COLUMN: dt.datetime.combine(entry.listed_date, dt.time(), CITY_TIME).astimezone(dt.UTC),
            ROW_COLUMN: number,
        }
        for number, entry in enumerate(entries, start=1)
    ]
    return pa.Table.from_pylist(rows, schema=schema)


def bank_reported_supplement(reader: BlackListReader | None, catalog: Catalog) -> dict[str, pa.Table]:
    """The supplement ``compute`` and ``build_snapshot`` take: nothing without a reader."""
    if reader is None:
        return {}
    return {BLACK_LIST: bank_reported_rows(reader.entries(), catalog)}


__all__ = ["BANK_REPORTED_BATCH", "BLACK_LIST", "bank_reported_rows", "bank_reported_supplement"]
