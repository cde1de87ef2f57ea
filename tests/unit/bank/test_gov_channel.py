"""The kept-alive channel the bank's government client uses against a real node: connections reused, a
connection the node closed replaced, a node that cannot be reached retried (nothing was sent) then reported."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from puhui.bank.gov_client.transport import SignedTransport, channel
from puhui.core.errors import NotFound, UpstreamUnavailable
from puhui.core.signing import generate_private_key


class _Node(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: ClassVar[int] = 0  # one handler per accepted connection (an id() could be reused once freed)
    seen: ClassVar[list[tuple[str, str, str | None]]] = []

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append((self.path, body.decode(), self.headers.get("Idempotency-Key")))
        missing = {"error": "consent_not_found", "message": "no consent"}
        status, answer = (404, missing) if "missing" in self.path else (200, {"echo": json.loads(body)})
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if "close" in self.path:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def node():
    _Node.connections, _Node.seen = 0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/gov"
    server.shutdown()
    server.server_close()


def transport(base_url):
    return SignedTransport(channel(base_url, 2.0), key_id="ins_1", private_key=generate_private_key(), retries=2)


def test_calls_reuse_one_connection_and_carry_the_signed_path(node):
    calls = transport(node)
    assert calls.call("POST", "/v1/q", {"n": 1}, idempotency_key="k1") == {"echo": {"n": 1}}
    assert calls.call("POST", "/v1/q", {"n": 2}) == {"echo": {"n": 2}}
    assert _Node.connections == 1
    assert [s[0] for s in _Node.seen] == ["/gov/v1/q", "/gov/v1/q"] and _Node.seen[0][2] == "k1"
    calls.http.close()


def test_a_connection_the_node_closed_is_replaced(node):
    calls = transport(node)
    calls.call("POST", "/v1/close", {"n": 1})
    assert calls.call("POST", "/v1/q", {"n": 2}) == {"echo": {"n": 2}}
    assert _Node.connections == 2
    calls.http.close()


def test_the_node_s_error_keeps_its_code(node):
    with pytest.raises(NotFound) as raised:
        transport(node).call("POST", "/v1/missing", {})
    assert raised.value.code == "consent_not_found"


def test_an_unreachable_node_is_unavailable():
    with ThreadingHTTPServer(("127.0.0.1", 0), _Node) as closed:
        port = closed.server_address[1]  # bound, then closed on leaving: nothing listens there
    calls = transport(f"http://127.0.0.1:{port}")
    calls.backoff_seconds = 0
    with pytest.raises(UpstreamUnavailable) as raised:
        calls.call("POST", "/v1/q", {}, idempotency_key="k1")
    assert raised.value.code == "gov_unavailable" and "ConnectionRefusedError" in raised.value.message
