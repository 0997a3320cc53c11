"""The served page in a real headless Chromium: it loads offline, steps, takes knobs.

Debian's ``chromium`` (``make test`` installs it where it can) is driven by Playwright's
Python package through ``executable_path``; no browser is downloaded. The page's assets
come from the local ``solara-assets`` cache, so a failed request to any other host fails
the test: the page must work without internet.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara")
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    config = tmp_path_factory.mktemp("serve") / "demo.yaml"
    config.write_text("name: browser_test\nseed: 5\ngrid: {resolution: 0.5}\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "stability_sim.cli", "serve", str(config),
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.poll() is not None else ""
                proc.kill()
                pytest.fail(f"the server did not start: {out}")
            time.sleep(0.5)
    yield url, proc
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def test_server_binds_to_loopback_only(server) -> None:
    _, proc = server
    import psutil

    listening = [c.laddr for p in [psutil.Process(proc.pid), *psutil.Process(proc.pid)
                                   .children(recursive=True)]
                 for c in p.net_connections(kind="inet") if c.status == "LISTEN"]
    assert listening and all(a.ip == "127.0.0.1" for a in listening)


def test_page_in_headless_chromium(server, tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed (apt-get install chromium; make test does it)")
    url, _ = server
    host = url.split("/")[2]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        elsewhere: list[str] = []
        page.on("request", lambda r: None if host in r.url or r.url.startswith("data:")
                else elsewhere.append(r.url))
        page.goto(url, timeout=60_000)
        # The map: the card titled with the date, and its image drawn.
        page.get_by_text("Central Asia, 2013-12").wait_for(timeout=60_000)
        image = page.locator("img").first
        image.wait_for(timeout=30_000)
        assert image.evaluate("i => i.naturalWidth") > 300
        for month in ("2014-01", "2014-02", "2014-03"):
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_text(f"Central Asia, {month}").wait_for(timeout=30_000)
        assert "months stepped: 3" in " ".join(page.inner_text("body").split())
        # Move the cooperation slider far right, then Reset: a new model with that level.
        slider = page.locator(".v-input", has=page.get_by_text("cooperation.level",
                                                               exact=True)).locator(".v-slider")
        box = slider.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.95, box["y"] + box["height"] / 2)
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text("Central Asia, 2013-12").wait_for(timeout=30_000)
        body = " ".join(page.inner_text("body").split())
        level = float(body.split("cooperation level: ")[1].split()[0])
        assert level >= 0.85, body[:500]
        page.get_by_role("button", name="violence", exact=True).click()
        page.get_by_text("layer: deaths this month").wait_for(timeout=30_000)
        shot = tmp_path / "serve.png"
        page.screenshot(path=str(shot))
        browser.close()
    assert shot.stat().st_size > 50_000
    assert elsewhere == [], f"the page asked the internet for {elsewhere[:3]}"


TRAVERSALS = (
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/_solara/cdn/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/public/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/..%2f..%2f..%2f..%2fetc/passwd",
    "//etc/passwd",
    "/static/nbextensions/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/jupyter/nbextensions/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/static/{secret}",
    "/{secret}",
    "/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..{secret_quoted}",
)


def test_the_server_reads_no_file_the_browser_names(server, tmp_path: Path) -> None:
    """Path-traversal requests get no file from outside the page's own assets."""
    import http.client
    import urllib.parse

    url, _ = server
    secret = tmp_path / "secret.txt"
    marker = "stability-sim-secret-4f1c"
    secret.write_text(marker)
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    for template in TRAVERSALS:
        path = template.format(secret=str(secret).lstrip("/"),
                               secret_quoted=urllib.parse.quote(str(secret), safe=""))
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", path)  # sent as written: no client-side normalisation
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        conn.close()
        assert "root:x:0:0" not in body and marker not in body, (path, response.status)


def test_a_page_from_another_origin_cannot_open_the_kernel_socket(server) -> None:
    """Any page the user visits can ask the browser for a WebSocket to the server.

    A page served from another origin on this machine (another port: Chromium's
    private-network rules do not stop it) tries the kernel socket the real page uses; the
    server refuses the handshake, so the socket never opens. The same script on the
    server's own page opens it (the control).
    """
    import http.server
    import threading

    if CHROMIUM is None:
        pytest.fail("chromium is not installed (apt-get install chromium; make test does it)")
    url, _ = server
    socket_url = (url.replace("http://", "ws://") + "jupyter/api/kernels/"
                  "4c1f0000-0000-4000-8000-000000000001/channels?session_id=other")
    script = """url => new Promise(done => {
        const ws = new WebSocket(url);
        ws.onopen = () => { ws.close(); done("open"); };
        ws.onerror = () => done("refused");
        setTimeout(() => done("timeout"), 20000);
    })"""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>another site</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{other.server_port}/", timeout=60_000)
            from_other = page.evaluate(script, socket_url)
            page.goto(url, timeout=60_000)
            from_own = page.evaluate(script, socket_url)
            browser.close()
    finally:
        other.shutdown()
        other.server_close()
    assert (from_other, from_own) == ("refused", "open")
