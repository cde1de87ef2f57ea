"""The latest key keeps only the lineage fields that can differ among the rows read."""

import datetime as dt

from puhui.gov.indicators.compiler import lineage_order
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
