"""The DuckDB engine runs several plans side by side, one thread each, and gives the database its threads back."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from puhui.engines import DuckDBEngine


def _threads(engine: DuckDBEngine) -> int:
    return int(engine.backend.con.execute("SELECT current_setting('threads')").fetchall()[0][0])


def test_plans_run_side_by_side_give_each_result_in_order_and_the_threads_are_restored(tmp_path: Path) -> None:
    pq.write_table(pa.table({"subject": ["a", "b", "a", "c"], "n": [1, 2, 3, 4]}), tmp_path / "rows.parquet")
    with DuckDBEngine() as engine:
        threads = _threads(engine)
        rows = engine.read_parquet([tmp_path / "rows.parquet"])
        plans = [
            rows.filter(rows.n > k).group_by("subject").aggregate(total=rows.n.sum()).order_by("subject")
            for k in range(5)
        ]
        plans.append(ibis.memtable({"x": [7]}).select(y=ibis._.x + 1))  # an in-memory table: the engine's connection
        results = list(engine.execute_all(plans))
        assert [r.to_pylist() for r in results] == [engine.execute(p).to_pylist() for p in plans]
        assert results[2].to_pylist() == [{"subject": "a", "total": 3}, {"subject": "c", "total": 4}]
        assert _threads(engine) == threads
