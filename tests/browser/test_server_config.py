"""What .streamlit/config.toml closes on the real server (issue 13, item 9), and what it
cannot: the README tells operators to block /_stcore/metrics at their proxy."""

from __future__ import annotations

import base64
import os
import socket
import tomllib
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

CONFIG = Path(__file__).parents[2] / ".streamlit" / "config.toml"


def _websocket_status(server: str, host: str) -> str:
    """The status line of a WebSocket handshake with this Host and a matching Origin."""
    port = urlparse(server).port
    assert port is not None
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Origin: http://{host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        return conn.recv(4096).decode("latin-1").splitlines()[0]


def test_a_foreign_host_cannot_open_the_session(server: str):
    """DNS rebinding: evil.example resolving to the server gets no WebSocket, so no data."""
    assert " 101 " in _websocket_status(server, "127.0.0.1")
    assert " 101 " in _websocket_status(server, "localhost")
    assert " 403 " in _websocket_status(server, "evil.example")


def test_errors_show_no_details_in_the_browser():
    client = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["client"]
    assert client["showErrorDetails"] == "none"
    assert client["showErrorLinks"] is False


def test_metrics_stay_open_without_a_proxy_rule(server: str):
    """No configuration option closes /_stcore/metrics in Streamlit 1.67: operators must
    block it at the proxy (README, 'Running it for others'). This test notices the day an
    upgrade changes that, so the README can be updated."""
    with urllib.request.urlopen(f"{server}/_stcore/metrics", timeout=10) as response:
        assert response.status == 200
        assert b"session_events" in response.read()
