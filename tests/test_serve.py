"""``pathway serve`` serves the site's own files and nothing else, ends idle and broken
connections quietly, and says so when it listens beyond this machine. Each test runs a
real server on a free port and talks to it over a socket."""

import http.client
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pathway import serving

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a secret outside the site"
BIG = 8_000_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site(tmp_path):
    """A site folder with the traps a real folder may hold beside its files."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>explorer</title>")
    (folder / "app.js").write_text("console.log('app')")
    (folder / "big.bin").write_bytes(b"x" * BIG)
    (folder / ".env").write_text(SECRET)
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text(SECRET)
    (folder / "sub").mkdir()
    (folder / "sub" / "page.html").write_text("<p>inside</p>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "leakdir").symlink_to(outside)
    (folder / "same.js").symlink_to(folder / "app.js")        # a link that stays inside is fine
    return folder


@pytest.fixture
def server(site, monkeypatch):
    monkeypatch.setattr(serving, "IDLE_TIMEOUT", 0.5)
    srv = serving.make_server(site, "127.0.0.1", _free_port())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(server, path: str, method: str = "GET") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)   # the path exactly as given
        conn.endheaders()
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path, body", [("/", b"<title>explorer</title>"),
                                        ("/index.html?x=1", b"<title>explorer</title>"),
                                        ("/app.js", b"console.log"),
                                        ("/same.js", b"console.log"),
                                        ("/sub/page.html", b"inside"),
                                        ("/sub/../app.js", None)])
def test_the_sites_own_files_are_served(server, path, body):
    status, got = _get(server, path)
    if body is None:                          # ".." is refused even where it would stay inside
        assert status == 404
    else:
        assert status == 200 and body in got


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/.git/", "/%2egit/config", "/%2Eenv",
                                  "/../outside/secret.txt", "/%2e%2e/outside/secret.txt",
                                  "/..%2foutside%2fsecret.txt", "/sub/..%2f..%2foutside/secret.txt",
                                  "/leak.txt", "/leakdir/secret.txt", "/sub/", "/sub",
                                  "/%00", "/index.html%00.js", "/app.js%00", "/%ff%fe",
                                  "/..\\outside\\secret.txt", "//etc/passwd", "/nothing-here"])
def test_nothing_else_is_served(server, path, capfd):
    status, got = _get(server, path)
    assert status == 404 and SECRET.encode() not in got
    assert "Traceback" not in capfd.readouterr().err


def test_head_requests_follow_the_same_rules(server):
    assert _get(server, "/.env", "HEAD")[0] == 404
    assert _get(server, "/app.js", "HEAD")[0] == 200


def test_a_client_that_leaves_mid_answer_leaves_no_traceback(server, capfd):
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10)
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(1024)                                       # the answer has begun
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()                                          # reset, with most of it unsent
    assert _get(server, "/app.js")[0] == 200                  # still serving
    time.sleep(0.5)                                           # let the abandoned threads finish
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err


def test_an_idle_connection_is_closed(server):
    """IDLE_TIMEOUT is 0.5 s here: a client that sends nothing is hung up on."""
    sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=20)
    try:
        assert sock.recv(1024) == b""                         # closed by the server, not timed out
    finally:
        sock.close()
    sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=20)
    try:
        sock.sendall(b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n")   # keep-alive, then silence
        got = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
        assert got.startswith(b"HTTP/1.0 200") or got.startswith(b"HTTP/1.1 200")
    finally:
        sock.close()


@pytest.mark.parametrize("host, beyond", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                          ("127.0.0.2", False), ("0.0.0.0", True), ("::", True),
                                          ("192.168.1.20", True), ("lab-pc.example.org", True)])
def test_which_hosts_reach_beyond_this_machine(host, beyond):
    assert serving.beyond_this_machine(host) is beyond


def _serve(site: Path, host: str) -> str:
    """Run `pathway serve` until it says it is serving, stop it, return its standard error."""
    proc = subprocess.Popen([sys.executable, "-m", "pathway", "serve", "--dir", str(site), "--host",
                             host, "--port", str(_free_port())], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = []
    try:
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("serving"):
                break
    finally:
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 0
    return "".join(lines) + rest


def test_listening_beyond_this_machine_is_said(site):
    err = _serve(site, "0.0.0.0")
    assert "warning: listening on 0.0.0.0, beyond this machine" in err and "--host 127.0.0.1" in err
    assert "warning" not in _serve(site, "127.0.0.1")


def test_an_unforeseen_error_is_one_line_and_a_client_gone_is_none(server, capsys):
    for error in (RuntimeError("boom"), ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe"),
                  TimeoutError("idle")):
        try:
            raise error
        except Exception:
            server.handle_error(None, ("192.0.2.7", 50000))
    err = capsys.readouterr().err
    assert err == "serve: a request from 192.0.2.7 failed (RuntimeError: boom); still serving\n"


def test_ctrl_c_right_after_the_serving_line_is_a_stop(site, monkeypatch):
    """Ctrl+C (or SIGTERM) is how a server is stopped: code 0, not "interrupted", even when it
    lands the moment the "serving" line is out, before the server has begun to wait (a test
    that sends SIGINT on reading that line once met the server there and got 130)."""
    import io

    from pathway.cli import main

    class StopAfterServingLine(io.StringIO):
        def flush(self):
            super().flush()
            if "serving the explorer" in self.getvalue() and not hasattr(self, "stopped"):
                self.stopped = True
                raise KeyboardInterrupt

    err = StopAfterServingLine()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["serve", "--dir", str(site), "--port", str(_free_port())]) == 0
    assert "interrupted" not in err.getvalue()


def test_the_site_modules_server_is_the_hardened_one(site):
    """``pathway.site.make_server`` (the API older code imports) gives the same server as ``pathway serve``: no
    dotfiles, no links out."""
    from pathway import site as site_module
    srv = site_module.make_server(site, "127.0.0.1", _free_port())
    assert isinstance(srv, serving.SiteServer)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        assert _get(srv, "/.git/config")[0] == 404 and _get(srv, "/leak.txt")[0] == 404
        assert _get(srv, "/")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()
