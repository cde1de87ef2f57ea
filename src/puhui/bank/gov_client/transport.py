"""Signed, bounded, retried calls to the government node, and its errors mapped back to ``puhui.core.errors``.

Every request is signed (``puhui.core.signing``) over method, path, body digest, timestamp and a fresh nonce —
a retry is signed anew, since a reused nonce is refused as a replay. A request that changes state is retried
only when it carries an ``Idempotency-Key`` (the same key on every attempt) and only when the attempt cannot
have done the work: the connection was never made, or the node answered 502/503/504 (its transaction rolled
back). A timeout after the request was sent is not retried — a one-time consent could be spent twice — and
surfaces as ``UpstreamUnavailable``. Reads (GET) are retried on any transport failure. Everything else is the
node's answer, raised as the matching ``PuhuiError`` with the node's machine-readable code.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from puhui.core.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    PuhuiError,
    UpstreamUnavailable,
    ValidationError,
)
from puhui.core.signing import sign_request

IDEMPOTENCY_HEADER = "Idempotency-Key"
_PLAIN_PATH = re.compile(r"/?[A-Za-z0-9_.~/-]*")  # a path httpx sends as it is (no query, nothing to escape)
RETRY_STATUSES = frozenset({502, 503, 504})
ERROR_BY_STATUS: dict[int, type[PuhuiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
}


class SignedTransport:
    """Calls to one government node, signed with one institution's key (unsigned calls need no key)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        key_id: str | None = None,
        private_key: Ed25519PrivateKey | None = None,
        retries: int = 2,
        backoff_seconds: float = 0.05,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.key_id = key_id
        self.private_key = private_key
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.clock = clock

    def call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        signed: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send and return the decoded JSON answer; raise the mapped error otherwise."""
        content = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        attempts = 1 + (self.retries if method.upper() == "GET" or idempotency_key else 0)
        last: Exception | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff_seconds * (2 ** (attempt - 1)))
            request_headers = {"Content-Type": "application/json", **(headers or {})}
            if idempotency_key:
                request_headers[IDEMPOTENCY_HEADER] = idempotency_key
            if signed:
                if self.private_key is None or self.key_id is None:
                    raise ValueError("this transport has no institution key to sign with")
                url_path = self._signed_path(path)
                signature = sign_request(
                    self.private_key, self.key_id, method, url_path, content, timestamp=int(self.clock())
                )
                request_headers.update(signature.headers())
            try:
                response = self.http.request(method, path, content=content or None, headers=request_headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as err:  # never reached the node: safe to resend
                last = err
                continue
            except httpx.TransportError as err:  # may have reached it: only a read is sent again
                last = err
                if method.upper() == "GET":
                    continue
                break
            if response.status_code in RETRY_STATUSES:
                last = _error(response)
                continue
            if response.is_success:
                return response.json() if response.content else None
            raise _error(response)
        if isinstance(last, PuhuiError):
            raise UpstreamUnavailable(f"the government node answered {last.message}", code="gov_unavailable")
        raise UpstreamUnavailable(
            f"the government node did not answer {method} {path}: {type(last).__name__}: {last}",
            code="gov_unavailable",
        )

    def _signed_path(self, path: str) -> str:
        """The path (with its query) exactly as the request will carry it, which the signature covers."""
        if _PLAIN_PATH.fullmatch(path):  # nothing to escape: the client's base path followed by the path
            return self.http.base_url.raw_path.decode().rstrip("/") + "/" + path.lstrip("/")
        return self.http.build_request("GET", path).url.raw_path.decode()


def _error(response: httpx.Response) -> PuhuiError:
    """The node's error, with its code: ``{"error": code, "message": text}`` (FastAPI's ``detail`` also read)."""
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    detail = payload.get("detail")
    code = payload.get("error") or payload.get("code") or (detail.get("code") if isinstance(detail, dict) else None)
    message = payload.get("message") or (detail if isinstance(detail, str) else None) or response.reason_phrase
    if response.status_code in RETRY_STATUSES or response.status_code >= 500:
        return UpstreamUnavailable(f"{response.status_code} {message}", code=code or "gov_unavailable")
    kind = ERROR_BY_STATUS.get(response.status_code, PuhuiError)
    return kind(f"government node: {message}", code=code or kind.code)


__all__ = ["ERROR_BY_STATUS", "IDEMPOTENCY_HEADER", "SignedTransport"]
