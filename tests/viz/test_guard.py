"""The origin guard's rules on handshake scopes (no server: the ASGI app is called directly)."""

from __future__ import annotations

import asyncio

import pytest

from stability_sim.viz.guard import OriginGuard, names_this_machine


def scope(kind: str, host: str, origin: str | None = None) -> dict:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": kind, "path": "/jupyter/api/kernels/k/channels", "headers": headers,
            "client": ("127.0.0.1", 5000)}


def status(kind: str, host: str, origin: str | None, *, loopback_only: bool = True) -> int:
    """What the guard answers: 200 when it passes the connection on to the app, else 403."""
    sent: list[dict] = []

    async def app(scope, receive, send) -> None:
        sent.append({"status": 200})

    async def send(message) -> None:
        if "status" in message:
            sent.append(message)
        elif message["type"] == "websocket.close":
            sent.append({"status": 403})

    async def receive() -> dict:
        return {"type": f"{kind}.connect"}

    asyncio.run(OriginGuard(app, loopback_only=loopback_only)(scope(kind, host, origin),
                                                              receive, send))
    return sent[0]["status"]


@pytest.mark.parametrize(("host", "origin", "expected"), [
    ("127.0.0.1:8765", "http://127.0.0.1:8765", 200),
    ("localhost:8765", "http://localhost:8765", 200),
    ("[::1]:8765", "http://[::1]:8765", 200),
    ("127.0.0.1:8765", None, 200),  # not a browser page
    ("127.0.0.1:8765", "http://evil.example", 403),
    ("127.0.0.1:8765", "http://127.0.0.1:9999", 403),  # another port is another origin
    ("127.0.0.1:8765", "null", 403),  # sandboxed frame, file://
    ("127.0.0.1:8765", "http://127.0.0.1:8765.evil.example", 403),
    ("evil.example:8765", "http://evil.example:8765", 403),  # DNS rebinding
    ("127.0.0.1.nip.io:8765", None, 403),
])
def test_websocket_handshakes_on_loopback(host: str, origin: str | None, expected: int) -> None:
    assert status("websocket", host, origin) == expected


def test_all_interfaces_checks_only_the_origin() -> None:
    """Served on 0.0.0.0 the page is reached by any name; the origin must still be its own."""
    assert status("websocket", "10.1.2.3:8765", "http://10.1.2.3:8765",
                  loopback_only=False) == 200
    assert status("websocket", "10.1.2.3:8765", "http://evil.example",
                  loopback_only=False) == 403


def test_plain_requests_need_a_name_of_this_machine_on_loopback() -> None:
    assert status("http", "127.0.0.1:8765", "http://evil.example") == 200  # CORS is the browser's
    assert status("http", "evil.example:8765", None) == 403
    assert names_this_machine("LOCALHOST.") and not names_this_machine("")
