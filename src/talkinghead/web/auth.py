"""The access token: required whenever the page is reachable from other machines.

On a loopback address only this machine can connect, so no token is needed
(one can still be given). Bound to any other address, `serve` makes a random
token and prints the address with it; a browser that opens that address gets
the token as an HttpOnly cookie and is sent on to the page without it in the
address bar. Scripts can send `Authorization: Bearer TOKEN` instead. Every
other request (the page, its files, its API, its websockets) is refused with
401 and one sentence saying what to do.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

TOKEN_PARAMETER = "token"
COOKIE_NAME = "talkinghead_token"
TOKEN_BYTES = 24  # 192 bits, URL-safe: unguessable, short enough to paste

# The ASGI interface, as Starlette spells it (this module does not import it).
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip("[]").lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything, so it counts as exposed


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_for(host: str, token: str | None) -> str | None:
    """The token `serve` requires: the one given, else a new one unless `host` is loopback."""
    if token:
        return token
    return None if is_loopback(host) else new_token()


def token_matches(given: str | None, token: str) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


class TokenGate:
    """ASGI middleware: let a request through only with the token (query, cookie or header)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("an empty token would let everyone in")
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if token_matches(query.get(TOKEN_PARAMETER), self.token):
            if scope["type"] == "http" and scope.get("method") == "GET":
                await self._admit(scope, query, send)
                return
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is just no cookie
            cookie = SimpleCookie()
        bearer = headers.get("authorization", "")
        if (COOKIE_NAME in cookie and token_matches(cookie[COOKIE_NAME].value, self.token)) or (
                bearer.lower().startswith("bearer ") and token_matches(bearer[7:].strip(),
                                                                        self.token)):
            await self.app(scope, receive, send)
            return
        await _refuse(scope, send)

    async def _admit(self, scope: Scope, query: dict[str, str], send: Send) -> None:
        """Set the cookie and redirect to the same address without the token in it."""
        rest = {k: v for k, v in query.items() if k != TOKEN_PARAMETER}
        location = scope.get("root_path", "") + scope["path"] + (
            "?" + urlencode(rest) if rest else "")
        cookie = (f"{COOKIE_NAME}={self.token}; Path=/; HttpOnly; SameSite=Lax")
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")),
                                (b"set-cookie", cookie.encode("latin-1")),
                                (b"cache-control", b"no-store"),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


REFUSAL = ("This talkinghead page needs its access token: open the address that "
           "'talkinghead serve' printed when it started (it ends in ?token=...).")


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = (f"<!doctype html><meta charset=utf-8><title>talkinghead: token needed</title>"
            f"<p style='font-family:sans-serif'>{REFUSAL}</p>").encode()
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
