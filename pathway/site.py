"""The explorer as a static web site: ``pathway site --out DIR`` and ``pathway serve``.

:func:`write_site` copies the page (``pathway/web/``: HTML, CSS, the app and the
solver) into a folder and writes the model beside it as ``model.js``, a script
that assigns ``window.PATHWAY_MODEL`` (a script, not a fetched JSON file, so the
page works from a folder opened straight from disk, ``file://``, where browsers
refuse ``fetch``). Nothing is loaded from the network at run time, so the folder
works on any static host.

:func:`serve` serves such a folder on this machine with the standard library's
``http.server``; every visitor gets the same files and no state is kept.
"""

from __future__ import annotations

import ipaddress
import math
import socket
from importlib import resources
from pathlib import Path

from .atomicio import check_folder, write_text
from .errors import UsageError
from .htmlsafe import script_json
from .modelfile import Model
from .webexport import export_model, load_site

#: The page's own files, copied as they are.
ASSETS = ("index.html", "app.css", "app.js", "solver.js", "LICENSE.txt")
#: The budget for the whole folder.
MAX_BYTES = 3_000_000


def web_file(name: str) -> str:
    """The text of one of the page's files (``pathway/web/<name>``)."""
    return resources.files("pathway").joinpath("web", name).read_text(encoding="utf-8")


def model_script(model: Model, site_file: str | Path | None = None, scorecard=None, trials=None) -> str:
    """``model.js``: the exported model as a script that sets ``window.PATHWAY_MODEL``;
    with ``scorecard`` (results of :func:`pathway.validate.run_targets`), the page
    shows it too, and with ``trials`` (rows of :func:`pathway.validate.trial_rows`) every
    published trial's result beside the model's (:func:`pathway.validate.trial_page_data`)."""
    from .versions import versions
    data = export_model(model, load_site(model, site_file))
    data["versions"] = versions(model)
    if scorecard is not None:
        finite = lambda x: x if math.isfinite(x) else None    # JSON has no infinity
        data["scorecard"] = [{**r.to_dict(), "value": finite(r.value),
                              "band": [finite(b) for b in r.band]} for r in scorecard]
    if trials is not None:
        from .validate import trial_page_data
        data["trials"] = trial_page_data(trials)
    # escaped as for an inline script: the data is text, whatever the model file holds
    text = script_json(data, separators=(",", ":"), allow_nan=False)
    return f"window.PATHWAY_MODEL = {text};\n"


def published_trials(model: Model):
    """Every published trial's rows for the page (:func:`pathway.validate.trial_rows`), or None when the model
    simulates none of them (it has no trial map beside it)."""
    from .validate import trial_rows
    rows = trial_rows(model)
    return rows if any(r.status != "not simulated" for r in rows) else None


def write_site(model: Model, out: str | Path, site_file: str | Path | None = None,
               scorecard=None, trials=None) -> dict:
    """Write the explorer for ``model`` into the folder ``out`` (created if needed; its
    other files are left alone); with ``scorecard`` (results of
    :func:`pathway.validate.run_targets`) the page has a box of the literature checks, and
    with ``trials`` (rows of :func:`pathway.validate.trial_rows`) a box of the published
    trials, each result beside the model's.
    Return ``{"path", "files", "bytes"}``."""
    out = check_folder(out, "the site", "site/")
    script = model_script(model, site_file, scorecard, trials)
    try:
        out.mkdir(exist_ok=True)
        # file by file, each renamed into place when complete
        write_text(out / "model.js", script)
        for name in ASSETS:
            write_text(out / name, web_file(name))
    except OSError as exc:
        raise UsageError(f"cannot write the site to '{out}': {exc.strerror or exc}\n"
                         "  hint: check that the folder is writable") from None
    files = ("model.js",) + ASSETS
    size = sum((out / f).stat().st_size for f in files)
    if size > MAX_BYTES:
        raise UsageError(f"the site in '{out}' takes {size / 1e6:.1f} MB, more than the "
                         f"{MAX_BYTES / 1e6:.0f} MB budget\n  hint: the model file is unusually "
                         "large; trim long descriptions or references")
    return {"path": str(out), "files": files, "bytes": size}


def check_address(host: str, port: int) -> None:
    """Refuse an empty or unknown host and a port outside 1-65535, with a hint."""
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise UsageError(f"port {port!r} is not a port number\n"
                         "  hint: use a number from 1 to 65535, e.g. --port 8866")
    if not host or not host.strip():
        raise UsageError("the host is empty\n  hint: use --host 127.0.0.1 (this machine only)")
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UsageError(f"cannot find the host {host!r}\n"
                         "  hint: use an address of this machine, e.g. --host 127.0.0.1") from None


def make_server(folder: str | Path, host: str = "127.0.0.1", port: int = 8866):
    """A server for ``folder`` (not yet serving): the hardened one of :mod:`pathway.serving`, which serves
    only the site's own files (kept under this name for code that imports it from here)."""
    from .serving import make_server as hardened
    return hardened(folder, host, port)


def serve(model: Model, folder: str | Path | None = None, host: str = "127.0.0.1",
          port: int = 8866, site_file: str | Path | None = None) -> int:
    """Serve the site in ``folder`` (or one written now for ``model``) until Ctrl+C:
    :func:`pathway.serving.serve`, the server ``pathway serve`` runs."""
    from .serving import serve as hardened
    return hardened(model, folder, host, port, site_file)
