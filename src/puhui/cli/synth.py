"""``puhui synth city``: generate the synthetic city — every department's deliveries, the pilot bank's own
history and the ground truth — reproducibly from a seed, with a summary against the documented targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from puhui.cli._output import console, print_json, user_errors
from puhui.core.catalog import load_catalog
from puhui.synth.generate import generate_city, total_steps
from puhui.synth.params import DEFAULT_AS_OF, CityParams
from puhui.synth.summary import summarize

app = typer.Typer(help="The synthetic city. 合成城市数据。", no_args_is_help=True)


@app.command("city")
def city(
    persons: Annotated[int, typer.Option(help="residents of the city (Xinyu has about 1.2 million)")] = 20_000,
    seed: Annotated[int, typer.Option(help="the same seed gives the same bytes")] = 7,
    out: Annotated[Path, typer.Option(help="output folder (deliveries/, bank/, truth/)")] = Path("synthetic-city"),
    companies: Annotated[int | None, typer.Option(help="class-91 enterprises (default: scales with persons)")] = None,
    as_of: Annotated[str, typer.Option(help="reference date, YYYY-MM-DD")] = DEFAULT_AS_OF.isoformat(),
    months: Annotated[int, typer.Option(help="length of the monthly series")] = 24,
    bad_rate: Annotated[float, typer.Option("--bad-rate", help="share of rows broken on purpose")] = 0.005,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Generate the city into OUT: deliveries for every catalog data set, the bank's data, the truth."""
    with user_errors():
        try:
            reference_day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        params = CityParams(
            persons=persons, seed=seed, companies=companies, as_of=reference_day, months=months, bad_rate=bad_rate
        )
        catalog = load_catalog()
        with Progress(
            TextColumn("[bold]synth city"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            disable=as_json,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=total_steps(catalog))

            def advance(what: str, steps: int) -> None:
                progress.update(task, advance=steps, description=what)

            output = generate_city(params, out, catalog=catalog, progress=advance)
        summary = summarize(output)
    if as_json:
        print_json(summary.as_dict())
        return
    table = Table(title=f"合成城市 synthetic city — {persons:,} persons, seed {seed}, as of {params.as_of}")
    for column in ("measure", "value", "target", ""):
        table.add_column(column)
    for line in summary.lines:
        table.add_row(
            line.label, line.value_text, line.target_text, "[green]ok[/green]" if line.ok else "[yellow]off[/yellow]"
        )
    console.print(table)
    console.print(
        f"{len(output.files)} deliveries ({sum(f.rows for f in output.files):,} rows, "
        f"{len(output.bad_rows):,} bad rows in the answer key) written to {out}"
    )
