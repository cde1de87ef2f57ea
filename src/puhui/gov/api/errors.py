"""The one place where ``puhui.core.errors`` become HTTP status codes, with a machine-readable body."""

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
from puhui.gov.api.schemas import ErrorPublic

# Most specific first; PuhuiError itself is a plain bad request.
STATUS_CODES: tuple[tuple[type[PuhuiError], int], ...] = (
    (ValidationError, 422),
    (IngestError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (AuthenticationError, 401),
    (PermissionDenied, 403),
    (UpstreamUnavailable, 503),
    (PuhuiError, 400),
)

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorPublic, "description": kind.__name__} for kind, status in STATUS_CODES if status != 400
}


def status_of(error: PuhuiError) -> int:
    for kind, status in STATUS_CODES:
        if isinstance(error, kind):
            return status
    return 400


async def _puhui_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, PuhuiError)
    status = status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": error.code, "message": error.message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PuhuiError, _puhui_error)


__all__ = ["ERROR_RESPONSES", "STATUS_CODES", "install_error_handlers", "status_of"]
