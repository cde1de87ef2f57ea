"""``puhui bank``: the bank node — serve its API, load its own data, train and promote models, housekeeping."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from puhui.bank.config import BankSettings
from puhui.cli._output import console, print_json, user_errors

app = typer.Typer(help="The bank node. 银行节点。", no_args_is_help=True)
models_app = typer.Typer(help="Registered risk models: champion and challenger. 风险模型。", no_args_is_help=True)
app.add_typer(models_app, name="models")

AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="default PUHUI_BANK_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default PUHUI_BANK_PORT (8800)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Serve the bank's API (FastAPI on uvicorn); OpenAPI at /docs."""
    import uvicorn

    with user_errors():
        settings = BankSettings()
        from puhui.bank.bootstrap import bootstrap

        bootstrap(settings).close()  # fail here, clearly, on bad settings or credentials; migrate once
    uvicorn.run(
        "puhui.bank.api.app:create_app",
        factory=True,
        host=host or settings.bank_host,
        port=port or settings.bank_port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


@app.command("migrate")
def migrate_database() -> None:
    """Create or upgrade the bank's database to the latest schema."""
    from puhui.bank.bootstrap import open_store

    with user_errors():
        settings = BankSettings()
        engine, _ = open_store(settings)
        engine.dispose()
    console.print(f"bank database ready: {settings.database_url}")


@app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="a synthetic city folder, or its bank/ folder")],
    as_json: AsJson = False,
) -> None:
    """Load the bank's own data (customers, deposits, past applications) into its store, replacing the last load."""
    from puhui.bank.bootstrap import open_store
    from puhui.bank.own_data.loader import load_own_data

    with user_errors():
        engine, sessions = open_store(BankSettings())
        summary = load_own_data(sessions, path)
        engine.dispose()
    if as_json:
        print_json(dataclasses.asdict(summary))
    else:
        console.print(
            f"loaded {summary.customers:,} customers, {summary.deposit_months:,} deposit months and "
            f"{summary.past_applications:,} past applications"
        )


@app.command("replay")
def replay(
    script_applicants: Annotated[
        bool,
        typer.Option(
            "--script-applicants",
            help="play each past applicant's identity check and signature (a development government node only)",
        ),
    ] = False,
    min_months: Annotated[int, typer.Option(help="replay loans observed at least this many months")] = 6,
    workers: Annotated[int, typer.Option(min=1, max=32, help="requests in flight")] = 4,
    timeout: Annotated[float, typer.Option(help="seconds a past as-of query may take (they are computed)")] = 60.0,
    as_json: AsJson = False,
) -> None:
    """Replay the past applications through the government node, as of each application date (resumable)."""
    from rich.progress import Progress

    from puhui.bank.bootstrap import bootstrap
    from puhui.bank.gov_client.applicant import ApplicantAgent
    from puhui.bank.models.replay import replay_history

    if not script_applicants:
        console.print(
            "[red]error[/red]: past applicants sign their consents at the government node; in development pass "
            "--script-applicants to play them"
        )
        raise typer.Exit(2)
    with user_errors():
        settings = BankSettings()
        settings.bank_gov_timeout_seconds = timeout
        node = bootstrap(settings)
        agent = ApplicantAgent(settings.bank_gov_url, timeout_seconds=timeout)
        with Progress(console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task("回放历史申请 replaying history", total=None)
            summary = replay_history(
                node.context,
                agent.sign_consent,
                min_months_observed=min_months,
                workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        agent.close()
        node.close()
    if as_json:
        print_json(dataclasses.asdict(summary))
        return
    console.print(f"replayed {summary.replayed}, already replayed {summary.already}, failed {summary.failed}")
    for error in summary.errors:
        console.print(f"  [yellow]{error}[/yellow]")


@app.command("train")
def train(
    min_months: Annotated[int, typer.Option(help="learn from loans observed at least this many months")] = 6,
    bad_dpd: Annotated[int, typer.Option(help="days past due that make a loan bad")] = 30,
    validation_share: Annotated[float, typer.Option(min=0.1, max=0.5, help="latest share kept for validation")] = 0.3,
    seed: int = 0,
    as_json: AsJson = False,
) -> None:
    """Train a scorecard and a gradient-boosted model on the replayed history, validate them on a later period,
    write their bilingual reports and register both versions (promote one with 'puhui bank models promote')."""
    from puhui.bank.bootstrap import bootstrap
    from puhui.bank.gov_client.model import OfflineGov
    from puhui.bank.models.training import TrainingOptions, train_models

    with user_errors():
        node = bootstrap(gov=OfflineGov())  # training reads only the bank's own store
        options = TrainingOptions(min_months, bad_dpd, validation_share, seed)
        with console.status("训练模型 training") as status:
            result = train_models(
                node.context,
                node.settings.models_dir,
                node.settings.bank_home / "reports",
                options,
                progress=lambda step: status.update(f"训练模型 training: {step}"),
            )
        node.close()
    if as_json:
        print_json(
            {
                "rows": result.rows,
                "bads": result.bads,
                "skipped": result.skipped,
                "validation_from": result.validation_from,
                "versions": [{"version": v.version, "kind": v.kind, "metrics": v.metrics} for v in result.versions],
                "notes": list(result.notes),
            }
        )
        return
    console.print(
        f"{result.rows} past loans ({result.bads} bad, {result.skipped} skipped); "
        f"validation from {result.validation_from}"
    )
    table = Table(title="模型验证 out-of-time validation")
    for column in ("version", "AUC", "KS", "Gini", "PSI", "calibration gap", "report"):
        table.add_column(column)
    for version in result.versions:
        figures = version.metrics["validation"]
        table.add_row(
            version.version,
            _figure(figures.get("auc")),
            _figure(figures.get("ks")),
            _figure(figures.get("gini")),
            _figure(figures.get("psi")),
            _figure(figures.get("calibration_max_gap")),
            version.metrics.get("report", "-"),
        )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]{note}[/yellow]")
    console.print("promote one with: puhui bank models promote VERSION")


@app.command("purge")
def purge(as_json: AsJson = False) -> None:
    """Delete received indicators whose consent's data life has ended (run daily)."""
    from puhui.bank.bootstrap import open_store
    from puhui.bank.db import UnitOfWork

    with user_errors():
        engine, sessions = open_store(BankSettings())
        with UnitOfWork(sessions) as uow:
            purged = uow.indicators.purge(_now())
            uow.commit()
        engine.dispose()
    if as_json:
        print_json({"purged": purged})
    else:
        console.print(f"purged {purged} indicator sets past their data life")


@app.command("retry")
def retry(as_json: AsJson = False) -> None:
    """Decide again every application that waits for the government node."""
    from puhui.bank.bootstrap import bootstrap
    from puhui.bank.decision.use_cases import retry_waiting

    with user_errors():
        node = bootstrap()
        states = retry_waiting(node.context)
        node.close()
    if as_json:
        print_json([s.as_public() for s in states])
    else:
        console.print(f"retried {len(states)} waiting applications")


@models_app.command("list")
def list_models(as_json: AsJson = False) -> None:
    """Every registered model version with its status and validation figures."""
    from puhui.bank.bootstrap import open_store
    from puhui.bank.db import UnitOfWork

    with user_errors():
        engine, sessions = open_store(BankSettings())
        with UnitOfWork(sessions) as uow:
            models = uow.models.all()
        engine.dispose()
    if as_json:
        print_json(
            [
                {"version": m.version, "kind": m.kind, "status": m.status.value, "metrics": dict(m.metrics)}
                for m in models
            ]
        )
        return
    table = Table(title="风险模型 risk models")
    for column in ("version", "kind", "status", "AUC", "KS", "PSI", "trained"):
        table.add_column(column)
    for m in models:
        figures = m.metrics.get("validation", {})
        table.add_row(
            m.version,
            m.kind,
            m.status.value,
            _figure(figures.get("auc")),
            _figure(figures.get("ks")),
            _figure(figures.get("psi")),
            f"{m.trained_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


def _figure(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "-"


def _move_model(action: str, version: str) -> None:
    from puhui.bank.bootstrap import open_store
    from puhui.bank.db import UnitOfWork
    from puhui.bank.models.use_cases import promote_model, retire_model, shadow_model

    use_case = {"promote": promote_model, "shadow": shadow_model, "retire": retire_model}[action]
    with user_errors():
        engine, sessions = open_store(BankSettings())
        moved = use_case(lambda: UnitOfWork(sessions), version, _now())
        engine.dispose()
    console.print(f"model {moved.version} is now {moved.status.value}")


@models_app.command("promote")
def promote(version: str) -> None:
    """Make VERSION the champion that decides; the previous champion is retired."""
    _move_model("promote", version)


@models_app.command("shadow")
def shadow(version: str) -> None:
    """Run VERSION in shadow as challenger: scored and recorded beside the champion, never acted on."""
    _move_model("shadow", version)


@models_app.command("retire")
def retire(version: str) -> None:
    """Stop using VERSION."""
    _move_model("retire", version)
