"""The notebook explorer (``pathway.explore()``): an anywidget that carries the page
of ``pathway site``. Its module is run in headless Chromium with a stand-in for
the notebook's widget model, as JupyterLab would run it."""

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("anywidget")

from pathway import load_model
from pathway.errors import UsageError
from pathway.widgets import explore

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "models" / "ketamine.toml")


def test_widget_carries_the_model_and_the_page(model):
    w = explore(model)
    data = json.loads(w.data)
    assert set(data["scenarios"]) == set(model.scenarios)
    assert data["things_to_try"]
    assert w.initial == {"scenario": model.roles.showcase[0], "compare": model.roles.showcase[1]}
    assert "PathwaySolver" in w._esm and "export default" in w._esm and ".pathway-app" in w._css


def test_widget_starts_where_asked_and_refuses_unknown_names(model):
    w = explore(model, scenario="placebo", compare="")
    assert w.initial["scenario"] == "placebo"
    with pytest.raises(UsageError, match="unknown scenario"):
        explore(model, scenario="no-such")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("which", ["ketamine", "toy"])
def test_widget_renders_and_reports_its_state(which, tmp_path):
    api = pytest.importorskip("playwright.sync_api")
    model = load_model(ROOT / "models" / f"{which}.toml")
    w = explore(model)
    (tmp_path / "widget.js").write_text(w._esm)
    (tmp_path / "widget.css").write_text(w._css)
    (tmp_path / "index.html").write_text(f"""<!doctype html><html><head>
<link rel="stylesheet" href="widget.css"></head><body><div id="out"></div>
<script type="module">
import widget from "./widget.js";
const values = {{data: {json.dumps(w.data)}, initial: {json.dumps(w.initial)}, state: {{}}}};
window.saved = [];
const model = {{get: (k) => values[k], set: (k, v) => {{ values[k] = v; }},
               save_changes: () => window.saved.push(JSON.parse(JSON.stringify(values.state)))}};
widget.render({{model, el: document.getElementById("out")}});
</script></body></html>""")
    with api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # a module script needs http(s) or a file the browser may read as a module
        page.route("http://widget.test/**", lambda route: route.fulfill(
            path=str(tmp_path / route.request.url.split("/")[-1])))
        page.goto("http://widget.test/index.html")
        page.wait_for_function("window.saved && window.saved.length > 0", timeout=30_000)
        assert not errors, errors
        assert page.locator("#out .pw-pathway svg [data-node]").count() == sum(
            1 for n in json.loads(w.data)["nodes"] if n["x"] is not None)
        assert page.evaluate("typeof window.pathway") == "undefined"     # no global in a notebook
        iv = next(iter(model.interventions))
        page.check(f"#pw-interventions-{iv}")
        assert page.evaluate("window.saved.at(-1).interventions") == [iv]
        assert page.evaluate("location.hash") == ""                       # the notebook's URL stays
        page.get_by_role("button", name="Reset everything").click()
        assert page.evaluate("window.saved.at(-1).interventions") == []
        browser.close()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_notebook_1_shows_the_explorer_in_jupyterlab(tmp_path):
    """The course's first notebook run in a real JupyterLab: the widget draws the page in the cell's output."""
    import os
    import shutil as sh
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    pytest.importorskip("jupyterlab")
    api = pytest.importorskip("playwright.sync_api")
    sh.copy(ROOT / "notebooks" / "01_explorer.ipynb", tmp_path / "explorer.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "run"))
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=None"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=2)
                break
            except OSError:
                if time.time() > deadline or lab.poll() is not None:
                    pytest.fail("JupyterLab did not start")
                time.sleep(0.5)
        with api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{port}/lab/tree/explorer.ipynb", timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            # wait for the kernel, then run every cell from the Run menu
            page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=180_000)
            page.locator(".jp-Notebook").first.click()
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator('[data-command="runmenu:run-all"]').click()
            page.wait_for_selector(".pathway-app .pw-pathway svg [data-node]", timeout=180_000)
            iv = next(iter(load_model(ROOT / "models" / "ketamine.toml").interventions))
            page.check(f".pathway-app #pw-interventions-{iv}")
            page.wait_for_selector(".pathway-app .pw-ghost", timeout=30_000)
            assert not [e for e in errors if "pathway" in e.lower() or "Pathway" in e], errors
            browser.close()
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
