"""``pathway serve``: the explorer's folder over HTTP, and nothing else.

The handler answers only for the site's own files: a regular file inside the folder,
reached without a hidden name on the way (no ``.git/``, ``.env`` or other dotfile), without
``..``, and without a link that leads out of the folder; anything else is 404, with no
folder listings. A request that cannot be a path (``%00``), a client that goes away
mid-answer and a connection left idle for :data:`IDLE_TIMEOUT` seconds end quietly, with no
traceback in the log. Listening on anything but this machine's loopback address is allowed
(a classroom may want it) but said on standard error, since everyone who can reach the
address can then read the site.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import shutil
import socket
import sys
import tempfile
import urllib.parse
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import UsageError

#: Seconds a connection may stay silent (before or between requests, or while a
#: request is read) before it is closed.
IDLE_TIMEOUT = 30.0

#: Names of this machine alone (besides any loopback address).
LOCAL_HOSTS = ("localhost", "ip6-localhost")

#: The errors of a client that went away, or stayed silent too long: not worth a line.
_CLIENT_GONE = (ConnectionError, TimeoutError)


def beyond_this_machine(host: str) -> bool:
    """True when listening on ``host`` lets other machines connect."""
    name = host.strip().strip("[]").lower()
    if name in LOCAL_HOSTS:
        return False
    try:
        return not ipaddress.ip_address(name).is_loopback
    except ValueError:
        return True                         # a name of this machine's network address


def exposure_warning(host: str) -> str:
    return (f"warning: listening on {host}, beyond this machine: anyone who can reach this "
            "address can read the site (use --host 127.0.0.1 to keep it to this machine)")


def site_file(root: Path, url_path: str) -> Path | None:
    """The file of the site folder ``root`` that ``url_path`` names, or None when it
    names nothing the site serves (see the module's docstring)."""
    path = urllib.parse.unquote(url_path.split("?", 1)[0].split("#", 1)[0], errors="strict")
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p.startswith(".") for p in parts):   # hidden files, and "." and ".."
        return None
    candidate = root.joinpath(*parts) if parts else root
    if not parts or path.endswith("/"):
        candidate = candidate / "index.html"
    try:
        real = Path(os.path.realpath(candidate))
        inside = real.is_relative_to(Path(os.path.realpath(root)))
        return candidate if inside and real.is_file() else None
    except (OSError, ValueError):
        return None


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves the site's own files (:func:`site_file`); logs nothing per request, and
    tells browsers the page may be cached only briefly (a rebuilt site shows at once)."""

    def setup(self):
        self.timeout = IDLE_TIMEOUT         # read when the connection opens: a test may change it
        super().setup()

    def send_head(self):
        try:
            found = site_file(Path(self.directory), self.path)
        except UnicodeDecodeError:
            found = None
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        self.path = "/" + found.relative_to(self.directory).as_posix()
        return super().send_head()

    def list_directory(self, path):         # never reached (folders are not files): no listings
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None

    def log_message(self, format, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class SiteServer(ThreadingHTTPServer):
    """One thread per connection; a client's failure ends its connection, not the log."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, _CLIENT_GONE):
            return
        print(f"serve: a request from {client_address[0]} failed ({type(exc).__name__}: {exc}); "
              "still serving", file=sys.stderr, flush=True)


class SiteServer6(SiteServer):
    address_family = socket.AF_INET6


def make_server(folder: str | Path, host: str = "127.0.0.1", port: int = 8866) -> SiteServer:
    """A server for ``folder`` (not yet serving); a clear error if it cannot listen."""
    from .site import check_address
    check_address(host, port)
    folder = Path(folder).resolve()
    if not (folder / "index.html").is_file():
        raise UsageError(f"'{folder}' holds no site (no index.html)\n"
                         "  hint: write one first with: pathway site --out DIR")
    handler = functools.partial(SiteHandler, directory=str(folder))
    try:
        return (SiteServer6 if ":" in host else SiteServer)((host, port), handler)
    except PermissionError:
        raise UsageError(f"not allowed to listen on port {port}\n"
                         "  hint: ports below 1024 need special rights; use e.g. --port 8866") \
            from None
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}\n"
                         "  hint: the port may be in use (pick another with --port), or the "
                         "address is not one of this machine's (use --host 127.0.0.1)") from None


def serve(model, folder: str | Path | None = None, host: str = "127.0.0.1", port: int = 8866,
          site_file: str | Path | None = None) -> int:
    """Serve the site in ``folder`` (or one written now for ``model`` into a temporary
    folder) until Ctrl+C or SIGTERM."""
    import signal

    from .site import check_address, published_trials, write_site
    check_address(host, port)
    tmp = None
    if folder is None:
        tmp = tempfile.mkdtemp(prefix="pathway-site-")
        folder = Path(tmp) / "site"
    try:
        if tmp:
            write_site(model, folder, site_file)      # the page first: the server is made for it
        server = make_server(folder, host, port)
        # From here on Ctrl+C (or SIGTERM) is the way to stop the server, code 0: the stop
        # is caught from before the line that says so, or one sent as soon as that line is
        # read would land outside and read as an interrupted run (130).
        previous = None
        try:
            previous = _stop_on_sigterm()
            if tmp:
                # once the address is ours: the published trials on the page
                print("running the published trials' designs for the page (about 10 s)", file=sys.stderr,
                      flush=True)
                trials = _in_background(published_trials, model)
                if trials is not None:
                    write_site(model, folder, site_file, trials=trials)
            if beyond_this_machine(host):
                print(exposure_warning(host), file=sys.stderr, flush=True)
            shown = f"[{host}]" if ":" in host else host
            print(f"serving the explorer at http://{shown}:{server.server_address[1]}/ "
                  "(Ctrl+C stops it)", file=sys.stderr, flush=True)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _in_background(work, *args):
    """``work(*args)``, run in a daemon thread while this (the main) thread waits for it.

    A Ctrl+C or SIGTERM then raises KeyboardInterrupt here, in plain Python, and never
    inside the compiled solver: numba turns an interrupt raised while it loads a kernel
    into a SystemError (serve then ended with 130), and one such run stalled for over a
    minute. The abandoned thread holds nothing that must be written; it ends with the
    process."""
    import threading
    box = {}

    def run():
        try:
            box["value"] = work(*args)
        except BaseException as exc:      # handed to the waiting thread below
            box["error"] = exc

    thread = threading.Thread(target=run, name="pathway-serve-trials", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _stop_on_sigterm():
    """Make SIGTERM stop the server like Ctrl+C does (so the temporary folder goes);
    return the previous handler, or None where that cannot be done."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt
    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:              # not the main thread
        return None
