"""Indicator refresh and single-subject reads, against one raw DuckDB GROUP BY over the same source rows.

    python3 bench/indicators.py --lake LAKE --out FOLDER [--as-of 2026-11-01] [--spark] [--reads 20000]

LAKE is a lake made by ``puhui synth city`` then ``puhui gov ingest`` (``PUHUI_HOME/gov/lake``, ``docs/lake.md``);
snapshots are written under FOLDER. The synthetic city's deliveries arrive in the night after its as-of day, so
the first as-of that sees them is the day after. Measured in one run, on the same lake:

- baseline: ``SELECT subject, count(*) … GROUP BY subject`` over the UNION ALL of every source data set the
  indicators read (the cheapest query that touches each source row once per subject), fetched to Arrow;
- refresh: every indicator of every person and enterprise, point in time, on DuckDB (compute to Arrow), and
  the full snapshot build (compute + sorted Parquet + SQLite index);
- Spark local (``--spark``): the same compute on PySpark;
- reads: ``--reads`` single-subject reads of random subjects from the latest snapshot's index (p50 / p99).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

import duckdb

from puhui.core.ids import SubjectKind
from puhui.core.indicators import load_indicators
from puhui.engines import create_engine
from puhui.gov.indicators.compiler import AsOf
from puhui.gov.indicators.lake import source_files
from puhui.gov.indicators.online import SnapshotIndex
from puhui.gov.indicators.snapshot import build_snapshot, compute_all


def source_scans(lake: Path, as_of: dt.date) -> str:
    """SQL reading the subject of every row the refresh reads: the same files, chosen point in time."""
    definitions = load_indicators()
    cutoff = AsOf(as_of).received_before
    scans = []
    for dataset_id in sorted({i.source.dataset for i in definitions}):
        found = source_files(lake, definitions.catalog.get(dataset_id), cutoff)
        if found is not None and found.files:
            files = ", ".join(f"'{f}'" for f in found.files)
            scans.append(f"SELECT subject FROM read_parquet([{files}])")
    return " UNION ALL ".join(scans)


def baseline_seconds(scans: str) -> tuple[float, int, int]:
    """One GROUP BY subject over the union of the source rows; (seconds, source rows, groups)."""
    con = duckdb.connect()
    rows = con.sql(f"SELECT count(*) FROM ({scans})").fetchall()[0][0]  # warms the file cache for both sides
    started = time.perf_counter()
    groups = con.sql(f"SELECT subject, count(*) AS n FROM ({scans}) GROUP BY subject").to_arrow_table().num_rows
    return time.perf_counter() - started, rows, groups


def compute_seconds(engine_config: dict[str, str], lake: Path, as_of: dt.date) -> tuple[float, dict[str, int]]:
    definitions = load_indicators()
    with create_engine(engine_config) as engine:
        started = time.perf_counter()
        tables, _ = compute_all(engine, lake, definitions, as_of)
        return time.perf_counter() - started, {kind.value: table.num_rows for kind, table in tables.items()}


def _progress(step: str, seconds: float) -> None:
    print(f"{step}: {seconds:.2f} s", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lake", type=Path, required=True, help="an ingested lake (PUHUI_HOME/gov/lake)")
    parser.add_argument("--out", type=Path, required=True, help="where the snapshot is written")
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--spark", action="store_true", help="also time the compute on local Spark")
    parser.add_argument("--reads", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="DuckDB timings: best of N")
    args = parser.parse_args()
    lake: Path = args.lake
    as_of = dt.date.fromisoformat(args.as_of)
    definitions = load_indicators()
    scans = source_scans(lake, as_of)

    runs = [baseline_seconds(scans) for _ in range(args.repeat)]
    baseline, source_rows, groups = min(runs)
    _progress("baseline", baseline)
    refreshes = [compute_seconds({"type": "duckdb"}, lake, as_of) for _ in range(args.repeat)]
    refresh, subjects = min(refreshes, key=lambda r: r[0])
    _progress("refresh", refresh)
    with create_engine({"type": "duckdb"}) as engine:
        root = args.out
        started = time.perf_counter()
        build_snapshot(engine, lake, root, definitions, as_of)
        build = time.perf_counter() - started
    _progress("build", build)
    report: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "indicators": len(definitions),
        "source_datasets": scans.count("read_parquet"),
        "source_rows": source_rows,
        "subjects": subjects,
        "baseline_group_by_s": round(baseline, 3),
        "baseline_groups": groups,
        "duckdb_refresh_s": round(refresh, 3),
        "ratio_refresh_to_group_by": round(refresh / baseline, 2),
        "duckdb_snapshot_build_s": round(build, 3),
        "ratio_build_to_group_by": round(build / baseline, 2),
    }
    if args.spark:
        spark_config = {"type": "spark", "master": "local[2]", "driver_memory": "8g"}
        report["spark_local_refresh_s"] = round(compute_seconds(spark_config, lake, as_of)[0], 1)

    index = SnapshotIndex(root)
    rng = random.Random(7)
    population = [s for s in _subjects(root, index)]
    timings = []
    for subject in rng.choices(population, k=args.reads):
        started = time.perf_counter()
        index.get(subject)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    report["read_p50_ms"] = round(statistics.median(timings), 4)
    report["read_p99_ms"] = round(timings[int(len(timings) * 0.99)], 4)
    report["read_max_ms"] = round(timings[-1], 4)
    print(json.dumps(report, indent=2))


def _subjects(root: Path, index: SnapshotIndex) -> list[str]:
    import pyarrow.parquet as pq

    info = index.info
    found: list[str] = []
    for kind in (SubjectKind.PERSON, SubjectKind.ENTERPRISE):
        found += pq.read_table(info.table_path(kind), columns=["subject"]).column("subject").to_pylist()
    return found


if __name__ == "__main__":
    main()
