"""End to end: the explorer served as a web page (Voila), driven in headless
Chromium by Playwright. Chromium comes from Debian's package (.ci/run installs
it); nothing downloads a browser. Skipped, with the reason, where it is absent."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                       "(apt-get install -y chromium; .ci/run does this)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("voila", reason="voila is not installed (pip install '.[explorer]')")

SCREENSHOT = Path(os.environ.get("PATHWAY_SCREENSHOT", "")) if os.environ.get(
    "PATHWAY_SCREENSHOT") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pathway", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the Voila server did not start:\n" + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_page_loads_and_a_slider_changes_the_plot(server, tmp_path):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(server, timeout=120_000)
        image = page.locator("img.widget-image").first
        image.wait_for(state="visible", timeout=120_000)
        page.wait_for_function("document.querySelector('img.widget-image').naturalWidth > 0",
                               timeout=60_000)
        before = image.get_attribute("src")
        shot_before = image.screenshot()
        handle = page.locator(".widget-slider .noUi-handle").last   # the time slider
        handle.focus()
        for _ in range(15):
            handle.press("ArrowRight")
        page.wait_for_function(
            f"document.querySelector('img.widget-image').getAttribute('src') !== {before!r}",
            timeout=30_000)
        page.wait_for_timeout(500)
        shot_after = image.screenshot()
        assert shot_after != shot_before
        out = SCREENSHOT or (tmp_path / "explorer.png")
        page.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 20_000
        assert "ketamine-pathway explorer" in page.content()
        browser.close()
