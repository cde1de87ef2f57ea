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
