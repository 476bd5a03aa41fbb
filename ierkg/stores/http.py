"""HTTP requests to a SPARQL server: credentials, and a deadline on every call.

A timeout on a socket bounds each read, not the whole answer, so a server that trickles
bytes could hold a call forever; here the whole call has one deadline.
"""

from __future__ import annotations

import base64
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException

from .base import StoreError, StoreTimeout, StoreUnavailable


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to a server: HTTP basic or digest (user, password), or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    scheme: str = "basic"  # basic | digest, for user and password

    def __post_init__(self):
        if self.scheme not in ("basic", "digest"):
            raise ValueError(f"unknown authentication scheme '{self.scheme}' (basic or digest)")
        if self.token and self.user:
            raise ValueError("give either a user and password or a bearer token, not both")

    def __repr__(self) -> str:  # never print a secret
        return (
            f"Credentials(user={self.user!r}, scheme={self.scheme!r}, token={'***' if self.token else None})"
        )


@dataclass(frozen=True)
class Response:
    status: int
    media_type: str
    body: bytes
    location: str = ""  # where a redirect pointed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as the answer: following it would carry the credentials to an
    address nobody configured."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _DigestWithinDeadline(urllib.request.HTTPDigestAuthHandler):
    """Digest login takes a second request; it gets only the time the call has left."""

    def http_error_401(self, req, fp, code, msg, headers):
        deadline = getattr(req, "deadline", None)
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no time left for the digest login")
            req.timeout = remaining
        return super().http_error_401(req, fp, code, msg, headers)


def opener(url: str, credentials: Credentials) -> urllib.request.OpenerDirector:
    """An opener that answers the server's challenge (digest) or sends credentials up front.

    It has no proxy handler and follows no redirect: ierkg talks to the configured server
    only, never through a proxy that the environment names. Each request given to it should
    carry a ``deadline`` (time.monotonic()) that bounds the digest login's second request.
    """
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}), _NoRedirects()]
    if credentials.user and credentials.scheme == "digest":
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, credentials.user, credentials.password or "")
        handlers.append(_DigestWithinDeadline(passwords))
    return urllib.request.build_opener(*handlers)


def authorization(credentials: Credentials) -> dict[str, str]:
    """The Authorization header sent with every request (basic and bearer), else nothing."""
    if credentials.token:
        return {"Authorization": f"Bearer {credentials.token}"}
    if credentials.user and credentials.scheme == "basic":
        pair = f"{credentials.user}:{credentials.password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {}


def send(
    url: str,
    *,
    server: str,
    credentials: Credentials,
    timeout: float,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int = 1 << 30,
    truncate: bool = False,
) -> Response:
    """One HTTP exchange within ``timeout`` seconds in all; StoreError subclasses on failure.

    An HTTP error status is returned, not raised, so that callers can say what it means for
    them; unreachable servers, timeouts and oversized answers raise (with ``truncate``, an
    answer is read whole but only its first ``max_bytes`` kept).
    """
    request = urllib.request.Request(url, data=body, method=method)
    for key, value in {**authorization(credentials), **(headers or {})}.items():
        request.add_header(key, value)
    deadline = request.deadline = time.monotonic() + timeout
    try:
        response = opener(url, credentials).open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    except TimeoutError:
        raise StoreTimeout(f"{server} did not answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise StoreTimeout(f"{server} did not answer within {timeout:g} s") from None
        raise StoreUnavailable(
            f"{server} cannot be reached: {getattr(reason, 'strerror', None) or reason}"
        ) from None
    except (OSError, HTTPException) as error:
        raise StoreUnavailable(f"{server} cannot be reached: {error}") from None
    with response:
        body_read = read_within(response, deadline, max_bytes, server, timeout, truncate)
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return Response(
            response.status if hasattr(response, "status") else response.code,
            media_type,
            body_read,
            response.headers.get("Location") or "",
        )


def read_within(
    response, deadline: float, max_bytes: int, server: str, timeout: float, truncate: bool = False
) -> bytes:
    """The whole body, read before the deadline and no longer than ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreTimeout(f"{server} did not finish its answer within {timeout:g} s")
            # read1 returns what has arrived, and no single wait outlasts the deadline, so a
            # server trickling its answer byte by byte cannot hold a call past it.
            _wait_at_most(response, remaining)
            part = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
            if not part:
                return b"".join(parts)
            if size + len(part) > max_bytes:
                if not truncate:
                    raise StoreError(f"{server} sent an answer larger than {max_bytes:,} bytes; refused")
                part = part[: max(0, max_bytes - size)]
            size += len(part)
            if part:
                parts.append(part)
    except TimeoutError:
        raise StoreTimeout(f"{server} did not finish its answer within {timeout:g} s") from None
    except (OSError, HTTPException) as error:
        raise StoreUnavailable(f"{server} broke off its answer: {error}") from None


def _wait_at_most(response, seconds: float) -> None:
    """Bound the next receive on the response's socket (urllib exposes it only privately)."""
    if isinstance(response, urllib.error.HTTPError):  # an error status wraps the response itself
        response = response.fp
    connection = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if connection is not None:
        connection.settimeout(max(seconds, 0.001))


def status_error(server: str, action: str, response: Response) -> StoreError:
    """The error for an HTTP error status, with the server's own words where it gave some."""
    said = response.body[:500].decode("utf-8", "replace").strip()
    detail = f": {said}" if said else ""
    if 300 <= response.status < 400:
        return StoreError(
            f"{server} answered with a redirect (HTTP {response.status}) to "
            f"{response.location or 'another address'}; ierkg follows none, since the credentials "
            "would go along: configure the address it points to"
        )
    if server_timed_out(said):
        return StoreTimeout(f"{server} stopped the work at its own time limit{detail}")
    if response.status in (401, 403):
        return StoreError(
            f"{server} refused to {action} (HTTP {response.status}); check the credentials (--user "
            f"with IERKG_ENDPOINT_PASSWORD, or IERKG_ENDPOINT_TOKEN) and the server's permissions{detail}"
        )
    if response.status == 404:
        return StoreError(f"{server} has no SPARQL service at that address (HTTP 404){detail}")
    if response.status in (502, 503, 504):
        return StoreUnavailable(f"{server} is unavailable (HTTP {response.status}){detail}")
    return StoreError(f"{server} could not {action} (HTTP {response.status}){detail}")


def server_timed_out(said: str) -> bool:
    """Virtuoso reports its own time limit as SQL state S1T00 or S1TAT, or error SR171 (with
    HTTP 500 or 400). Only its message is read, not the query it echoes after it."""
    message = said.split("SPARQL query:", 1)[0]
    return any(code in message for code in ("SR171", "S1T00", "S1TAT"))
