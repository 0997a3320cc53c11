"""Who may talk to the live server: an ASGI guard around Solara's app.

Browsers let any page open a WebSocket to any address, sending the page's own origin in
the ``Origin`` header; the server must check it. :class:`OriginGuard` refuses (HTTP 403 and
one log line) a WebSocket handshake whose ``Origin`` is present and is not this server's
own (``http://`` or ``https://`` plus the ``Host`` header). A client that sends no
``Origin`` is not a browser page and is let through. When the server listens on loopback
only, a request whose ``Host`` does not name this machine is refused too: that is a DNS
rebinding attack (a page whose name was pointed at 127.0.0.1 is "same origin" with
itself), and a real visitor of a loopback server always names the loopback or this host.

Stdlib only, so it can be tested without the ``viz`` extra.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("stability_sim.viz.guard")

#: Longest header value echoed into the log (a hostile client chooses it).
LOG_CLIP = 120


def is_loopback(address: str) -> bool:
    """Whether a listening ``address`` only accepts connections from this machine."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The name part of a ``Host`` header value (no port, no IPv6 brackets), lower case."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@functools.cache
def own_names() -> frozenset[str]:
    """This machine's own names (asked once: a resolver may be slow)."""
    names = {socket.gethostname().lower()}
    with contextlib.suppress(OSError):  # no resolver: the short name is still ours
        names.add(socket.getfqdn().lower())
    return frozenset(names)


def names_this_machine(host: str) -> bool:
    """Whether a ``Host`` header names this machine: a loopback address or name, or its own."""
    name = host_name(host).rstrip(".")
    return is_loopback(name) or name.endswith(".localhost") or name in own_names()


def refusal(scope: Scope, *, loopback_only: bool) -> str | None:
    """Why the connection ``scope`` is refused, or None to let it through."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1")
               for k, v in scope.get("headers", [])}
    host = headers.get("host", "")
    if loopback_only and not names_this_machine(host):
        return f"Host {host[:LOG_CLIP]!r} does not name this machine (server on loopback)"
    origin = headers.get("origin")
    if scope["type"] == "websocket" and origin is not None:
        own = {f"http://{host.lower()}", f"https://{host.lower()}"}
        if not host or origin.lower().rstrip("/") not in own:
            return f"Origin {origin[:LOG_CLIP]!r} is not this server's ({host[:LOG_CLIP]!r})"
    return None


class OriginGuard:
    """ASGI middleware: refuse foreign-origin WebSockets and, on loopback, foreign hosts.

    Args:
        app: The wrapped ASGI application (Solara's starlette app).
        loopback_only: The server listens on loopback only, so every request must name
            this machine in its ``Host`` header.
    """

    def __init__(self, app: ASGIApp, *, loopback_only: bool) -> None:
        self.app = app
        self.loopback_only = loopback_only
        own_names()  # now, not in the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the connection on, or answer 403 without calling the app."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = refusal(scope, loopback_only=self.loopback_only)
        if reason is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("?", 0)
        logger.warning("refused %s %s from %s: %s", "WebSocket" if scope["type"] == "websocket"
                       else "request", scope.get("path", "")[:LOG_CLIP], client[0], reason)
        await forbid(scope, send)


async def forbid(scope: Scope, send: Send) -> None:
    """Answer 403 to an HTTP request or a WebSocket handshake (before it is accepted)."""
    body = b"forbidden: cross-origin or foreign-host request\n"
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    elif "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": 403,
                    "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:  # closing before accepting is a 403 in every ASGI server
        await send({"type": "websocket.close", "code": 1008})
