"""Dependencies of the routes, each named once."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from puhui.bank.decision.use_cases import DecisionContext


def _context(request: Request) -> DecisionContext:
    return cast(DecisionContext, request.app.state.context)


Context = Annotated[DecisionContext, Depends(_context)]

__all__ = ["Context"]
