"""The bank node's FastAPI application. ``create_app()`` is also the uvicorn factory of ``puhui bank serve``."""

from __future__ import annotations

from fastapi import FastAPI

from puhui.bank.api.errors import install_error_handlers
from puhui.bank.api.routes import applications, service
from puhui.bank.decision.use_cases import DecisionContext
from puhui.core.heap import freeze_startup_objects


def create_app(context: DecisionContext | None = None) -> FastAPI:
    """The API over ``context``, or over the node built from the ``PUHUI_`` environment (then the champion and
    challenger are loaded before the first request, and what start-up built is frozen out of the collector)."""
    serving = context is None
    if context is None:
        from puhui.bank.bootstrap import build_context  # the composition root, only when serving for real

        context = build_context()
    app = FastAPI(
        title="puhui bank node 普惠银行节点",
        description="Credit applications decided on the bank's own data and consented government indicators.",
        version="1",
    )
    app.state.context = context
    install_error_handlers(app)
    app.include_router(applications.router)
    app.include_router(service.router)
    if serving:
        context.models()  # the first decisions would wait for the models to load
        freeze_startup_objects()
    return app


__all__ = ["create_app"]
