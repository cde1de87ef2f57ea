"""``puhui catalog``: the data sets every department delivers, bilingual."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from puhui.cli._output import console, print_json, user_errors
from puhui.core.catalog import load_catalog

app = typer.Typer(help="The data catalog. 数据目录。", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


@app.command("list")
def list_datasets(
    as_json: AsJson = False,
    provider: Annotated[str | None, typer.Option(help="only this provider id")] = None,
) -> None:
    """Every data set: provider, name, subject, delivery and lawful-use class."""
    catalog = load_catalog()
    entries = [d for d in catalog if provider is None or d.provider == provider]
    if as_json:
        print_json(
            {
                "catalog_version": catalog.version,
                "datasets": [
                    {
                        "id": d.id,
                        "version": d.version,
                        "provider": d.provider,
                        "provider_zh": catalog.provider(d.provider).name.zh,
                        "provider_en": catalog.provider(d.provider).name.en,
                        "name_zh": d.name.zh,
                        "name_en": d.name.en,
                        "subject": d.subject.value,
                        "format": d.delivery.format.value,
                        "encoding": d.delivery.encoding.value,
                        "frequency": d.delivery.frequency.value,
                        "lawful_use": d.lawful_use.cls.value,
                    }
                    for d in entries
                ],
            }
        )
        return
    table = Table(title=f"数据目录 catalog {catalog.version} — {len(entries)} data sets")
    for column in ("id", "提供方 provider", "数据集 data set", "subject", "delivery", "lawful use"):
        table.add_column(column)
    for d in entries:
        table.add_row(
            d.id,
            catalog.provider(d.provider).name.zh,
            f"{d.name.zh}\n{d.name.en}",
            d.subject.value,
            f"{d.delivery.format.value} {d.delivery.encoding.value} {d.delivery.frequency.value}",
            d.lawful_use.cls.value,
        )
    console.print(table)


@app.command("show")
def show(dataset_id: str, as_json: AsJson = False) -> None:
    """One data set in full: fields with types, privacy classes and code lists; delivery; lawful use."""
    with user_errors():
        catalog = load_catalog()
        d = catalog.get(dataset_id)
    if as_json:
        print_json(d.model_dump(mode="json", by_alias=True))
        return
    provider = catalog.provider(d.provider)
    console.print(f"[bold]{d.name.zh}[/bold] / {d.name.en}  ({d.id} v{d.version})")
    console.print(f"提供方 provider: {provider.name.zh} / {provider.name.en}")
    console.print(f"主体 subject: {d.subject.value}, key column [bold]{d.subject_key}[/bold]")
    delivery = d.delivery
    console.print(
        f"交付 delivery: {delivery.format.value}, {delivery.encoding.value}, {delivery.frequency.value}, "
        f"{delivery.mode.value}, stale after {delivery.freshness_days} days"
    )
    console.print(f"合法使用 lawful use: [bold]{d.lawful_use.cls.value}[/bold] — {d.lawful_use.reason}")
    table = Table()
    for column in ("field", "字段", "name", "type", "privacy", "required", "codes"):
        table.add_column(column)
    for f in d.fields:
        codes = ", ".join(f"{k}={v}" for k, v in (f.codes or {}).items())
        table.add_row(
            f.name,
            f.label.zh,
            f.label.en,
            f.type.value + (f" ({f.unit})" if f.unit else ""),
            f.privacy.value,
            "yes" if f.required else "",
            codes[:80],
        )
    console.print(table)
