"""The ``puhui`` command: a thin shell over the services. Each sub-command group lives in its own module."""

from __future__ import annotations

import typer

from puhui.cli import bank, bench, catalog, demo, gov, ids, synth

app = typer.Typer(
    name="puhui",
    help="puhui (普惠): government data for inclusive credit. 政务数据普惠金融平台。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ids.app, name="id")
app.add_typer(catalog.app, name="catalog")
app.add_typer(gov.app, name="gov")
app.add_typer(bank.app, name="bank")
app.add_typer(bench.app, name="bench")
app.add_typer(synth.app, name="synth")
app.command("demo")(demo.demo)


def main() -> None:
    app()


__all__ = ["app", "main"]
