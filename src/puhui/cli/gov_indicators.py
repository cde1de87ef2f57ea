"""``puhui gov indicators``: definitions (list, show), snapshots (build, snapshots), one subject (get) and
k-anonymous counts (aggregate)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from puhui.cli._output import console, print_json, user_errors
from puhui.core.errors import ValidationError
from puhui.core.ids import SubjectKind, parse_subject_id
from puhui.core.indicators import Indicator, load_indicators
from puhui.core.pseudonym import Pseudonymizer
from puhui.engines import ENGINE_TYPES, create_engine
from puhui.gov.indicators.aggregates import release_counts
from puhui.gov.indicators.blacklist import bank_reported_supplement
from puhui.gov.indicators.config import IndicatorSettings
from puhui.gov.indicators.online import SnapshotIndex, subject_indicators
from puhui.gov.indicators.snapshot import build_snapshot, latest_snapshot, list_snapshots

app = typer.Typer(help="Desensitized indicators per subject. 脱敏指标。", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _describe(indicator: Indicator, *, full: bool) -> dict[str, Any]:
    definitions = load_indicators()
    dataset = definitions.dataset(indicator)
    described: dict[str, Any] = {
        "id": indicator.id,
        "version": indicator.version,
        "group": indicator.group,
        "sensitive": definitions.group(indicator.group).sensitive,
        "name_zh": indicator.name.zh,
        "name_en": indicator.name.en,
        "subjects": [k.value for k in indicator.subjects],
        "output": indicator.output.value,
        "values": list(indicator.values),
        "source": dataset.id,
        "source_zh": dataset.name.zh,
        "provider_zh": definitions.catalog.provider(dataset.provider).name.zh,
        "lawful_use": dataset.lawful_use.cls.value,
    }
    if full:
        described |= {
            "description_zh": indicator.description.zh,
            "description_en": indicator.description.en,
            "definition": indicator.model_dump(mode="json", exclude={"group"}),
        }
    return described


@app.command("list")
def list_indicators(
    as_json: AsJson = False,
    group: Annotated[str | None, typer.Option(help="only this group")] = None,
) -> None:
    """Every indicator: group, bilingual name, subjects, values and source data set."""
    with user_errors():
        definitions = load_indicators()
        chosen = [i for i in definitions if group is None or i.group == group]
    if as_json:
        print_json(
            {"definitions_version": definitions.version, "indicators": [_describe(i, full=False) for i in chosen]}
        )
        return
    table = Table(title=f"指标 indicators {definitions.version} — {len(chosen)}")
    for column in ("id", "组 group", "指标 indicator", "subjects", "values", "来源 source"):
        table.add_column(column)
    for indicator in chosen:
        info = _describe(indicator, full=False)
        table.add_row(
            indicator.id,
            indicator.group + (" (sensitive)" if info["sensitive"] else ""),
            f"{indicator.name.zh}\n{indicator.name.en}",
            ", ".join(info["subjects"]),
            " / ".join(info["values"])[:60],
            f"{info['source']}\n{info['provider_zh']} {info['source_zh']}",
        )
    console.print(table)


@app.command("show")
def show(indicator_id: str, as_json: AsJson = False) -> None:
    """One indicator in full: description, source columns, window, generalization rule and allowed values."""
    with user_errors():
        info = _describe(load_indicators().get(indicator_id), full=True)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['name_zh']}[/bold] / {info['name_en']}  ({info['id']} v{info['version']})")
    console.print(f"{info['description_zh']}\n{info['description_en']}")
    console.print(f"组 group: {info['group']}{' (sensitive: separate consent)' if info['sensitive'] else ''}")
    console.print(f"来源 source: {info['provider_zh']} {info['source_zh']} ({info['source']}, {info['lawful_use']})")
    source = info["definition"]["source"]
    console.print(f"columns: {', '.join(source['columns'])}; lookback: {source['lookback_months'] or '—'} months")
    console.print(f"measure: {info['definition']['measure']}; rule: {info['definition']['rule']}")
    console.print(f"values: {' / '.join(info['values'])}")


@app.command("build")
def build(
    as_of: Annotated[str, typer.Option("--as-of", help="the as-of day, YYYY-MM-DD")],
    engine: Annotated[str | None, typer.Option(help=f"one of {', '.join(ENGINE_TYPES)} (default: settings)")] = None,
    as_json: AsJson = False,
) -> None:
    """Compute every subject's indicators as of a day into a versioned snapshot (Parquet + Arrow lookup files)."""
    with user_errors():
        settings = IndicatorSettings()
        day = _day(as_of)
        assert day is not None
        if engine is not None and engine not in ENGINE_TYPES:
            raise ValidationError(f"--engine must be one of {', '.join(ENGINE_TYPES)}")
        definitions = load_indicators()
        supplements = bank_reported_supplement(_blacklist_reader(settings), definitions.catalog)
        with (
            create_engine(settings.engine_config(engine)) as compute_engine,
            Progress(
                TextColumn("[bold]indicators"),
                BarColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                disable=as_json,
            ) as bar,
        ):
            task = bar.add_task("starting", total=1)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            info = build_snapshot(
                compute_engine,
                settings.lake_root,
                settings.snapshots_root,
                definitions,
                day,
                supplements=supplements,
                progress=progress,
            )
    if as_json:
        print_json({"path": str(info.path), **info.to_json()})
        return
    rows = ", ".join(f"{n:,} {k}" for k, n in info.rows.items())
    console.print(f"[green]snapshot[/green] {info.path.name}: {rows} in {info.seconds:.1f} s on {info.engine}")
    if info.unavailable:
        console.print(
            f"[yellow]not in the lake yet[/yellow]: {len(info.unavailable)} indicators "
            f"({', '.join(info.unavailable[:5])} …)"
        )


def _blacklist_reader(settings: IndicatorSettings) -> Any:
    """The node's bank-reported defaults, when its database has been set up (``puhui gov db upgrade``)."""
    import sqlalchemy as sa

    from puhui.gov.db.blacklist import SqlBlackListReader
    from puhui.gov.db.engine import create_engine as create_database

    database = create_database(settings.database_url)
    return SqlBlackListReader(database) if sa.inspect(database).has_table("listings") else None


@app.command("snapshots")
def snapshots(as_json: AsJson = False) -> None:
    """The snapshots built so far, the latest last."""
    settings = IndicatorSettings()
    found = list_snapshots(settings.snapshots_root)
    if as_json:
        print_json([{"path": str(s.path), **s.to_json()} for s in found])
        return
    table = Table(title="indicator snapshots")
    for column in ("snapshot", "as of", "engine", "rows", "seconds", "built"):
        table.add_column(column)
    for s in found:
        table.add_row(s.path.name, s.as_of.isoformat(), s.engine, str(s.rows), f"{s.seconds:.1f}", s.built_at)
    console.print(table)


@app.command("get")
def get(
    subject: Annotated[str, typer.Argument(help="a resident ID, a credit code or a pseudonym (P1-… / E1-…)")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="a past day (default: the latest snapshot)")] = None,
    as_json: AsJson = False,
) -> None:
    """One subject's indicators (the number is pseudonymized here and never printed)."""
    with user_errors():
        settings = IndicatorSettings()
        pseudonym = subject if subject[:1] in "PE" and "-" in subject else None
        if pseudonym is None:
            pseudonym = Pseudonymizer(settings.keyring()).of(parse_subject_id(subject))
        definitions = load_indicators()
        found = subject_indicators(
            [pseudonym],
            definitions,
            index=SnapshotIndex(settings.snapshots_root),
            lake=settings.lake_root,
            as_of=_day(as_of),
            engine_config=settings.engine_config("duckdb"),
        )[pseudonym]
    if as_json:
        print_json(
            {
                "subject": found.subject,
                "as_of": found.as_of,
                "source": found.source,
                "known": found.known,
                "values": found.values,
            }
        )
        return
    console.print(f"{found.subject} as of {found.as_of} ({found.source}){'' if found.known else ' — unknown'}")
    table = Table()
    for column in ("group", "indicator", "指标", "value"):
        table.add_column(column)
    for name, value in found.values.items():
        indicator = definitions.get(name)
        table.add_row(indicator.group, name, indicator.name.zh, "—" if value is None else str(value))
    console.print(table)


@app.command("aggregate")
def aggregate(
    by: Annotated[str, typer.Option(help="indicator ids to count by, comma separated")],
    kind: Annotated[SubjectKind, typer.Option(help="person or enterprise")] = SubjectKind.PERSON,
    k: Annotated[int | None, typer.Option("--k", help="smallest cell released (default: settings, 5)")] = None,
    as_json: AsJson = False,
) -> None:
    """Counts of subjects per combination of indicator values in the latest snapshot; cells under k suppressed."""
    with user_errors():
        settings = IndicatorSettings()
        release = release_counts(
            latest_snapshot(settings.snapshots_root),
            kind,
            [b.strip() for b in by.split(",") if b.strip()],
            min_cell=k or settings.indicator_min_cell,
        )
    if as_json:
        print_json(release.to_json())
        return
    table = Table(
        title=f"{kind.value} subjects by {', '.join(release.by)} (k = {release.min_cell}), as of {release.as_of}"
    )
    for column in (*release.by, "subjects"):
        table.add_column(column)
    for cell in release.cells:
        table.add_row(
            *(str(cell.key[b]) for b in release.by), "<k (suppressed)" if cell.suppressed else str(cell.subjects)
        )
    console.print(table)
