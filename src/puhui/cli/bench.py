"""``puhui bench``: measure the models on real data — what government data is worth, and the scorecard's quality."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pydantic
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from puhui.cli._output import console, err_console, print_json, user_errors
from puhui.core.errors import ValidationError

# The models (scikit-learn, LightGBM, optbinning) take seconds to import, so they load inside the commands,
# not whenever ``puhui`` starts.

app = typer.Typer(help="Benchmarks on real data. 真实数据基准测试。", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Seed = Annotated[int, typer.Option(help="seed of the split and the model")]
Bad = Annotated[str | None, typer.Option(help="the label value that means bad (default: the label is 0/1)")]

VARIANT_NAMES = {
    "bank_only": "仅银行数据 bank only",
    "bank_plus_indicators": "银行 + 平台指标 bank + indicators",
    "bank_plus_raw": "银行 + 原始数据 bank + raw (baseline)",
}


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err_console, transient=True
    )


@app.command("vertical")
def vertical(
    guest: Annotated[Path, typer.Option(help="the bank's own data: id, label and features (CSV)")],
    host: Annotated[Path, typer.Option(help="a government source keyed by the same id (CSV)")],
    id_column: Annotated[str, typer.Option("--id", help="the id column in both files")],
    label: Annotated[str, typer.Option(help="the label column in the guest file")],
    bad: Bad = None,
    seed: Seed = 0,
    max_bands: Annotated[int | None, typer.Option(help="bands per host column, at most [default: 10]")] = None,
    min_band_share: Annotated[
        float | None, typer.Option(help="the smallest share of subjects a band may hold [default: 0.02]")
    ] = None,
    min_band_count: Annotated[
        int | None, typer.Option(help="the fewest subjects a band may hold [default: 50]")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Held-out AUC and KS (30 % stratified holdout) of bank data alone, with the platform's banded indicators,
    and with the raw host columns. 银行数据单独、加平台脱敏指标、加原始政务数据三种情形的留出集 AUC 与 KS。"""
    from puhui.bank.scoring.vertical import DEFAULT_POLICY, VARIANTS, run_vertical_benchmark

    chosen = {"max_bands": max_bands, "min_share": min_band_share, "min_count": min_band_count}
    with user_errors():
        try:
            policy = DEFAULT_POLICY.model_validate(
                DEFAULT_POLICY.model_dump() | {k: v for k, v in chosen.items() if v is not None}
            )
        except pydantic.ValidationError as err:
            problem = err.errors()[0]
            raise ValidationError(f"banding policy, {problem['loc'][0]}: {problem['msg']}") from None
        with _progress() as progress:
            task = progress.add_task("vertical benchmark", total=1 + len(VARIANTS))
            result = run_vertical_benchmark(
                guest,
                host,
                id_column=id_column,
                label=label,
                bad=bad,
                seed=seed,
                policy=policy,
                on_step=lambda name: progress.update(task, advance=1, description=name),
            )
    if as_json:
        print_json(result.as_dict())
        return
    table = Table(
        title=f"纵向基准 vertical benchmark — {result.n_train} train / {result.n_test} holdout, seed {result.seed}"
    )
    for column in ("", "AUC", "KS", "Δ AUC", "features", "seconds"):
        table.add_column(column, justify="left" if not column else "right")
    baseline = result.scores["bank_only"].auc
    for name in VARIANTS:
        score = result.scores[name]
        table.add_row(
            VARIANT_NAMES[name],
            f"{score.auc:.4f}",
            f"{score.ks:.4f}",
            f"{score.auc - baseline:+.4f}",
            str(score.features),
            f"{score.seconds:.1f}",
        )
    console.print(table)
    bands = ", ".join(f"{column}: {len(b)}" for column, b in result.bands.items())
    console.print(
        f"脱敏 generalization: ≤ {policy.max_bands} bands, each ≥ {policy.min_share:.0%} and ≥ {policy.min_count} "
        f"subjects, learned on the training part — bands per host column: {bands}"
    )
    console.print(f"脱敏代价 cost of desensitization: {result.indicator_cost:+.4f} AUC against the raw host columns")


@app.command("scorecard")
def scorecard(
    data: Annotated[Path, typer.Option(help="a labelled CSV file")],
    label: Annotated[str, typer.Option(help="the label column")],
    bad: Bad = None,
    folds: Annotated[int, typer.Option(help="cross-validation folds")] = 5,
    seed: Seed = 0,
    as_json: AsJson = False,
) -> None:
    """Cross-validated AUC, KS and Gini of the WoE scorecard (binning refitted inside every fold).
    WoE 评分卡的交叉验证 AUC、KS 与 Gini。"""
    from puhui.bank.scoring import WoeScorecard
    from puhui.bank.scoring.inputs import labelled_frame
    from puhui.bank.scoring.validation import cross_validate

    with user_errors():
        X, y = labelled_frame(data, label, bad)
        with _progress() as progress:
            progress.add_task(f"{folds}-fold cross-validation", total=None)
            result = cross_validate(WoeScorecard(), X, y, folds=folds, seed=seed)
    report = {"model": "woe_scorecard", "folds": folds, "seed": seed, "n": len(X), "bad_rate": float(y.mean())}
    report |= result.as_dict()
    if as_json:
        print_json(report)
        return
    table = Table(title=f"WoE 评分卡 scorecard — {data.name}, {len(X)} rows, {folds}-fold cross-validation")
    for column in ("AUC", "± sd", "KS", "Gini", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{result.auc:.4f}", f"{result.auc_std:.4f}", f"{result.ks:.4f}", f"{result.gini:.4f}", f"{result.seconds:.1f}"
    )
    console.print(table)
