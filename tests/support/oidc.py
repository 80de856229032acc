"""A real OpenID Connect provider on loopback, for signing in through `st.login` in a test.

`oidc-provider-mock` (a dev dependency) runs as its own process on 127.0.0.1 and a free port,
and its address is the issuer URL. It accepts any client ID and secret, and its authorization
page is a form: the test types the subject ("sub") of whoever signs in and presses Authorize.
People registered here (`users`) get their e-mail and name as claims; a subject nobody
registered signs in with just `email` = the subject.

`auth_secrets` writes the `[auth]` and `[waypoint]` sections a Streamlit server needs to sign
in with this provider; tests/support/browser.py `start_server(secrets=...)` hands it to the app.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence

import pytest

from tests.support.browser import free_port, stop_process

CLIENT_ID = "waypoint-test"
CLIENT_SECRET = "waypoint-test-secret"  # noqa: S105 - the mock accepts any secret


def start_provider(
    tmp_path_factory: pytest.TempPathFactory, users: Mapping[str, str] = {}
) -> Iterator[str]:
    """Run the provider until the generator is closed; yields its issuer URL.

    `users` maps e-mail addresses to display names; each becomes a subject whose ID token
    carries `email` and `name`.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for email, name in users.items():
        cmd += ["--user-claims", json.dumps({"sub": email, "email": email, "name": name})]
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("wb")
    # The provider speaks plain HTTP on loopback (its CLI sets AUTHLIB_INSECURE_TRANSPORT
    # for itself); nothing leaves this machine.
    proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(issuer, proc)
        yield issuer
    finally:
        stop_process(proc)
        log.close()


def _wait_ready(issuer: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"oidc-provider-mock exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as r:
                if json.load(r).get("issuer") == issuer:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("oidc-provider-mock did not start")


def auth_secrets(issuer: str, admins: Sequence[str] = ()) -> str:
    """The secrets.toml of an app that signs in with this provider (README, "Sign-in").

    `{port}` in redirect_uri is Streamlit's own placeholder for the port it serves on.
    """
    return "\n".join(
        [
            "[auth]",
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',
            f'cookie_secret = "{secrets.token_hex(32)}"',
            f'client_id = "{CLIENT_ID}"',
            f'client_secret = "{CLIENT_SECRET}"',
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"',
            "",
            "[waypoint]",
            f"admins = {json.dumps(list(admins))}",
            "",
        ]
    )
