"""The access token: needed off loopback, accepted from the address, a cookie or a header."""

from __future__ import annotations

import asyncio

import pytest

from talkinghead.web.auth import COOKIE_NAME, TokenGate, is_loopback, new_token, token_for

TOKEN = "s3cret-token"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_addresses(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.org"])
def test_other_addresses_need_a_token(host):
    assert not is_loopback(host)


def test_serve_makes_a_token_off_loopback_and_keeps_a_given_one():
    assert token_for("127.0.0.1", None) is None
    assert len(token_for("0.0.0.0", None)) >= 32
    assert token_for("0.0.0.0", "mine") == "mine" and token_for("localhost", "mine") == "mine"


def test_tokens_are_long_and_distinct():
    tokens = {new_token() for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 32 for t in tokens)


def call(scope: dict) -> tuple[list[dict], bool]:
    """Send one request through the gate; return what it sent and whether the app was reached."""
    reached = []

    async def app(scope, receive, send):
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    async def receive():
        return {"type": "http.request", "body": b""}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    base = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    asyncio.run(TokenGate(app, TOKEN)({**base, **scope}, receive, send))
    return sent, bool(reached)


def headers(message: dict) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in message["headers"]}


def test_no_token_is_refused_in_words():
    sent, reached = call({})
    assert not reached and sent[0]["status"] == 401
    assert b"access token" in sent[1]["body"] and b"Traceback" not in sent[1]["body"]


def test_a_wrong_token_is_refused():
    sent, reached = call({"query_string": b"token=guess"})
    assert not reached and sent[0]["status"] == 401


def test_the_printed_address_sets_a_cookie_and_drops_the_token_from_the_address():
    sent, reached = call({"path": "/", "query_string": f"token={TOKEN}&x=1".encode()})
    assert not reached and sent[0]["status"] == 303
    got = headers(sent[0])
    assert got["location"] == "/?x=1"
    assert got["set-cookie"].startswith(f"{COOKIE_NAME}={TOKEN};") and "HttpOnly" in \
        got["set-cookie"]


def test_the_cookie_lets_the_browser_in():
    sent, reached = call({"headers": [(b"cookie", f"other=1; {COOKIE_NAME}={TOKEN}".encode())]})
    assert reached and sent[0]["status"] == 200


def test_a_bearer_header_lets_a_script_in():
    _sent, reached = call({"method": "POST", "path": "/gradio_api/upload",
                          "headers": [(b"authorization", f"Bearer {TOKEN}".encode())]})
    assert reached


def test_a_token_in_the_address_of_a_post_passes_without_a_redirect():
    _sent, reached = call({"method": "POST", "query_string": f"token={TOKEN}".encode()})
    assert reached


def test_a_websocket_without_the_token_is_closed():
    sent, reached = call({"type": "websocket", "path": "/queue"})
    assert not reached and sent == [{"type": "websocket.close", "code": 1008}]


def test_a_malformed_cookie_header_is_just_no_cookie():
    sent, reached = call({"headers": [(b"cookie", b'\x7f;;=="')]})
    assert not reached and sent[0]["status"] == 401


def test_an_empty_token_is_a_programming_error():
    with pytest.raises(ValueError):
        TokenGate(lambda *a: None, "")
