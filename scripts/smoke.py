"""A black-box check of a running stage: is the deployed (or local) API answering as it should?

    .venv/bin/python scripts/smoke.py https://api-dev.nomadcrew.uk \
        [--origin https://app.nomadcrew.uk] [--ws-url wss://.../dev] [--token TOKEN]

or `make smoke URL=... [ORIGIN=...] [WS_URL=...]` with SMOKE_TOKEN in the environment (a token in
the environment stays out of shell history and CI logs). One line per check, PASS, FAIL or SKIP;
the exit status is 1 when any check failed, so a pipeline can roll back on it. Only HTTP(S) and
WebSocket requests are made: no AWS credentials and no database are needed.
"""

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from urllib.parse import urljoin

import requests

TIMEOUT = 15
ERROR_KEYS = {"type", "code", "message", "requestId"}


class CheckFailed(Exception):
    """A check's answer was not what a healthy stage gives."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise CheckFailed(
            f"HTTP {response.status_code}, not JSON: {response.text[:120]!r}"
        ) from None
    expect(isinstance(body, dict), f"JSON body is not an object: {str(body)[:120]}")
    return body


class Smoke:
    def __init__(self, url: str, *, origin: str, ws_url: str, token: str):
        self.url = url.rstrip("/")
        self.origin = origin
        self.ws_url = ws_url.rstrip("/")
        self.token = token
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "NomadCrew-smoke/1.0"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, timeout=TIMEOUT, allow_redirects=False, **kwargs)

    # --- Checks: each returns a short detail or raises CheckFailed; None means skipped ---------

    def health(self) -> str:
        response = self.get("/health")
        expect(response.status_code == 200, f"HTTP {response.status_code}")
        body = _json(response)
        expect(body.get("status") != "DOWN", f"status DOWN: {body}")
        return f"status {body.get('status')}"

    def openapi_schema(self) -> str:
        response = self.get("/v1/openapi.json")
        expect(response.status_code == 200, f"HTTP {response.status_code}")
        body = _json(response)
        expect(str(body.get("openapi", "")).startswith("3."), "no OpenAPI 3 version")
        expect(bool(body.get("paths")), "no paths")
        return f"{len(body['paths'])} paths"

    def unauthenticated_error_shape(self) -> str:
        response = self.get("/v1/users/me")
        expect(response.status_code == 401, f"HTTP {response.status_code}, expected 401")
        body = _json(response)
        missing = ERROR_KEYS - body.keys()
        expect(not missing, f"error body lacks {sorted(missing)}: {body}")
        expect(body["type"] == "AUTHENTICATION", f"type {body['type']!r}")
        return f"code {body['code']}"

    def admin_login_and_static(self) -> str:
        page = self.get("/admin/login/")
        expect(page.status_code == 200, f"login page HTTP {page.status_code}")
        expect("text/html" in page.headers.get("Content-Type", ""), "login page is not HTML")
        sheets = re.findall(r'<link[^>]+href="([^"]+\.css)"', page.text)
        expect(bool(sheets), "login page links no stylesheet")
        static_url = urljoin(page.url, sheets[0])
        static = self.session.get(static_url, timeout=TIMEOUT)
        expect(static.status_code == 200, f"{static_url}: HTTP {static.status_code}")
        kind = static.headers.get("Content-Type", "")
        expect("text/css" in kind, f"{static_url}: Content-Type {kind!r}")
        return static_url

    def cors_preflight(self) -> str | None:
        if not self.origin:
            return None
        response = self.session.options(
            self.url + "/v1/users/me",
            headers={
                "Origin": self.origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
            timeout=TIMEOUT,
        )
        expect(response.status_code in (200, 204), f"HTTP {response.status_code}")
        allowed = response.headers.get("Access-Control-Allow-Origin")
        expect(allowed == self.origin, f"Access-Control-Allow-Origin {allowed!r}")
        headers = response.headers.get("Access-Control-Allow-Headers", "").lower()
        expect("authorization" in headers, f"Access-Control-Allow-Headers {headers!r}")
        return self.origin

    def authenticated_profile(self) -> str | None:
        if not self.token:
            return None
        response = self.get("/v1/users/me", headers={"Authorization": f"Bearer {self.token}"})
        expect(response.status_code == 200, f"HTTP {response.status_code}: {response.text[:200]}")
        body = _json(response)
        expect("id" in body, "profile has no id")
        return f"user {body['id']}"

    def websocket_ping(self) -> str | None:
        if not self.ws_url:
            return None
        expect(bool(self.token), "a WebSocket check needs SMOKE_TOKEN (the socket signs in)")
        from websockets.sync.client import connect

        # The token as the subprotocol, as the app sends it: it stays out of URLs and logs.
        with connect(
            self.ws_url + "/v1/ws", subprotocols=[self.token], open_timeout=TIMEOUT
        ) as socket:
            socket.send(json.dumps({"type": "ping"}))
            for _ in range(20):  # the server may greet first; pong is what we wait for
                frame = json.loads(socket.recv(timeout=TIMEOUT))
                if frame.get("type") == "pong":
                    return "pong"
                expect(frame.get("type") != "error", f"error frame {frame}")
        raise CheckFailed("no pong")

    def checks(self) -> list[tuple[str, Callable[[], str | None], str]]:
        return [
            ("health", self.health, ""),
            ("openapi schema", self.openapi_schema, ""),
            ("401 error shape", self.unauthenticated_error_shape, ""),
            ("admin login + static", self.admin_login_and_static, ""),
            ("cors preflight", self.cors_preflight, "no --origin / SMOKE_ORIGIN"),
            ("authenticated /v1/users/me", self.authenticated_profile, "no SMOKE_TOKEN"),
            ("websocket ping", self.websocket_ping, "no --ws-url / SMOKE_WS_URL"),
        ]


def run(smoke: Smoke, out=sys.stdout) -> int:
    """Every check, one line each; the number of failures."""
    failures = 0
    for name, check, skip_reason in smoke.checks():
        try:
            detail = check()
        except CheckFailed as failure:
            failures += 1
            print(f"FAIL {name}: {failure}", file=out)
            continue
        except Exception as error:
            failures += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", file=out)
            continue
        if detail is None:
            print(f"SKIP {name}: {skip_reason}", file=out)
        else:
            print(f"PASS {name}: {detail}", file=out)
    verdict = f"{failures} check(s) FAILED" if failures else "no check failed"
    print(f"smoke {smoke.url}: {verdict}", file=out)
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the stage's base URL, e.g. https://<api>/dev")
    parser.add_argument("--origin", default=os.environ.get("SMOKE_ORIGIN", ""))
    parser.add_argument("--ws-url", default=os.environ.get("SMOKE_WS_URL", ""))
    parser.add_argument("--token", default=os.environ.get("SMOKE_TOKEN", ""))
    args = parser.parse_args(argv)
    smoke = Smoke(args.url, origin=args.origin, ws_url=args.ws_url, token=args.token)
    return 1 if run(smoke) else 0


if __name__ == "__main__":
    sys.exit(main())
