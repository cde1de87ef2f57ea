"""A kill -9 in the middle of a load leaves the whole batch or nothing; the rerun loads it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from puhui.core.catalog import DeliveryFormat, Encoding, FieldType, load_catalog
from puhui.gov.lake.store import Lake
from tests.support.deliveries import write_delivery

CATALOG = load_catalog()
DATASET = next(
    d
    for d in sorted(CATALOG, key=lambda d: d.id)
    if d.delivery.format is DeliveryFormat.CSV
    and d.delivery.encoding is Encoding.UTF8
    and any(f.type is FieldType.STR and not f.required for f in d.fields)
)


def _big_delivery(root: Path, rows: int) -> Path:
    """A few thousand generated rows, repeated with one optional text column varied so no row is a copy."""
    delivery = write_delivery(root, DATASET, rows=2000, seed=21, faults=(), duplicates=0)
    header, *body = delivery.path.read_text(encoding="utf-8").splitlines()
    column = next(i for i, f in enumerate(DATASET.fields) if f.type is FieldType.STR and not f.required)
    lines = [header]
    for copy in range(rows // len(body)):
        for number, line in enumerate(body):
            cells = line.split(",")
            cells[column] = f"k{copy}-{number}"
            lines.append(",".join(cells))
    delivery.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return delivery.path


def _ingest(path: Path, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PUHUI_HOME": str(home), "PUHUI_PSEUDONYM_KEYS": "1:" + "7e" * 32}
    command = [sys.executable, "-c", "from puhui.cli import main; main()", "gov", "ingest", str(path), "--json"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _committed(lake: Lake) -> list[tuple[str, int]]:
    """(batch id, rows in its parts) for each committed batch; every part it names must be whole."""
    found = []
    for batch in lake.batches():
        rows = sum(pq.read_metadata(path).num_rows for path in batch.part_paths)
        assert rows == batch.record.rows_accepted
        found.append((batch.record.batch_id, rows))
    return found


def test_a_load_killed_midway_leaves_no_half_batch_and_reruns_once(tmp_path: Path) -> None:
    path = _big_delivery(tmp_path / "deliveries", 200_000)
    home = tmp_path / "home"
    lake = Lake.at_home(home)
    process = _ingest(path, home)
    deadline = time.monotonic() + 60
    while not (lake.staging.exists() and any(lake.staging.iterdir())):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)  # the batch is being staged: mid-load
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert _committed(lake) == []  # killed while staging: nothing is visible
    assert not list(lake.root.glob("*/*/batch_id=*"))

    rerun = _ingest(path, home)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()[-2000:]
    [(batch_id, rows)] = _committed(lake)
    assert rows == 200_000
    assert not any(lake.staging.iterdir())
    provider, short = DATASET.id.split(".")
    parts = list((lake.root / provider / short).rglob("*.parquet"))
    numbers = pq.read_table(parts, columns=["_row"]).column("_row").to_pylist()  # type: ignore[arg-type]
    assert sorted(numbers) == list(range(1, 200_001))  # no duplicate, no row missing
    assert "removed unpublished batch" in (lake.ops / "ingest.log").read_text()

    again = _ingest(path, home)
    again.communicate(timeout=120)
    assert _committed(lake) == [(batch_id, rows)]
