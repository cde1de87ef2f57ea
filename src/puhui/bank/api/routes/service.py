"""Health, the decisions made, and the model versions registered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from puhui.bank.api.deps import Context

router = APIRouter(tags=["service"])


@router.get("/health")
def health(ctx: Context) -> dict[str, Any]:
    champion, challenger = ctx.models()
    return {
        "status": "ok",
        "ruleset": ctx.ruleset.ref,
        "challenger_ruleset": ctx.challenger_ruleset.ref if ctx.challenger_ruleset else None,
        "model": champion.version if champion else None,
        "challenger_model": challenger.version if challenger else None,
    }


@router.get("/v1/decisions")
def decisions(ctx: Context, limit: int = Query(default=100, ge=1, le=10_000)) -> dict[str, Any]:
    """The latest decisions, newest first, with the count of every outcome."""
    with ctx.uow() as uow:
        records = uow.decisions.recent(limit)
        counts = uow.decisions.count_by_outcome()
    return {"counts": counts, "decisions": [r.as_public() for r in records]}


@router.get("/v1/models")
def models(ctx: Context) -> dict[str, Any]:
    with ctx.uow() as uow:
        versions = uow.models.all()
    return {
        "models": [
            {
                "version": m.version,
                "kind": m.kind,
                "status": m.status.value,
                "metrics": dict(m.metrics),
                "trained_at": m.trained_at.isoformat(),
            }
            for m in versions
        ]
    }
