"""Indicator refresh and single-subject reads, against one raw DuckDB GROUP BY over the same source rows.

    python3 bench/indicators.py --lake LAKE --out FOLDER [--as-of 2026-11-01] [--spark | --spark-only] [--reads 20000]

LAKE is a lake made by ``puhui synth city`` then ``puhui gov ingest`` (``PUHUI_HOME/gov/lake``, ``docs/lake.md``);
snapshots are written under FOLDER. The synthetic city's deliveries arrive in the night after its as-of day, so
the first as-of that sees them is the day after. Measured in one run, on the same lake:

- baseline: ``SELECT subject, count(*) … GROUP BY subject`` over the UNION ALL of every source data set the
  indicators read (the cheapest query that touches each source row once per subject), fetched to Arrow;
- refresh: every indicator of every person and enterprise, point in time, on DuckDB (compute to Arrow), and
  the full snapshot build (compute + sorted Parquet + Arrow lookup files);
- Spark local (``--spark``; ``--spark-only`` skips everything else): the same compute on PySpark, after the
  session start (timed apart);
- reads: ``--reads`` single-subject reads of random subjects from the latest snapshot's index (p50 / p99).

Wall-clock seconds are reported with the CPU seconds of this process (DuckDB's threads included; Spark's JVM not)
and the load average when each measure ended: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import duckdb

from puhui.core.ids import SubjectKind
from puhui.core.indicators import load_indicators
from puhui.engines import create_engine
from puhui.gov.indicators.compiler import AsOf
from puhui.gov.indicators.lake import source_files
from puhui.gov.indicators.online import SnapshotIndex
from puhui.gov.indicators.snapshot import build_snapshot, compute_all, read_table


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


class Timer:
    """Wall-clock and CPU seconds of this process over a block, and the load average at its end."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.load = os.getloadavg()[0]


def baseline(scans: str) -> tuple[Timer, int, int]:
    """One GROUP BY subject over the union of the source rows; (timer, source rows, groups)."""
    con = duckdb.connect()
    rows = con.sql(f"SELECT count(*) FROM ({scans})").fetchall()[0][0]  # warms the file cache for both sides
    with Timer() as timer:
        groups = con.sql(f"SELECT subject, count(*) AS n FROM ({scans}) GROUP BY subject").to_arrow_table().num_rows
    return timer, rows, groups


def refresh(engine_config: Mapping[str, object], lake: Path, as_of: dt.date) -> tuple[Timer, Timer, dict[str, int]]:
    """(engine start, compute of every indicator, result rows per kind: the parts' rows, a subject once per part)."""
    definitions = load_indicators()
    with Timer() as start:
        engine = create_engine(dict(engine_config))
    with engine, Timer() as timer:
        parts, _ = compute_all(engine, lake, definitions, as_of)
    return start, timer, {kind.value: sum(p.table.num_rows for p in found) for kind, found in parts.items()}


def _figures(prefix: str, timer: Timer) -> dict[str, float]:
    return {
        f"{prefix}_s": round(timer.wall, 2),
        f"{prefix}_cpu_s": round(timer.cpu, 2),
        f"{prefix}_load": round(timer.load, 2),
    }


def _progress(step: str, timer: Timer) -> None:
    print(f"{step}: {timer.wall:.2f} s (cpu {timer.cpu:.2f} s, load {timer.load:.2f})", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lake", type=Path, required=True, help="an ingested lake (PUHUI_HOME/gov/lake)")
    parser.add_argument("--out", type=Path, required=True, help="where the snapshot is written")
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--spark", action="store_true", help="also time the compute on local Spark")
    parser.add_argument("--spark-only", action="store_true", help="time only the compute on local Spark")
    parser.add_argument("--reads", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="DuckDB timings: best of N")
    args = parser.parse_args()
    lake: Path = args.lake
    as_of = dt.date.fromisoformat(args.as_of)
    definitions = load_indicators()
    scans = source_scans(lake, as_of)
    report: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "indicators": len(definitions),
        "source_datasets": scans.count("read_parquet"),
    }
    if not args.spark_only:
        report.update(duckdb_figures(lake, args.out, as_of, scans, args.repeat))
        report.update(read_figures(args.out, args.reads))
    if args.spark or args.spark_only:
        spark_config = {"type": "spark", "master": "local[2]", "driver_memory": "8g"}
        start, compute, subjects = refresh(spark_config, lake, as_of)
        _progress("spark", compute)
        report.update(_figures("spark_session_start", start) | _figures("spark_local_refresh", compute))
        report["spark_result_rows"] = subjects
    print(json.dumps(report, indent=2))


def duckdb_figures(lake: Path, out: Path, as_of: dt.date, scans: str, repeat: int) -> dict[str, object]:
    """Baseline and refresh alternately, ``repeat`` times each, best of each; then one snapshot build."""
    baselines, refreshes = [], []
    for _ in range(repeat):
        baselines.append(baseline(scans))
        _progress("baseline", baselines[-1][0])
        refreshes.append(refresh({"type": "duckdb"}, lake, as_of))
        _progress("refresh", refreshes[-1][1])
    best_baseline, source_rows, groups = min(baselines, key=lambda b: b[0].wall)
    _, best_refresh, subjects = min(refreshes, key=lambda r: r[1].wall)
    with create_engine({"type": "duckdb"}) as engine, Timer() as build:
        build_snapshot(engine, lake, out, load_indicators(), as_of)
    _progress("build", build)
    return {
        "source_rows": source_rows,
        "result_rows": subjects,
        "baseline_groups": groups,
        **_figures("baseline_group_by", best_baseline),
        **_figures("duckdb_refresh", best_refresh),
        "ratio_refresh_to_group_by": round(best_refresh.wall / best_baseline.wall, 2),
        "ratios_per_repeat": [round(r[1].wall / b[0].wall, 2) for b, r in zip(baselines, refreshes, strict=True)],
        **_figures("duckdb_snapshot_build", build),
        "ratio_build_to_group_by": round(build.wall / best_baseline.wall, 2),
    }


def read_figures(root: Path, reads: int) -> dict[str, float]:
    index = SnapshotIndex(root)
    rng = random.Random(7)
    population = _subjects(root, index)
    timings = []
    for subject in rng.choices(population, k=reads):
        started = time.perf_counter()
        index.get(subject)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "read_p50_ms": round(statistics.median(timings), 4),
        "read_p99_ms": round(timings[int(len(timings) * 0.99)], 4),
        "read_max_ms": round(timings[-1], 4),
    }


def _subjects(root: Path, index: SnapshotIndex) -> list[str]:
    info = index.info
    found: list[str] = []
    for kind in (SubjectKind.PERSON, SubjectKind.ENTERPRISE):
        found += read_table(info, kind, []).column("subject").to_pylist()
    return found


if __name__ == "__main__":
    main()
