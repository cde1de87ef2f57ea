"""Dependencies of the routes, each named once."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from puhui.bank.decision.use_cases import DecisionContext


async def _context(request: Request) -> DecisionContext:
    # async: only reads the app's state (a plain def would cost a hop to the thread pool per request)
    return cast(DecisionContext, request.app.state.context)


Context = Annotated[DecisionContext, Depends(_context)]

__all__ = ["Context"]
