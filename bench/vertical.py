"""The vertical benchmark over several holdout seeds: what government data adds, and what desensitization costs.

    python3 bench/vertical.py [--seeds 10] [--data ../shared/data/fate]

For each seed (a different stratified 70/30 split): held-out AUC and KS of the GBM on bank data only, on bank data
plus the platform's banded indicators, and on bank data plus the raw host columns; and, as a plain baseline in the
same run, a logistic regression on bank + raw host columns. Prints the rows, the mean and worst case, and wall time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from puhui.bank.scoring.metrics import auc
from puhui.bank.scoring.validation import holdout_split
from puhui.bank.scoring.vertical import HOLDOUT_SHARE, VARIANTS, run_vertical_benchmark

ROOT = Path(__file__).resolve().parents[1]


def logistic_baseline(guest: pd.DataFrame, host: pd.DataFrame, seed: int) -> float:
    """Plain logistic regression on bank + raw host columns, same split as the benchmark."""
    joined = guest.merge(host, on="id", how="left", suffixes=("", "_host"))
    y = joined.pop("y").to_numpy()
    X = joined.drop(columns=["id"]).to_numpy()
    train, test = holdout_split(y, test_share=HOLDOUT_SHARE, seed=seed)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X[train], y[train])
    return auc(y[test], model.predict_proba(X[test])[:, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data" / "fate")
    args = parser.parse_args()
    guest = pd.read_csv(args.data / "default_credit_hetero_guest.csv")
    host = pd.read_csv(args.data / "default_credit_hetero_host.csv")

    print("seed  bank only       + indicators    + raw host      raw−ind  LR bank+raw  seconds")
    rows = []
    started = time.perf_counter()
    for seed in range(args.seeds):
        began = time.perf_counter()
        result = run_vertical_benchmark(guest, host, id_column="id", label="y", seed=seed)
        seconds = time.perf_counter() - began
        baseline = logistic_baseline(guest, host, seed)
        scores = [result.scores[name] for name in VARIANTS]
        rows.append([s.auc for s in scores] + [s.ks for s in scores] + [baseline])
        cells = "  ".join(f"{s.auc:.4f}/{s.ks:.4f}" for s in scores)
        print(f"{seed:>4}  {cells}  {result.indicator_cost:+.4f}  {baseline:.4f}       {seconds:.1f}")
    total = time.perf_counter() - started
    table = np.array(rows)
    mean, worst = table.mean(axis=0), table.min(axis=0)
    print(f"mean  AUC {mean[0]:.4f} / {mean[1]:.4f} / {mean[2]:.4f}   KS {mean[3]:.4f} / {mean[4]:.4f} / {mean[5]:.4f}")
    print(f"min   AUC {worst[0]:.4f} / {worst[1]:.4f} / {worst[2]:.4f}")
    cost = table[:, 2] - table[:, 1]
    print(f"raw − indicators: mean {cost.mean():+.4f}, largest {cost.max():+.4f}")
    print(f"GBM bank+raw against the logistic baseline: {mean[2]:.4f} vs {mean[6]:.4f} ({mean[2] / mean[6]:.3f}×)")
    meeting = int(np.sum((table[:, 1] >= 0.78) & (np.abs(cost) <= 0.005)))
    print(f"seeds meeting the bar (ind ≥ 0.78, |raw − ind| ≤ 0.005): {meeting}/{args.seeds}")
    print(f"wall time {total:.1f} s for {args.seeds} seeds ({total / args.seeds:.1f} s per seed, 3 GBM + 1 LR fits)")


if __name__ == "__main__":
    main()
