"""One HTTP exchange with the registry or its token service, bounded in time and size.

Each exchange has an overall deadline (connecting, sending and reading together: an answer
trickling in a byte at a time cannot hold the caller past it) and a limit on the answer's
size (a Content-Length over it is refused before anything is read, a longer body as soon as
it passes the limit). A cut-off body, a reset connection or a timeout is a `Unreachable`
(the caller treats it as transient). Redirects are not followed. Plain http is refused except
to this computer (the local endpoint): the registry's requests carry personal data and tokens.
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import ssl
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import cache

from usikit.errors import InputError

MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a full BulkUploadRetrieve answer is about 1 MB
READ = 64 * 1024


class Unreachable(Exception):
    """No usable answer: not reached, too slow, cut off, or over the size limit."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    location: str  # a redirect's target ("" otherwise)
    server_time: float | None  # the server's clock (its Date header), seconds since the epoch
    received: float  # this computer's clock when the answer came


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(url: str, what: str) -> str:
    """`url` if usikit may send to it: https, or http to this computer only."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    if parts.scheme == "http":
        raise InputError(
            f"{what} {url} is plain http: usikit sends personal data and security tokens only "
            "over https (plain http only to a local endpoint on this computer)"
        )
    raise InputError(f"{what} must be an https address, not {url!r}")


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _connection(url: urllib.parse.SplitResult, timeout: float) -> http.client.HTTPConnection:
    host, port = url.hostname or "", url.port
    if url.scheme == "http":
        return http.client.HTTPConnection(host, port, timeout=timeout)
    proxy = urllib.request.getproxies().get("https")
    if proxy and not urllib.request.proxy_bypass(host):
        through = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        connection = http.client.HTTPSConnection(
            through.hostname or "", through.port or 8080, timeout=timeout, context=_tls()
        )
        connection.set_tunnel(host, port or 443)
        return connection
    return http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls())


def post(
    url: str,
    data: bytes,
    *,
    content_type: str,
    timeout: float,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> Answer:
    """POST `data`; the answer (any status). Unreachable when none came in `timeout` seconds."""
    deadline = time.monotonic() + timeout
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = _connection(parts, timeout)
    try:
        connection.request("POST", path or "/", body=data, headers={"Content-Type": content_type})
        _limit(connection, deadline)
        response = connection.getresponse()
        length = response.getheader("Content-Length")
        if length and length.strip().isdigit() and int(length) > max_bytes:
            raise Unreachable(
                f"{url} answered {int(length):,} bytes, over the limit of {max_bytes:,}"
            )
        body = bytearray()
        while True:
            _limit(connection, deadline)
            chunk = response.read1(READ)
            if not chunk:
                break
            body += chunk
            if len(body) > max_bytes:
                raise Unreachable(f"{url} answered over {max_bytes:,} bytes, the limit")
        return Answer(
            response.status,
            bytes(body),
            response.getheader("Location") or "",
            _server_time(response.getheader("Date")),
            time.time(),
        )
    except TimeoutError:
        raise Unreachable(f"{url} did not answer within {timeout:g} seconds") from None
    except http.client.IncompleteRead:
        raise Unreachable(f"the answer from {url} was cut off") from None
    except (http.client.HTTPException, OSError) as exc:
        raise Unreachable(f"could not reach {url} ({exc or type(exc).__name__})") from None
    finally:
        connection.close()


def _limit(connection: http.client.HTTPConnection, deadline: float) -> None:
    """Let the next wait on the socket last no longer than what is left of the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)


def _server_time(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return None
