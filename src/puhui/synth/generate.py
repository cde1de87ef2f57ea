"""``generate_city``: build the city, then write its deliveries, the bank's own data, the truth and a manifest.

Output layout (``docs/delivery-format.md``)::

    DIR/deliveries/manifest.json, DIR/deliveries/<provider>/<dataset>.<ext>
    DIR/bank/…        the pilot bank's customers, deposits, applications and outcomes
    DIR/truth/…       latent states, default propensities, ID map, bad_rows.csv (tests only)
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from puhui.core.catalog import Catalog, load_catalog
from puhui.synth.city import City, build_city
from puhui.synth.deliveries.build import BadRow, DeliveredFile, write_deliveries
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.params import GENERATOR, CityParams

Progress = Callable[[str, int], None]  # (what is being done, steps completed since the last call)


@dataclass(frozen=True)
class CityOutput:
    city: City
    files: list[DeliveredFile]
    bad_rows: list[BadRow]
    root: Path


def total_steps(catalog: Catalog) -> int:
    """Steps reported through ``progress``: building the city, each data set, the bank, the truth."""
    return len(catalog) + 3


def default_workers(params: CityParams) -> int:
    """Two processes for a large city on a machine with two cores or more; one for small (test) cities."""
    return 1 if params.persons < 100_000 else max(1, min(2, os.cpu_count() or 1))


def generate_city(
    params: CityParams,
    out: Path,
    *,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> CityOutput:
    catalog = catalog or load_catalog()
    report = progress or (lambda _what, _steps: None)
    out.mkdir(parents=True, exist_ok=True)
    report("building the city", 0)
    city = build_city(params)
    report("deliveries", 1)
    context = DeliveryContext(city)
    deliveries = out / "deliveries"
    files, bad_rows = write_deliveries(
        context,
        catalog,
        deliveries,
        params.bad_rate,
        on_dataset=lambda spec: report(spec.id, 1),
        workers=default_workers(params) if workers is None else workers,
    )
    _write_manifest(params, catalog, files, deliveries)
    from puhui.synth.bank import write_bank
    from puhui.synth.truth import write_truth

    report("the bank's own data", 0)
    write_bank(city, out / "bank")
    report("the truth", 1)
    write_truth(city, out / "truth", bad_rows)
    report("done", 1)
    return CityOutput(city=city, files=files, bad_rows=bad_rows, root=out)


def _write_manifest(params: CityParams, catalog: Catalog, files: list[DeliveredFile], root: Path) -> None:
    manifest = {
        "generator": GENERATOR,
        "seed": params.seed,
        "persons": params.persons,
        "as_of": params.as_of.isoformat(),
        "catalog_version": catalog.version,
        "files": [{k: v for k, v in asdict(f).items() if k != "mapped"} for f in sorted(files, key=lambda f: f.path)],
    }
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def bad_rows_csv(rows: list[BadRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "row", "field", "kind"])
    for row in sorted(rows, key=lambda r: (r.path, r.row)):
        writer.writerow([row.path, row.row, row.field, row.kind])
    return buffer.getvalue()


__all__ = ["CityOutput", "Progress", "bad_rows_csv", "default_workers", "generate_city", "total_steps"]
