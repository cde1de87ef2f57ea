"""The one place the bank's API maps ``puhui.core.errors`` to HTTP status codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from puhui.core.errors import (
    AuthenticationError,
    Conflict,
    IngestError,
    NotFound,
    PermissionDenied,
    PuhuiError,
    UpstreamUnavailable,
    ValidationError,
)

STATUS_BY_ERROR: tuple[tuple[type[PuhuiError], int], ...] = (
    (ValidationError, 422),
    (IngestError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (AuthenticationError, 401),
    (PermissionDenied, 403),
    (UpstreamUnavailable, 503),
)


def status_for(error: PuhuiError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def install_error_handlers(app: FastAPI) -> None:
    async def handle(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, PuhuiError)
        return JSONResponse({"error": error.code, "message": error.message}, status_code=status_for(error))

    app.add_exception_handler(PuhuiError, handle)


__all__ = ["STATUS_BY_ERROR", "install_error_handlers", "status_for"]
