"""Signed, bounded, retried calls to the government node, and its errors mapped back to ``puhui.core.errors``.

Every request is signed (``puhui.core.signing``) over method, path, body digest, timestamp and a fresh nonce —
a retry is signed anew, since a reused nonce is refused as a replay. A request that changes state is retried
only when it carries an ``Idempotency-Key`` (the same key on every attempt) and only when the attempt cannot
have done the work: the connection was never made, or the node answered 502/503/504 (its transaction rolled
back). A timeout after the request was sent is not retried — a one-time consent could be spent twice — and
surfaces as ``UpstreamUnavailable``. Reads (GET) are retried on any transport failure. Everything else is the
node's answer, raised as the matching ``PuhuiError`` with the node's machine-readable code.

The bytes travel on a ``Channel``: ``KeepAliveChannel`` (the standard library's ``http.client`` on kept-alive
connections) talks to a real node — on the decision path httpx's client and connection pool cost the bank about
three times the CPU of the call itself; ``HttpxChannel`` carries in-process doubles (``httpx.MockTransport``).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Protocol

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
_PLAIN_PATH = re.compile(r"/?[A-Za-z0-9_.~/-]*")  # a path sent as it is (no query, nothing to escape)
RETRY_STATUSES = frozenset({502, 503, 504})
ERROR_BY_STATUS: dict[int, type[PuhuiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """The node's answer: status, reason phrase and body."""

    status: int
    reason: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class NotSent(Exception):
    """The request never reached the node (no connection could be made): safe to send again."""


class Lost(Exception):
    """The request may have reached the node, but no answer came back (timeout, connection lost)."""


class Channel(Protocol):
    """Carries one request to the node and brings its answer back; ``target`` is the path as sent (and signed)."""

    def target(self, path: str) -> str: ...
    def send(self, method: str, target: str, content: bytes, headers: Mapping[str, str]) -> Answer: ...
    def close(self) -> None: ...


_IDLE_SECONDS = 4.0  # uvicorn closes a connection idle for 5 s: never reuse one idle that long


class KeepAliveChannel:
    """HTTP/1.1 on kept-alive connections to one node (one connection per request in flight, reused after)."""

    def __init__(self, base_url: str, timeout_seconds: float, connect_seconds: float) -> None:
        url = urllib.parse.urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme, self.host = url.scheme, url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.base_path = url.path.rstrip("/")
        self.timeout_seconds, self.connect_seconds = timeout_seconds, connect_seconds
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []
        self._lock = threading.Lock()

    def target(self, path: str) -> str:
        path = path if _PLAIN_PATH.fullmatch(path) else urllib.parse.quote(path, safe="/?&=%:@!$'()*+,;~")
        return self.base_path + "/" + path.lstrip("/")

    def send(self, method: str, target: str, content: bytes, headers: Mapping[str, str]) -> Answer:
        connection = self._connection()
        try:
            connection.request(method, target, body=content or None, headers=dict(headers))
            response = connection.getresponse()
            body = response.read()
        except (TimeoutError, OSError, http.client.HTTPException) as err:
            connection.close()
            raise Lost(f"{type(err).__name__}: {err}") from None
        if response.will_close:
            connection.close()
        else:
            with self._lock:
                self._idle.append((connection, time.monotonic()))
        return Answer(response.status, response.reason, body)

    def _connection(self) -> http.client.HTTPConnection:
        """A kept-alive connection still open at the node's end, or a new one (``NotSent`` when none can be
        made). The node may have closed an idle one: it would be readable (end of stream), so it is dropped."""
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._idle:
                    break
                connection, since = self._idle.pop()
            if now - since < _IDLE_SECONDS and connection.sock is not None:
                readable, _, _ = select.select([connection.sock], [], [], 0)
                if not readable:
                    return connection
            connection.close()
        kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        connection = kind(self.host, self.port, timeout=self.connect_seconds)
        try:
            connection.connect()
        except OSError as err:
            connection.close()
            raise NotSent(f"{type(err).__name__}: {err}") from None
        assert connection.sock is not None
        connection.sock.settimeout(self.timeout_seconds)  # the whole answer; connecting had its own bound
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, _since in idle:
            connection.close()


class HttpxChannel:
    """An httpx client as the channel: for in-process doubles of the node (``httpx.MockTransport``)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def target(self, path: str) -> str:
        return self.client.build_request("GET", path).url.raw_path.decode()

    def send(self, method: str, target: str, content: bytes, headers: Mapping[str, str]) -> Answer:
        try:
            response = self.client.request(method, target, content=content or None, headers=dict(headers))
        except (httpx.ConnectError, httpx.ConnectTimeout) as err:
            raise NotSent(f"{type(err).__name__}: {err}") from None
        except httpx.TransportError as err:
            raise Lost(f"{type(err).__name__}: {err}") from None
        return Answer(response.status_code, response.reason_phrase, response.content)

    def close(self) -> None:
        self.client.close()


def channel(base_url: str, timeout_seconds: float, transport: httpx.BaseTransport | None = None) -> Channel:
    """The channel to one node: kept-alive connections, a short connect timeout (at most 1 s) and
    ``timeout_seconds`` for each read of the answer; over ``transport`` (an in-process double) when given."""
    connect_seconds = min(timeout_seconds, 1.0)
    if transport is None:
        return KeepAliveChannel(base_url, timeout_seconds, connect_seconds)
    timeout = httpx.Timeout(timeout_seconds, connect=connect_seconds)
    return HttpxChannel(httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport))


class SignedTransport:
    """Calls to one government node, signed with one institution's key (unsigned calls need no key)."""

    def __init__(
        self,
        http: Channel,
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
        target = self.http.target(path)  # the path as sent, which the signature covers
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
                signature = sign_request(
                    self.private_key, self.key_id, method, target, content, timestamp=int(self.clock())
                )
                request_headers.update(signature.headers())
            try:
                response = self.http.send(method, target, content, request_headers)
            except NotSent as err:  # never reached the node: safe to resend
                last = err
                continue
            except Lost as err:  # may have reached it: only a read is sent again
                last = err
                if method.upper() == "GET":
                    continue
                break
            if response.status in RETRY_STATUSES:
                last = _error(response)
                continue
            if 200 <= response.status < 300:
                return response.json() if response.body else None
            raise _error(response)
        if isinstance(last, PuhuiError):
            raise UpstreamUnavailable(f"the government node answered {last.message}", code="gov_unavailable")
        raise UpstreamUnavailable(
            f"the government node did not answer {method} {path}: {last}",
            code="gov_unavailable",
        )


def _error(response: Answer) -> PuhuiError:
    """The node's error, with its code: ``{"error": code, "message": text}`` (FastAPI's ``detail`` also read)."""
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    detail = payload.get("detail")
    code = payload.get("error") or payload.get("code") or (detail.get("code") if isinstance(detail, dict) else None)
    message = payload.get("message") or (detail if isinstance(detail, str) else None) or response.reason
    if response.status in RETRY_STATUSES or response.status >= 500:
        return UpstreamUnavailable(f"{response.status} {message}", code=code or "gov_unavailable")
    kind = ERROR_BY_STATUS.get(response.status, PuhuiError)
    return kind(f"government node: {message}", code=code or kind.code)


__all__ = [
    "ERROR_BY_STATUS",
    "IDEMPOTENCY_HEADER",
    "Answer",
    "Channel",
    "HttpxChannel",
    "KeepAliveChannel",
    "Lost",
    "NotSent",
    "SignedTransport",
    "channel",
]
