"""Fixtures for the notifications tests: a local group-robot server and robots on 天津–河南.

- `robot_server` is an HTTP server on 127.0.0.1 (a free port) that records every POST and
  answers like a WeCom/DingTalk robot: `{"errcode": 0}` unless replies were queued with
  `robot_server.reply(status, body, delay=...)` (used once each, in order).
- `make_robot(kind=..., secret=..., events=...)` adds a robot on 天津–河南 through the service
  (its test message is the server's first request; `robot_server.requests` is cleared after).
"""

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from twinning.accounts.models import User
from twinning.notifications import services
from twinning.notifications.models import PairWebhook
from twinning.pairings.models import Pairing

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]


@dataclass
class RobotServer:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    replies: deque[tuple[int, Any, float]] = field(default_factory=deque)

    def url(self, path: str = "/cgi-bin/webhook/send?key=test-key-0123456789") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reply(self, status: int, body: Any = None, delay: float = 0.0) -> None:
        self.replies.append((status, OK if body is None else body, delay))


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout tests) is expected


@pytest.fixture
def robot_server() -> Iterator[RobotServer]:
    state = RobotServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            state.requests.append(Received(parts.path, parse_qs(parts.query), json.loads(raw)))
            status, body, delay = state.replies.popleft() if state.replies else (200, OK, 0.0)
            if delay:
                time.sleep(delay)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = _Quiet(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


MakeRobot = Callable[..., PairWebhook]


@pytest.fixture
def make_robot(robot_server: RobotServer, tianjin: User, tianjin_henan: Pairing) -> MakeRobot:
    def build(
        *,
        kind: str = PairWebhook.Kind.WECOM,
        name: str = "天津—河南工作群",
        secret: str = "",
        events: list[str] | None = None,
        path: str | None = None,
        pairing: Pairing | None = None,
    ) -> PairWebhook:
        webhook = services.create_webhook(
            actor=tianjin,
            pairing_id=(pairing or tianjin_henan).pk,
            kind=kind,
            name=name,
            url=robot_server.url(path) if path else robot_server.url(),
            secret=secret,
            events=events or [],
        )
        robot_server.requests.clear()
        return webhook

    return build


@pytest.fixture
def with_email(henan: User, henan_member: User) -> tuple[User, User]:
    """河南's coordinator and member with e-mail addresses."""
    henan.email = "henan@example.cn"
    henan.save(update_fields=["email"])
    henan_member.email = "member@example.cn"
    henan_member.save(update_fields=["email"])
    return henan, henan_member
