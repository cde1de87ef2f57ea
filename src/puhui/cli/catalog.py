"""``puhui catalog``: the data sets every department delivers, bilingual."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.table import Table

from puhui.cli._output import console, print_json, user_errors
from puhui.core.catalog import DatasetSpec, LawfulUse, load_catalog

app = typer.Typer(help="The data catalog. 数据目录。", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]

USE_STYLE = {LawfulUse.ALLOWED: "green", LawfulUse.SEPARATE_CONSENT: "yellow", LawfulUse.PROHIBITED: "red"}
USE_LABEL = {LawfulUse.ALLOWED: "可用", LawfulUse.SEPARATE_CONSENT: "需单独同意", LawfulUse.PROHIBITED: "禁止"}


def _use(d: DatasetSpec) -> str:
    cls = d.lawful_use.cls
    return f"[{USE_STYLE[cls]}]{USE_LABEL[cls]} {cls.value}[/]"


@app.command("list")
def list_datasets(
    as_json: AsJson = False,
    provider: Annotated[str | None, typer.Option(help="only this provider id")] = None,
    use: Annotated[LawfulUse | None, typer.Option("--use", help="only this lawful-use class")] = None,
) -> None:
    """Every data set: provider, name, subject, delivery and lawful-use class."""
    catalog = load_catalog()
    chosen = (d for d in catalog if provider in (None, d.provider) and use in (None, d.lawful_use.cls))
    entries = sorted(chosen, key=lambda d: (d.seed_row, d.provider, d.id))
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
                        "subject_key": d.subject_key,
                        "event_date": d.event_date,
                        "format": d.delivery.format.value,
                        "encoding": d.delivery.encoding.value,
                        "frequency": d.delivery.frequency.value,
                        "mode": d.delivery.mode.value,
                        "lawful_use": d.lawful_use.cls.value,
                        "seed_row": d.seed_row,
                    }
                    for d in entries
                ],
            }
        )
        return
    counts = Counter(d.lawful_use.cls for d in entries)
    table = Table(
        title=f"数据目录 catalog {catalog.version} — {len(entries)} data sets",
        caption="  ".join(f"{_use_count(cls, counts[cls])}" for cls in LawfulUse),
    )
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("数据集 data set")
    table.add_column("主体 subject")
    table.add_column("交付 delivery")
    table.add_column("合法使用 lawful use")
    current_provider = None
    for d in entries:
        if d.provider != current_provider:
            current_provider = d.provider
            name = catalog.provider(d.provider).name
            table.add_section()
            table.add_row(f"[bold]{d.provider}[/bold]", f"[bold]{name.zh}[/bold] {name.en}", "", "", "")
        table.add_row(
            d.id,
            f"{d.name.zh} {d.name.en}",
            d.subject.value,
            f"{d.delivery.format.value} {d.delivery.encoding.value} {d.delivery.frequency.value}",
            _use(d),
        )
    console.print(table)


def _use_count(cls: LawfulUse, count: int) -> str:
    return f"[{USE_STYLE[cls]}]{cls.value}: {count}[/]"


@app.command("show")
def show(
    dataset: Annotated[str, typer.Argument(help="data set id, 提供方/数据集, or its name in Chinese or English")],
    as_json: AsJson = False,
) -> None:
    """One data set in full: fields with types, privacy classes and code lists; delivery; lawful use."""
    with user_errors():
        catalog = load_catalog()
        d = catalog.find(dataset)
    if as_json:
        print_json(d.model_dump(mode="json", by_alias=True))
        return
    provider = catalog.provider(d.provider)
    console.print(f"[bold]{d.name.zh}[/bold] / {d.name.en}  ({d.id} v{d.version}, seed row {d.seed_row})")
    console.print(f"提供方 provider: {provider.name.zh} / {provider.name.en}")
    if d.description:
        console.print(f"说明: {d.description.zh}\nabout: {d.description.en}")
    event = f", event date [bold]{d.event_date}[/bold]" if d.event_date else ""
    console.print(f"主体 subject: {d.subject.value}, key column [bold]{d.subject_key}[/bold]{event}")
    delivery = d.delivery
    console.print(
        f"交付 delivery: {delivery.format.value}, {delivery.encoding.value}, {delivery.frequency.value}, "
        f"{delivery.mode.value}, stale after {delivery.freshness_days} days"
    )
    console.print(f"合法使用 lawful use: [bold]{_use(d)}[/bold] — {d.lawful_use.reason}")
    if d.seed_note:
        console.print(f"附注 seed note: {d.seed_note}")
    table = Table()
    for column in ("field", "字段", "name", "type", "privacy", "required", "codes"):
        table.add_column(column, no_wrap=column == "field")
    for f in d.fields:
        table.add_row(
            f.name,
            f.label.zh,
            f.label.en,
            f.type.value + (f" ({f.unit})" if f.unit else ""),
            f.privacy.value,
            "yes" if f.required else "",
            "\n".join(f"{k} = {v}" for k, v in (f.codes or {}).items()),
        )
    console.print(table)
