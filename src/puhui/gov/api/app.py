"""The FastAPI application factory: routes, the error mapping, the OpenAPI document at ``/docs``."""

from __future__ import annotations

from fastapi import FastAPI

from puhui.gov.api.errors import ERROR_RESPONSES, install_error_handlers
from puhui.gov.api.routes import (
    accesses,
    audit,
    consents,
    defaults,
    fees,
    identity,
    indicator_queries,
    institutions,
    node,
)
from puhui.gov.bootstrap import GovNode, bootstrap

ROUTERS = (node, institutions, identity, consents, indicator_queries, accesses, defaults, audit, fees)


def create_app(gov_node: GovNode) -> FastAPI:
    app = FastAPI(
        title="puhui government node",
        summary="Consent-gated, desensitized indicators from the government network. 政务数据节点。",
        version="1",
        responses=ERROR_RESPONSES,
    )
    app.state.node = gov_node
    for module in ROUTERS:
        app.include_router(module.router)
    install_error_handlers(app)
    return app


def create_app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` workers: settings from the environment; ``puhui gov serve`` migrated already."""
    return create_app(bootstrap(upgrade_database=False))


__all__ = ["create_app", "create_app_from_environment"]
