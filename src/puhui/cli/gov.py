"""``puhui gov``: the government node's command group.

Each part of the node registers its commands here from its own module (``gov_service`` for the service:
serve, db, institutions, audit, fees). Add one line per module.
"""

from __future__ import annotations

import typer

from puhui.cli import gov_indicators, gov_ingest, gov_service

app = typer.Typer(help="The government node. 政务数据节点。", no_args_is_help=True)
gov_ingest.register(app)
gov_service.register(app)
app.add_typer(gov_indicators.app, name="indicators")
