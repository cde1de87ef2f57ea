"""``puhui gov ingest`` and ``puhui gov sources``: load department deliveries into the lake; watch their freshness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from puhui.cli._output import console, print_json, user_errors
from puhui.core.catalog import load_catalog
from puhui.core.clock import CHINA_TIME
from puhui.core.errors import ValidationError
from puhui.core.pseudonym import Pseudonymizer
from puhui.gov.config import GovSettings
from puhui.gov.ingest.deliveries import find_deliveries
from puhui.gov.ingest.pipeline import DeliveryIngestor, IngestOutcome
from puhui.gov.ingest.sources import source_statuses
from puhui.gov.lake.store import Lake

AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def _parse_time(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--received-at {text!r} is not an ISO date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=CHINA_TIME)


def ingest(
    path: Annotated[Path, typer.Argument(help="a delivery file, a provider folder or a deliveries folder")],
    received_at: Annotated[
        str | None, typer.Option(help="when the deliveries were received (ISO; default: manifest, else now)")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Load deliveries into the lake: validated, pseudonymized, one atomic batch per file. Exit 1 if any file
    was rejected."""
    with user_errors():
        settings = GovSettings()
        catalog = load_catalog()
        deliveries = find_deliveries(path)
        ingestor = DeliveryIngestor(
            Lake.at_home(settings.home),
            catalog,
            Pseudonymizer(settings.keyring()),
            received_at=_parse_time(received_at),
        )
        total = sum(d.path.stat().st_size for d in deliveries if d.path.is_file())
        with Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=as_json,
            transient=True,
        ) as progress:
            task = progress.add_task("ingest", total=total)
            outcomes = ingestor.ingest(deliveries, lambda size: progress.advance(task, size))
    if as_json:
        print_json({"files": [o.as_dict() for o in outcomes], "summary": _summary(outcomes)})
    else:
        _print_outcomes(outcomes)
    if any(o.status == "rejected" for o in outcomes):
        raise typer.Exit(1)


def _summary(outcomes: list[IngestOutcome]) -> dict[str, object]:
    seconds = sum(o.seconds for o in outcomes)
    read = sum(o.rows_read for o in outcomes)
    return {
        "files": len(outcomes),
        "loaded": sum(o.status == "loaded" for o in outcomes),
        "unchanged": sum(o.status == "unchanged" for o in outcomes),
        "rejected": sum(o.status == "rejected" for o in outcomes),
        "rows_read": read,
        "rows_accepted": sum(o.rows_accepted for o in outcomes),
        "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
        "seconds": round(seconds, 3),
        "rows_per_second": round(read / seconds) if seconds else None,
    }


def _print_outcomes(outcomes: list[IngestOutcome]) -> None:
    table = Table(title="入湖 ingestion")
    for column in ("file", "data set", "status", "read", "accepted", "quarantined", "note"):
        table.add_column(column, justify="right" if column in ("read", "accepted", "quarantined") else "left")
    colours = {"loaded": "green", "unchanged": "dim", "rejected": "red"}
    for o in outcomes:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(o.quarantine_by_kind.items()))
        note = o.reason or kinds or (f"extra columns: {', '.join(o.extra_columns)}" if o.extra_columns else "")
        table.add_row(
            o.file,
            o.dataset,
            f"[{colours[o.status]}]{o.status}[/]",
            str(o.rows_read),
            str(o.rows_accepted),
            str(o.rows_quarantined),
            note,
        )
    console.print(table)
    summary = _summary(outcomes)
    console.print(
        f"{summary['loaded']} loaded, {summary['unchanged']} unchanged, {summary['rejected']} rejected; "
        f"{summary['rows_read']} rows read, {summary['rows_quarantined']} quarantined"
    )


def sources(as_json: AsJson = False) -> None:
    """Per provider and data set: last delivery, freshness against the catalog, row counts, quarantine trend."""
    with user_errors():
        settings = GovSettings()
        report = source_statuses(Lake.at_home(settings.home), load_catalog())
    if as_json:
        print_json({"sources": [s.as_dict() for s in report]})
        return
    table = Table(title="数据源 sources")
    for column in ("provider", "data set", "last delivery", "age (days)", "status", "rows", "quarantine", "trend"):
        table.add_column(column)
    colours = {"fresh": "green", "stale": "yellow", "never": "red"}
    for s in report:
        table.add_row(
            s.provider_name,
            f"{s.dataset}\n{s.name}",
            s.last_received_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if s.last_received_at else "—",
            f"{s.age_days:.1f} / {s.freshness_days}" if s.age_days is not None else f"— / {s.freshness_days}",
            f"[{colours[s.status]}]{s.status}[/]"
            + (f"\n[red]last rejected: {s.last_rejection}[/]" if s.last_rejection else ""),
            f"{s.rows_accepted}/{s.rows_read}" if s.batches else "",
            f"{s.quarantine_rate:.2%}" if s.batches else "",
            s.trend or "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach ``ingest`` and ``sources`` to the ``puhui gov`` group."""
    app.command("ingest")(ingest)
    app.command("sources")(sources)


__all__ = ["register"]
