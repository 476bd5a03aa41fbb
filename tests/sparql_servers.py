"""Real SPARQL servers on loopback for the store tests: Oxigraph's server and Virtuoso.

Each runs as its own process from a folder the test owns, on a free port, and can be stopped
and started again on the same data. Also here: two stand-ins for failures that a real server
cannot be made to show on demand: a port that accepts connections and never answers, and an
authenticating proxy (HTTP basic or bearer) in front of a real server.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .web_server import free_port


def _wait_for(url: str, process: subprocess.Popen, seconds: float, log: Path) -> None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s:\n{log.read_text()[-2000:]}")


class OxigraphServer:
    """``oxigraph serve`` (PyPI oxigraph) over a folder; query at /query, update at /update."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = folder.parent / f"{folder.name}.log"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def start(self, ready_within: float = 30) -> OxigraphServer:
        """``ready_within``: a large store takes minutes to open (the benchmark's holds 10 GB)."""
        executable = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [executable, "serve", "--location", str(self.folder), "--bind", f"127.0.0.1:{self.port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_for(f"{self.query_url}?query=ASK%7B%7D", self.process, ready_within, self.log)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
DirsAllowed = ., {folder}
DefaultIsolation = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10

[SPARQL]
ResultSetMaxRows = {result_rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "ierkg", "ierkg-test-password"


class VirtuosoServer:
    """Debian's Virtuoso (virtuoso-t) with a config file written into the test's folder.

    Anonymous users may query /sparql; updates need the ``ierkg`` user, who logs in to
    /sparql-auth with HTTP digest, as Virtuoso asks, and holds SPARQL_UPDATE.
    """

    def __init__(self, folder: Path, result_rows: int = 1_000_000):
        self.folder = folder
        self.result_rows = result_rows  # ResultSetMaxRows: where Virtuoso cuts an answer short
        self.http_port, self.sql_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None
        self.log = folder / "console.log"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    def start(self) -> VirtuosoServer:
        first_start = not (self.folder / "virtuoso.db").exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(
                folder=self.folder,
                sql_port=self.sql_port,
                http_port=self.http_port,
                result_rows=self.result_rows,
            )
        )
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                ["virtuoso-t", "-f", "-c", str(ini)], cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_for(f"{self.query_url}?query=ASK%7B%7D", self.process, 90, self.log)
        if first_start:
            self.sql(
                f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}');",
                f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}";',
            )
        return self

    def sql(self, *statements: str) -> None:
        script = " ".join(statements)
        result = subprocess.run(
            ["isql-vt", str(self.sql_port), "dba", "dba", f"exec={script}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
            raise RuntimeError(f"isql-vt failed: {result.stdout}\n{result.stderr}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class _Listener:
    """A loopback port whose connections ``_handle`` takes, each on a thread of its own."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.port = self._socket.getsockname()[1]
        self._held: list[socket.socket] = []
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while self._running:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self._held.append(connection)
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        """Read nothing, answer nothing."""

    def close(self) -> None:
        self._running = False
        self._socket.close()
        for connection in self._held:
            connection.close()


class Silent(_Listener):
    """A port that accepts connections and never says a word: a server that hangs."""


class Trickle(_Listener):
    """A server that answers at once, then sends its body one byte every 0.2 s: it never stalls
    long enough for a per-read timeout to fire."""

    def _handle(self, connection: socket.socket) -> None:
        try:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                b"Content-Length: 100000\r\n\r\n"
            )
            while self._running:
                connection.sendall(b" ")
                time.sleep(0.2)
        except OSError:
            return


class Stall(_Listener):
    """Sends an error status at once, one byte of its body after ``pause`` seconds, and then
    nothing more: a server that hangs halfway through its error message."""

    def __init__(self, pause: float):
        self.pause = pause
        super().__init__()

    def _handle(self, connection: socket.socket) -> None:
        try:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 1000\r\n\r\n"
            )
            time.sleep(self.pause)
            connection.sendall(b"E")
        except OSError:
            return


class Redirect(_Listener):
    """Answers every request with a 307 to ``target`` (a Recorder, say)."""

    def __init__(self, target: str):
        self.target = target
        super().__init__()

    def _handle(self, connection: socket.socket) -> None:
        try:
            connection.recv(65536)
            connection.sendall(
                f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {self.target}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
        except OSError:
            return


class Recorder(_Listener):
    """Keeps what each request sent, and gives every one the same answer: by default 200 with
    an empty SPARQL result."""

    def __init__(
        self,
        status: str = "200 OK",
        body: bytes = b'{"head":{"vars":[]},"results":{"bindings":[]}}',
        content_type: str = "application/sparql-results+json",
    ):
        self.received: list[bytes] = []
        self.answer = (
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        super().__init__()

    def _handle(self, connection: socket.socket) -> None:
        try:
            self.received.append(connection.recv(65536))
            connection.sendall(self.answer)
        except OSError:
            return


class AuthProxy:
    """Forwards to a real server only requests that carry the right basic or bearer credentials.

    ``delay`` holds every answer back that many seconds: a slow server. A proxy that checks
    no credentials passes the client's on, so the server behind it can ask for digest.
    """

    def __init__(
        self, upstream_port: int, user: str = "", password: str = "", token: str = "", delay: float = 0
    ):
        self.delay = delay
        self.requests: list[str] = []  # "METHOD /path?query" of each request forwarded
        expected = set()
        if user:
            expected.add("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        if token:
            expected.add(f"Bearer {token}")
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _forward(self) -> None:
                if expected and self.headers.get("Authorization") not in expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append(f"{self.command} {self.path}")
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                dropped = ("host", "authorization") if expected else ("host",)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                time.sleep(proxy.delay)
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward  # noqa: N815 - the handler's method names

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str = "/query") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def urlencoded(params: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(params).encode()
