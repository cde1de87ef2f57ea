"""Ingestion throughput on a synthetic city's deliveries, against a plain DuckDB read of the same files.

    python3 bench/ingest.py --city /path/to/city            # a folder made by `puhui synth city`
    python3 bench/ingest.py --persons 20000                 # generate a city first (into a temporary folder)

The baseline reads every CSV and Parquet delivery into a DuckDB table, all columns, nothing checked (GBK files
are read as Latin-1: the same bytes, no transcoding, which DuckDB cannot do). The ingestion is the real thing:
decode, validate every row, pseudonymize, quarantine, write the lake, commit each batch durably, with its
default workers. Both run in the same process, one after the other, on the same machine; the ratio is
ingestion ÷ baseline in rows per second (wall clock), XLSX rows included on the ingestion side (DuckDB reads no
XLSX without a downloaded extension; they are 0.3 % of the rows). CPU seconds are the process's own (all
threads); the load average is the machine's, before and after, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from puhui.core.catalog import load_catalog
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring
from puhui.gov.ingest.deliveries import find_deliveries
from puhui.gov.ingest.pipeline import DeliveryIngestor
from puhui.gov.lake.store import Lake


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reset_peak_memory() -> None:
    """Restart the kernel's peak-RSS count (VmHWM), so the ingestion's peak is not the baseline's."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def baseline(files: list[dict[str, object]], root: Path) -> tuple[int, float, float]:
    """Rows, wall seconds and CPU seconds for DuckDB to read every CSV and Parquet delivery into a table."""
    con = duckdb.connect()
    rows, started, cpu = 0, time.perf_counter(), _cpu_seconds()
    for entry in files:
        path = str(root / str(entry["path"]))
        if entry["format"] == "parquet":
            source = f"read_parquet('{path}')"
        elif entry["format"] == "csv":
            encoding = "latin-1" if entry.get("encoding") in ("gbk", "gb18030") else "utf-8"
            source = f"read_csv('{path}', header = true, all_varchar = true, encoding = '{encoding}')"
        else:
            continue
        con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM {source}").fetchall()
        rows += int(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
    seconds, cpu_seconds = time.perf_counter() - started, _cpu_seconds() - cpu
    con.close()
    return rows, seconds, cpu_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--city", type=Path, help="a city folder made by `puhui synth city`")
    parser.add_argument("--persons", type=int, default=20_000, help="generate a city of this size when no --city")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as scratch:
        city = args.city
        if city is None:
            from puhui.synth.generate import generate_city
            from puhui.synth.params import CityParams

            city = Path(scratch) / "city"
            generate_city(CityParams(persons=args.persons, seed=7), city)
        deliveries = city / "deliveries"
        manifest = json.loads((deliveries / "manifest.json").read_text(encoding="utf-8"))
        load_before = os.getloadavg()[0]
        base_rows, base_seconds, base_cpu = baseline(manifest["files"], deliveries)

        lake = Lake(Path(scratch) / "lake")
        keyring = PseudonymKeyring.parse("1:" + os.urandom(32).hex())
        ingestor = DeliveryIngestor(lake, load_catalog(), Pseudonymizer(keyring))
        load_between = os.getloadavg()[0]
        _reset_peak_memory()
        started, cpu = time.perf_counter(), _cpu_seconds()
        outcomes = ingestor.ingest(find_deliveries(deliveries))
        seconds, cpu_seconds = time.perf_counter() - started, _cpu_seconds() - cpu
        rows = sum(o.rows_read for o in outcomes)
        by_format: dict[str, dict[str, float]] = {}
        for outcome in outcomes:
            kind = outcome.file.rsplit(".", 1)[-1]
            entry = by_format.setdefault(kind, {"rows": 0, "busy_seconds": 0.0})
            entry["rows"] += outcome.rows_read
            entry["busy_seconds"] = round(entry["busy_seconds"] + outcome.seconds, 1)
        figures = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "load_average_before_baseline": round(load_before, 1),
            "load_average_before_ingestion": round(load_between, 1),
            "load_average_at_end": round(os.getloadavg()[0], 1),
            "workers": ingestor.workers,
            "files": len(outcomes),
            "rejected": [o.file for o in outcomes if o.status != "loaded"],
            "rows": rows,
            "quarantined": sum(o.rows_quarantined for o in outcomes),
            "ingest_seconds": round(seconds, 1),
            "ingest_cpu_seconds": round(cpu_seconds, 1),
            "ingest_rows_per_second": round(rows / seconds),
            "ingest_rows_per_cpu_second": round(rows / cpu_seconds),
            "by_format": by_format,
            "ingest_peak_rss_mib": _peak_memory_mib(),
            "baseline_rows": base_rows,
            "baseline_seconds": round(base_seconds, 1),
            "baseline_cpu_seconds": round(base_cpu, 1),
            "baseline_rows_per_second": round(base_rows / base_seconds),
            "ratio_ingest_to_baseline": round((rows / seconds) / (base_rows / base_seconds), 3),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:40s} {value}")


if __name__ == "__main__":
    main()
