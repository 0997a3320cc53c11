"""The live server talks only to its own pages and frees the kernels of closed ones.

A real ``stability-sim serve`` in a subprocess, real WebSocket handshakes (the ``websockets``
client, doing what the page does: the session cookie from ``GET /``, the kernel socket,
``kernel_info_request``, and for some cycles the ``solara.control`` "run" that renders the
page's app and builds a model). A handshake from a foreign ``Origin`` or, on loopback, with
a ``Host`` that does not name this machine (DNS rebinding) is refused with 403; the page's
own origin and clients that send no ``Origin`` are not. Connect-and-close cycles leave no
kernels, threads or memory behind once the cull timeout has passed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

pytest.importorskip("solara")
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

#: Seconds to wait for the server to start, and for culled kernels to go (cull 15 s + reap).
START_S = 120.0
FREED_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running ``stability-sim serve`` and what the tests need to reach and watch it."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.cookie = ""

    def process(self) -> psutil.Process:
        """The process that serves (the CLI's child; the CLI itself only waits)."""
        children = psutil.Process(self.proc.pid).children(recursive=True)
        return children[-1] if children else psutil.Process(self.proc.pid)

    def resources(self) -> dict[str, float]:
        """Live kernels (Solara's /resourcez), threads and RSS (MiB) of the serving process."""
        with urllib.request.urlopen(self.base + "/resourcez", timeout=30) as response:
            kernels = json.loads(response.read())["kernels"]["total"]
        p = self.process()
        return {"kernels": kernels, "threads": p.num_threads(),
                "rss_mib": round(p.memory_info().rss / 2**20, 1)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("hardening")
    config = tmp / "demo.yaml"
    config.write_text("name: hardening\nseed: 5\ngrid: {resolution: 0.5}\n")
    port = free_port()
    log = tmp / "serve.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "stability_sim.cli", "serve", str(config),
                                 "--port", str(port)], stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)
    srv = Server(proc, port, log)
    deadline = time.monotonic() + START_S
    while True:
        try:
            with urllib.request.urlopen(srv.base + "/", timeout=5) as response:
                cookies = response.headers.get_all("set-cookie") or []
                srv.cookie = next(c.split(";")[0] for c in cookies
                                  if c.startswith("solara-session-id="))
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail(f"the server did not start: {log.read_text()}")
            time.sleep(0.5)
    yield srv
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def message(msg_type: str, content: dict) -> str:
    """A Jupyter message on the shell channel, as the page sends it."""
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": uuid.uuid4().hex,
              "username": "", "date": "", "version": "5.3"}
    return json.dumps({"header": header, "parent_header": {}, "metadata": {},
                       "content": content, "channel": "shell", "buffers": []})


async def reply(ws, done) -> None:
    """Read messages until ``done(message)`` (binary frames, e.g. the map image, skipped)."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), 120)
        if isinstance(raw, str) and done(json.loads(raw)):
            return


async def page_session(srv: Server, *, origin: str | None = None, host: str | None = None,
                       render: bool = False) -> int:
    """One kernel connection as the page makes it; the HTTP status (101 when accepted).

    ``host`` is the name the client puts in the URL (so in ``Host`` and, for a browser, in
    ``Origin``); the TCP connection always goes to 127.0.0.1.
    """
    kernel, page = uuid.uuid4(), uuid.uuid4()
    url = (f"ws://{host or '127.0.0.1'}:{srv.port}/jupyter/api/kernels/{kernel}/channels"
           f"?session_id={page}")
    try:
        async with connect(url, origin=origin, additional_headers={"Cookie": srv.cookie},
                           host="127.0.0.1", port=srv.port, open_timeout=60,
                           max_size=None) as ws:
            await ws.send(message("kernel_info_request", {}))
            await reply(ws, lambda m: m["header"]["msg_type"] == "kernel_info_reply")
            if render:
                comm = uuid.uuid4().hex
                await ws.send(message("comm_open", {"comm_id": comm, "data": {},
                                                    "target_name": "solara.control"}))
                args = {"path": "", "appName": "__default__", "themes": None, "dark": False}
                await ws.send(message("comm_msg", {"comm_id": comm,
                                                   "data": {"method": "run", "args": args}}))
                await reply(ws, lambda m: m["header"]["msg_type"] == "comm_msg"
                            and m["content"]["data"].get("method") == "finished")
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def handshake(srv: Server, **kwargs) -> int:
    return asyncio.run(page_session(srv, **kwargs))


def http_status(srv: Server, host: str) -> int:
    request = urllib.request.Request(srv.base + "/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_only_the_pages_own_origin_opens_a_kernel(server: Server) -> None:
    own = f"http://127.0.0.1:{server.port}"
    before = server.log.read_text(errors="replace").count("refused")
    statuses = {origin: handshake(server, origin=origin)
                for origin in ("http://evil.example", f"http://evil.example:{server.port}",
                               f"http://127.0.0.1:{server.port + 1}", "null", own, None)}
    assert statuses == {"http://evil.example": 403, f"http://evil.example:{server.port}": 403,
                        f"http://127.0.0.1:{server.port + 1}": 403, "null": 403,
                        own: 101, None: 101}
    # One log line a refusal, naming the origin it refused.
    time.sleep(1)
    lines = [line for line in server.log.read_text(errors="replace").splitlines()
             if "refused" in line][before:]
    assert len(lines) == 4, lines
    assert "'http://evil.example'" in lines[0] and "Origin" in lines[0]


def test_a_rebound_name_is_refused_on_loopback(server: Server) -> None:
    """DNS rebinding: the attacker's own name, pointed at 127.0.0.1, is "same origin"."""
    evil = f"attacker.example:{server.port}"
    assert handshake(server, host="attacker.example", origin=f"http://{evil}") == 403
    assert http_status(server, evil) == 403
    # The names a real visitor of a loopback server uses still work.
    for name in ("127.0.0.1", "localhost"):
        assert handshake(server, host=name, origin=f"http://{name}:{server.port}") == 101
        assert http_status(server, f"{name}:{server.port}") == 200


async def cycles(srv: Server, n: int, render_every: int) -> None:
    for i in range(n):
        assert await page_session(srv, render=i % render_every == 0) == 101


def freed(srv: Server, kernels: int) -> dict[str, float]:
    """Resources once the kernels are back to ``kernels`` (or at the deadline)."""
    deadline = time.monotonic() + FREED_S
    while srv.resources()["kernels"] > kernels and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(6)  # one more look of the reaper after the last cull
    return srv.resources()


def test_closed_pages_kernels_are_freed(server: Server) -> None:
    """300 connect-and-close cycles (1 in 50 renders the page) in two halves.

    Kernels and threads return to where they were, and the second half does not add to
    the memory the first half left: what closed pages held was given back (on 723134c,
    where kernels stayed for 24 h, 150 cycles kept about 60 MiB more each time).
    """
    start = server.resources()  # the other tests' kernels may still be there: they go too
    asyncio.run(cycles(server, 150, 50))
    peak = server.resources()
    half = freed(server, start["kernels"])
    asyncio.run(cycles(server, 150, 50))
    end = freed(server, start["kernels"])
    print(f"\nstart {start}\nafter 150 cycles {peak}\nfreed {half}\nafter 300, freed {end}")
    assert peak["kernels"] >= start["kernels"] + 50  # the cycles did make kernels
    assert half["kernels"] == 0 and end["kernels"] == 0
    assert end["threads"] <= start["threads"] + 4
    assert end["rss_mib"] <= half["rss_mib"] + 20, (half, end)
