"""The FastAPI application factory: routes, the error mapping, the OpenAPI document at ``/docs``."""

from __future__ import annotations

from fastapi import FastAPI

from puhui.core.heap import freeze_startup_objects
from puhui.gov.api.docs import install_docs
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
        docs_url=None,  # FastAPI's pages load scripts from a CDN; ours is rendered on the node (api/docs.py)
        redoc_url=None,
    )
    app.state.node = gov_node
    for module in ROUTERS:
        app.include_router(module.router)
    install_error_handlers(app)
    install_docs(app)
    return app


def create_app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` workers: settings from the environment; ``puhui gov serve`` migrated already."""
    app = create_app(bootstrap(upgrade_database=False))
    freeze_startup_objects()
    return app


__all__ = ["create_app", "create_app_from_environment"]
