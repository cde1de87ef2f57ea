"""The latest key keeps only the lineage fields that can differ among the rows read, packed into one integer where it
can be."""

import datetime as dt
import random

import ibis

from puhui.core.catalog import load_catalog
from puhui.engines import DuckDBEngine
from puhui.gov.indicators.compiler import _latest_key, lineage_order
from puhui.gov.indicators.lake import BATCH_COLUMN, RECEIVED_COLUMN, ROW_COLUMN

T = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def test_unknown_receipts_keep_the_whole_order() -> None:
    assert lineage_order(None) == (RECEIVED_COLUMN, BATCH_COLUMN, ROW_COLUMN)


def test_one_batch_is_ordered_by_row() -> None:
    assert lineage_order(()) == (ROW_COLUMN,)
    assert lineage_order((T,)) == (ROW_COLUMN,)


def test_distinct_receipts_need_no_batch_id() -> None:
    assert lineage_order((T, T + dt.timedelta(seconds=1))) == (RECEIVED_COLUMN, ROW_COLUMN)


def test_batches_received_at_one_instant_are_told_apart_by_batch_id() -> None:
    assert lineage_order((T, T)) == (RECEIVED_COLUMN, BATCH_COLUMN, ROW_COLUMN)


def test_a_latest_key_of_the_event_date_and_row_is_one_integer_that_picks_the_row_a_struct_key_picks() -> None:
    dataset = load_catalog().get("public_security.residents")
    assert dataset.event_date is not None
    rng = random.Random(3)
    days = [dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(48_000)) for _ in range(40)]
    rows = [
        {
            "subject": f"P{rng.randrange(300)}",
            dataset.event_date: rng.choice(days),
            ROW_COLUMN: rng.randrange(1, 10**12),
        }
        for _ in range(3000)
    ]
    table = ibis.memtable([{**row, "value": n} for n, row in enumerate(rows)])
    packed = _latest_key(table, lineage_order((T,)), dataset.event_date, dataset)
    assert packed.type().is_integer()
    struct = ibis.struct({"day": table[dataset.event_date], "row": table[ROW_COLUMN]})
    latest = table.group_by("subject").aggregate(packed=table.value.argmax(packed), struct=table.value.argmax(struct))
    with DuckDBEngine() as engine:
        found = engine.execute(latest)
    assert found.num_rows == len({row["subject"] for row in rows})
    assert found.column("packed").to_pylist() == found.column("struct").to_pylist()
