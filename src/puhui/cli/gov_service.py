"""``puhui gov serve | db | institutions | audit | fees | expire``: run and administer the node's service."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from puhui.cli._output import console, err_console, print_json, user_errors
from puhui.core.errors import Conflict
from puhui.gov.api.schemas import AuditVerificationPublic, InstitutionPublic, StatementPublic
from puhui.gov.audit.model import Actor, Role
from puhui.gov.audit.services import record_configuration, verify_audit_log
from puhui.gov.bootstrap import GovNode, bootstrap
from puhui.gov.config import GovSettings
from puhui.gov.consent.services import expire_consents
from puhui.gov.credit_loop.services import expire_listings
from puhui.gov.db import migrate
from puhui.gov.db.engine import create_engine
from puhui.gov.db.unit_of_work import SqlAlchemyUnitOfWork
from puhui.gov.institutions import services as institutions
from puhui.gov.institutions.model import Institution, InstitutionType
from puhui.gov.institutions.services import Credentials
from puhui.gov.metering.services import fee_statements

AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]
Reason = Annotated[str, typer.Option(help="why (kept in the audit log)")]

db_app = typer.Typer(help="The node's operational database. 业务数据库。", no_args_is_help=True)
institutions_app = typer.Typer(help="Admitted banks and data service providers. 接入机构。", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log. 审计日志。", no_args_is_help=True)


def _actor() -> Actor:
    return Actor(f"cli:{getpass.getuser()}"[:64], Role.ADMIN, "local")


def _node() -> GovNode:
    return bootstrap(GovSettings())


def serve(
    host: Annotated[str | None, typer.Option(help="default PUHUI_GOV_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default PUHUI_GOV_PORT (8700)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Migrate the database, audit the configuration, and serve the API (OpenAPI at /docs)."""
    import uvicorn

    with user_errors():
        node = _node()
        record_configuration(node.uow(), node.describe(), actor=_actor(), now=node.now())
        settings = node.settings
        node.engine.dispose()
    uvicorn.run(
        "puhui.gov.api.app:create_app_from_environment",
        factory=True,
        host=host or settings.gov_host,
        port=port or settings.gov_port,
        workers=workers,
        log_level=os.environ.get("PUHUI_LOG_LEVEL", "warning"),
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    with user_errors():
        engine = create_engine(GovSettings().database_url)
        revision = migrate.upgrade(engine)
    console.print(f"database at revision [bold]{revision}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """The revision the database is at, and the newest one this version ships."""
    with user_errors():
        engine = create_engine(GovSettings().database_url)
        console.print(f"current {migrate.current_revision(engine)}, head {migrate.head_revision()}")


def _hand_over(credentials: Credentials, key_out: Path | None, as_json: bool) -> None:
    """The private key leaves exactly once: into a new 0600 file, or on standard output."""
    pem = credentials.private_key_pem
    if key_out is not None:
        try:
            fd = os.open(key_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise Conflict(f"{key_out} exists: the key was not written, choose a new file") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
    if as_json:
        print_json(
            {
                "institution": InstitutionPublic.of(credentials.institution),
                "private_key_pem": None if key_out else pem,
                "key_file": str(key_out) if key_out else None,
            }
        )
        return
    institution = credentials.institution
    console.print(f"admitted [bold]{institution.name}[/bold] as {institution.id} (key id for X-Puhui-Key-Id)")
    if key_out is not None:
        console.print(f"private key written to {key_out} (mode 0600); the node keeps only the public key")
    else:
        err_console.print("[yellow]the private key below is shown once; the node keeps only the public key[/yellow]")
        console.print(pem, end="", markup=False, highlight=False)


@institutions_app.command("admit")
def admit(
    name: Annotated[str, typer.Option(help="the institution's name")],
    credit_code: Annotated[str, typer.Option(help="unified social credit code")],
    type: Annotated[InstitutionType, typer.Option(help="bank or data_service_provider")],
    purpose: Annotated[list[str], typer.Option(help="an allowed purpose (repeat)")],
    group: Annotated[list[str], typer.Option(help="an allowed indicator group (repeat)")],
    key_out: Annotated[Path | None, typer.Option(help="write the private key to this new file (0600)")] = None,
    as_json: AsJson = False,
) -> None:
    """Admit a bank or a data service provider and issue its Ed25519 key pair."""
    with user_errors():
        node = _node()
        credentials = institutions.admit_institution(
            node.uow(),
            name=name,
            credit_code=credit_code,
            type=type,
            purposes=purpose,
            groups=group,
            purpose_table=node.purposes,
            known_groups=node.reader.groups().keys(),
            actor=_actor(),
            now=node.now(),
        )
        _hand_over(credentials, key_out, as_json)


@institutions_app.command("list")
def list_institutions(as_json: AsJson = False) -> None:
    with user_errors():
        found = institutions.list_institutions(_node().uow())
    if as_json:
        print_json([InstitutionPublic.of(i) for i in found])
        return
    table = Table(title=f"接入机构 institutions — {len(found)}")
    for column in ("id", "name", "credit code", "type", "status", "purposes", "groups"):
        table.add_column(column)
    for i in found:
        table.add_row(
            i.id, i.name, i.credit_code, i.type.value, i.status.value, ", ".join(i.purposes), ", ".join(i.groups)
        )
    console.print(table)


def _status_command(change: Callable[..., Institution], doc: str) -> Callable[[str, str], None]:
    def command(institution_id: str, reason: Reason = "") -> None:
        with user_errors():
            node = _node()
            changed = change(node.uow(), institution_id, reason=reason, actor=_actor(), now=node.now())
        console.print(f"{changed.id}: {changed.status.value}")

    command.__doc__ = doc
    return command


for _name, _change, _doc in (
    ("suspend", institutions.suspend_institution, "Refuse its requests until reinstated."),
    ("reinstate", institutions.reinstate_institution, "Serve its requests again."),
    ("revoke", institutions.revoke_institution, "End the institution's admission for good."),
):
    institutions_app.command(_name)(_status_command(_change, _doc))


@institutions_app.command("rotate-key")
def rotate_key(
    institution_id: str,
    key_out: Annotated[Path | None, typer.Option(help="write the private key to this new file (0600)")] = None,
    as_json: AsJson = False,
) -> None:
    """Issue a new key pair; the old key stops working at once."""
    with user_errors():
        node = _node()
        credentials = institutions.rotate_credentials(node.uow(), institution_id, actor=_actor(), now=node.now())
        _hand_over(credentials, key_out, as_json)


@audit_app.command("verify")
def audit_verify(as_json: AsJson = False) -> None:
    """Check the SM3 chain; name every edited, deleted, inserted or reordered record. Exit 1 if any."""
    with user_errors():
        engine = create_engine(GovSettings().database_url)
        migrate.upgrade(engine)
        verification = verify_audit_log(SqlAlchemyUnitOfWork(engine))
    if as_json:
        print_json(AuditVerificationPublic.of(verification))
    elif verification.intact:
        console.print(f"[green]intact[/green]: {verification.records} records, chain and head agree")
    else:
        first = verification.findings[0]
        console.print(f"[red]tampered[/red]: first at record {first.seq} ({first.kind.value})")
        for finding in verification.findings:
            console.print(f"  record {finding.seq}: {finding.kind.value} — {finding.message}")
    if not verification.intact:
        raise typer.Exit(1)


def fees(
    year: Annotated[int, typer.Option(help="the calendar year")],
    as_json: AsJson = False,
) -> None:
    """Each institution's yearly statement from the price table: annual fee and queries per purpose and group."""
    with user_errors():
        node = _node()
        statements = fee_statements(node.uow(), year=year, prices=node.prices, actor=_actor(), now=node.now())
    if as_json:
        print_json([StatementPublic.of(statement) for statement in statements])
        return
    for s in statements:
        table = Table(
            title=f"{year} 数据费用 statement — {s.institution_name} ({s.institution_id}, {s.institution_type.value})"
        )
        for column in ("purpose", "group", "queries", "unit price ¥", "amount ¥"):
            table.add_column(column, justify="left" if column in ("purpose", "group") else "right")
        table.add_row("annual fee", f"{s.admitted_days} days admitted", "", "", str(s.annual_fee))
        for line in s.lines:
            table.add_row(line.purpose, line.group, str(line.queries), str(line.unit_price), str(line.amount))
        table.add_row("[bold]total[/bold]", "", str(s.queries), "", f"[bold]{s.total}[/bold]")
        console.print(table)
    if not statements:
        console.print(f"no institutions, no statements for {year}")


def expire() -> None:
    """Mark consents and black-list records past their time expired (queries check the time anyway)."""
    with user_errors():
        node = _node()
        consents = expire_consents(node.uow(), now=node.now())
        listings = expire_listings(node.uow(), now=node.now())
    print_json({"consents_expired": consents, "listings_expired": listings})


def register(app: typer.Typer) -> None:
    """Attach the service's commands to the ``puhui gov`` group."""
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(institutions_app, name="institutions")
    app.add_typer(audit_app, name="audit")
    app.command("fees")(fees)
    app.command("expire")(expire)


__all__ = ["register"]
