"""Ingestion throughput on a synthetic city's deliveries, against a plain DuckDB read of the same files.

    python3 bench/ingest.py --city /path/to/city            # a folder made by `puhui synth city`
    python3 bench/ingest.py --persons 20000                 # generate a city first (into a temporary folder)

The baseline reads every CSV and Parquet delivery into a DuckDB table, all columns, nothing checked (GBK files
are read as Latin-1: the same bytes, no transcoding, which DuckDB cannot do). The ingestion is the real thing:
decode, validate every row, pseudonymize, quarantine, write the lake, commit each batch durably. Both run in
the same process, one after the other, on the same machine; the ratio is ingestion ÷ baseline in rows per second.
XLSX deliveries (no DuckDB reader without a downloaded extension) are ingested but reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import duckdb

from puhui.core.catalog import load_catalog
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring
from puhui.gov.ingest.deliveries import find_deliveries
from puhui.gov.ingest.pipeline import DeliveryIngestor
from puhui.gov.lake.store import Lake


def baseline(files: list[dict[str, object]], root: Path) -> tuple[int, float]:
    """Rows and seconds for DuckDB to read every CSV and Parquet delivery into a table."""
    con = duckdb.connect()
    rows, started = 0, time.perf_counter()
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
    seconds = time.perf_counter() - started
    con.close()
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--city", type=Path, help="a city folder made by `puhui synth city`")
    parser.add_argument("--persons", type=int, default=20_000, help="generate a city of this size when no --city")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        city = args.city
        if city is None:
            from puhui.synth.generate import generate_city
            from puhui.synth.params import CityParams

            city = Path(scratch) / "city"
            generate_city(CityParams(persons=args.persons, seed=7), city)
        deliveries = city / "deliveries"
        manifest = json.loads((deliveries / "manifest.json").read_text(encoding="utf-8"))
        base_rows, base_seconds = baseline(manifest["files"], deliveries)

        lake = Lake(Path(scratch) / "lake")
        keyring = PseudonymKeyring.parse("1:" + os.urandom(32).hex())
        ingestor = DeliveryIngestor(lake, load_catalog(), Pseudonymizer(keyring))
        started, cpu = time.perf_counter(), time.process_time()
        outcomes = ingestor.ingest(find_deliveries(deliveries))
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        rejected = [o.file for o in outcomes if o.status != "loaded"]
        xlsx = [o for o in outcomes if o.file.endswith(".xlsx")]
        rows = sum(o.rows_read for o in outcomes)
        comparable = [o for o in outcomes if not o.file.endswith(".xlsx")]
        comparable_rows = sum(o.rows_read for o in comparable)
        comparable_seconds = sum(o.seconds for o in comparable)
        figures = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "load_average_at_end": round(os.getloadavg()[0], 1),
            "files": len(outcomes),
            "rejected": rejected,
            "rows": rows,
            "ingest_seconds": round(seconds, 2),
            "ingest_cpu_seconds": round(cpu_seconds, 2),
            "ingest_rows_per_second": round(rows / seconds),
            "csv_parquet_rows": comparable_rows,
            "csv_parquet_ingest_rows_per_second": round(comparable_rows / comparable_seconds),
            "xlsx_rows": sum(o.rows_read for o in xlsx),
            "xlsx_seconds": round(sum(o.seconds for o in xlsx), 2),
            "baseline_rows": base_rows,
            "baseline_seconds": round(base_seconds, 2),
            "baseline_rows_per_second": round(base_rows / base_seconds),
            "ratio_ingest_to_baseline": round((comparable_rows / comparable_seconds) / (base_rows / base_seconds), 3),
            "quarantined": sum(o.rows_quarantined for o in outcomes),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:40s} {value}")


if __name__ == "__main__":
    main()
