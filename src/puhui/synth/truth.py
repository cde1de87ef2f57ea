"""What only a test may read: each subject's plaintext ID with its latent traits and default propensity, the
monthly latent state over the window, and the answer key of the bad rows put into the deliveries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from puhui.synth.city import City
from puhui.synth.deliveries.build import BadRow
from puhui.synth.text import year_months


def write_truth(city: City, root: Path, bad_rows: list[BadRow]) -> None:
    from puhui.synth.generate import bad_rows_csv

    root.mkdir(parents=True, exist_ok=True)
    (root / "bad_rows.csv").write_text(bad_rows_csv(bad_rows), encoding="utf-8")
    persons, orgs = city.persons, city.organisations
    ps, os_ = city.person_state, city.organisation_state
    subjects = pa.table(
        {
            "subject_id": pa.concat_arrays([persons.resident_id, orgs.credit_code]),
            "kind": pa.array(["person"] * persons.n + ["enterprise"] * orgs.n),
            "name": pa.concat_arrays([persons.name, orgs.name]),
            "capacity": np.concatenate([ps.capacity, os_.capacity]),
            "stability": np.concatenate([ps.stability, os_.stability]),
            "willingness": np.concatenate([ps.willingness, os_.willingness]),
            "default_propensity": np.concatenate([ps.default_propensity(), os_.default_propensity()]),
        }
    )
    _write(subjects, root / "subjects.parquet")
    months = city.params.months
    window = city.params.window
    for label, ids, state in (("persons", persons.resident_id, ps), ("organisations", orgs.credit_code, os_)):
        n = len(ids)
        # the subject column is dictionary-encoded: one ID string per subject, not one per month
        table = pa.table(
            {
                "subject_id": pa.DictionaryArray.from_arrays(
                    pa.array(np.repeat(np.arange(n, dtype=np.int32), months)), ids
                ),
                "month": year_months(window).take(pa.array(np.tile(np.arange(months), n))),
                "shock": state.shock[:, -months:].reshape(-1),
                "stress": state.stress[:, -months:].reshape(-1),
            }
        )
        _write(table, root / f"latent_{label}.parquet")


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table.replace_schema_metadata(None), path, compression="zstd", store_schema=False)


__all__ = ["write_truth"]
