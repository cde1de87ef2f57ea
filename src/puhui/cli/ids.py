"""``puhui id``: check a resident ID or a unified social credit code."""

from __future__ import annotations

from typing import Annotated

import typer

from puhui.cli._output import console, print_json
from puhui.core.errors import InvalidIdentifier
from puhui.core.ids import CreditCode, ResidentId, parse_subject_id

app = typer.Typer(help="Subject identifiers. 身份证号与统一社会信用代码。", no_args_is_help=True)


@app.command("check")
def check(
    number: Annotated[str, typer.Argument(help="an 18-digit resident ID or an 18-character credit code")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Validate the number and show what it encodes (the number itself only masked). Exit 1 when invalid."""
    try:
        subject = parse_subject_id(number)
    except InvalidIdentifier as err:
        if as_json:
            print_json({"valid": False, "reason": err.message, "code": err.code})
        else:
            console.print(f"[red]invalid[/red]: {err.message}")
        raise typer.Exit(1) from None
    report: dict[str, object] = {"valid": True, "kind": subject.kind.value, "number": str(subject)}
    if isinstance(subject, ResidentId):
        report |= {
            "region_code": subject.region_code,
            "birth_date": subject.birth_date.isoformat(),
            "sex": subject.sex.value,
        }
    elif isinstance(subject, CreditCode):
        report |= {
            "entity_class": subject.entity_class,
            "region_code": subject.region_code,
            "organization_code": subject.organization_code,
        }
    if as_json:
        print_json(report)
        return
    console.print("[green]valid[/green]")
    for key, value in report.items():
        if key != "valid":
            console.print(f"  {key}: {value}")
