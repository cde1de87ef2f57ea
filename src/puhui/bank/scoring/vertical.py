"""The vertical benchmark: what a government source adds to the bank's own data, and what desensitization costs.

The guest table is the bank's own data with the label; the host table is a government source keyed by the same
subject id. On one stratified holdout split the same gradient-boosted model is trained three times:

- ``bank_only``: the bank's own columns;
- ``bank_plus_indicators``: plus the host columns as the platform releases them — generalized into bands with a
  minimum band size (``puhui.core.generalize``), the bands learned on the training part only;
- ``bank_plus_raw``: plus the raw host columns, the centralized baseline the platform never runs in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone

from puhui.bank.scoring.gbm import GbmModel
from puhui.bank.scoring.inputs import read_csv, target_from_column
from puhui.bank.scoring.metrics import discrimination
from puhui.bank.scoring.validation import holdout_split
from puhui.core.errors import ValidationError
from puhui.core.generalize import BandingPolicy, Bands
from puhui.engines.generalize import assign_bands, fit_bands

HOLDOUT_SHARE = 0.3
# Ten bands at most, each at least 2 % of subjects (and 50 people): coarse enough that no band singles anyone
# out, fine enough that repayment-status codes keep their common values apart.
DEFAULT_POLICY = BandingPolicy(max_bands=10, min_share=0.02, min_count=50)
HOST_PREFIX = "host_"
VARIANTS = ("bank_only", "bank_plus_indicators", "bank_plus_raw")


@dataclass(frozen=True)
class HoldoutScore:
    auc: float
    ks: float
    features: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"auc": self.auc, "ks": self.ks, "features": self.features, "seconds": self.seconds}


@dataclass(frozen=True)
class VerticalBenchmark:
    scores: dict[str, HoldoutScore]
    n_train: int
    n_test: int
    matched: int  # guest rows that have a host record
    bad_rate: float
    seed: int
    policy: BandingPolicy
    bands: dict[str, Bands] = field(default_factory=dict)

    @property
    def indicator_cost(self) -> float:
        """AUC lost by releasing bands instead of raw values (negative when the bands did better)."""
        return self.scores["bank_plus_raw"].auc - self.scores["bank_plus_indicators"].auc

    def as_dict(self) -> dict[str, Any]:
        common = {"n_train": self.n_train, "n_test": self.n_test, "seed": self.seed}
        report = {name: {**self.scores[name].as_dict(), **common} for name in VARIANTS}
        report["bank_plus_indicators"] |= {
            "bands": {column: len(bands) for column, bands in self.bands.items()},
            "max_bands": self.policy.max_bands,
            "min_band_share": self.policy.min_share,
            "min_band_count": self.policy.min_count,
            "smallest_band_share": min(min(b.counts) / b.population for b in self.bands.values()),
        }
        return report


def _joined(
    guest: pd.DataFrame, host: pd.DataFrame, id_column: str, label: str
) -> tuple[pd.DataFrame, list[str], list[str], int]:
    for name, table in (("guest", guest), ("host", host)):
        if id_column not in table.columns:
            raise ValidationError(f"the {name} table has no id column {id_column!r}")
        if table[id_column].duplicated().any():
            raise ValidationError(f"the {name} table repeats ids in {id_column!r}")
    if label not in guest.columns:
        raise ValidationError(f"the guest table has no label column {label!r}")
    if label in host.columns:
        raise ValidationError(f"the host table carries the label column {label!r}; a data source must not")
    host_columns = [c for c in host.columns if c != id_column]
    text = [c for c in host_columns if not pd.api.types.is_numeric_dtype(host[c])]
    if text:
        raise ValidationError(f"host columns must be numeric to be generalized into bands: {', '.join(text)}")
    guest_columns = [c for c in guest.columns if c not in (id_column, label)]
    if not guest_columns or not host_columns:
        raise ValidationError("both tables need at least one feature column besides the id")
    renamed = host.rename(columns={c: HOST_PREFIX + str(c) for c in host_columns})
    clash = set(map(str, guest_columns)) & {HOST_PREFIX + str(c) for c in host_columns}
    if clash:
        raise ValidationError(f"guest columns clash with host column names: {', '.join(sorted(clash))}")
    # A left join: applicants the source knows nothing about stay, with missing host values.
    joined = guest.merge(renamed, on=id_column, how="left", indicator=True)
    matched = int((joined.pop("_merge") == "both").sum())
    if matched == 0:
        raise ValidationError("no guest id appears in the host table")
    return joined, guest_columns, host_columns, matched


def run_vertical_benchmark(
    guest: pd.DataFrame | Path,
    host: pd.DataFrame | Path,
    *,
    id_column: str,
    label: str,
    bad: str | None = None,
    seed: int = 0,
    policy: BandingPolicy = DEFAULT_POLICY,
    model: GbmModel | None = None,
    on_step: Callable[[str], None] | None = None,
) -> VerticalBenchmark:
    """Train and score the three variants on one seeded 70/30 stratified split; see the module docstring.
    ``guest`` and ``host`` are tables or paths of CSV files; ``model`` (default: ``GbmModel`` seeded with ``seed``)
    is copied unfitted for each variant."""
    guest = read_csv(guest) if isinstance(guest, Path) else guest
    host = read_csv(host) if isinstance(host, Path) else host
    joined, guest_columns, host_columns, matched = _joined(guest, host, id_column, label)
    y = target_from_column(joined[label], bad)
    train, test = holdout_split(y, test_share=HOLDOUT_SHARE, seed=seed)
    raw = {str(c): HOST_PREFIX + str(c) for c in host_columns}

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    # The platform's desensitization, learned on the training part only.
    bands = {column: fit_bands(joined[name].to_numpy()[train], policy) for column, name in raw.items()}
    indicators = pd.DataFrame(
        {f"{name}_band": assign_bands(bands[column], joined[name].to_numpy()) for column, name in raw.items()},
        index=joined.index,
    )
    step("generalize")
    features = pd.concat([joined[guest_columns + list(raw.values())], indicators], axis=1)
    template = model if model is not None else GbmModel(random_state=seed)
    columns = {
        "bank_only": guest_columns,
        "bank_plus_indicators": guest_columns + list(indicators.columns),
        "bank_plus_raw": guest_columns + list(raw.values()),
    }
    scores = {}
    for name in VARIANTS:
        scores[name] = _holdout_score(template, features[columns[name]], y, train, test)
        step(name)
    return VerticalBenchmark(
        scores=scores,
        n_train=int(train.size),
        n_test=int(test.size),
        matched=matched,
        bad_rate=float(y.mean()),
        seed=seed,
        policy=policy,
        bands=bands,
    )


def _holdout_score(
    template: GbmModel, X: pd.DataFrame, y: NDArray[np.int_], train: NDArray[np.int_], test: NDArray[np.int_]
) -> HoldoutScore:
    started = time.perf_counter()
    model = clone(template).fit(X.iloc[train], y[train])
    result = discrimination(y[test], model.predict_proba(X.iloc[test])[:, 1])
    return HoldoutScore(result.auc, result.ks, X.shape[1], time.perf_counter() - started)


__all__ = [
    "DEFAULT_POLICY",
    "HOLDOUT_SHARE",
    "VARIANTS",
    "HoldoutScore",
    "VerticalBenchmark",
    "run_vertical_benchmark",
]
