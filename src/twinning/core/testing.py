"""Assertions shared by the test suites of every app."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem document with the given status and stable code."""
    assert response.status_code == status, response.content  # noqa: S101
    assert response["Content-Type"].startswith("application/problem+json")  # noqa: S101
    body: dict[str, Any] = json.loads(response.content)
    assert {"type", "title", "status", "detail", "code"} <= body.keys()  # noqa: S101
    assert (body["status"], body["code"]) == (status, code)  # noqa: S101
    assert body["type"].endswith(code) and body["detail"]  # noqa: S101
    return body


# ---------------------------------------------------------------- API calls and unchanged state

API = "/api/v1"


def api_get(client: Client, url: str, **params: Any) -> Any:
    """GET `API + url` with the query parameters."""
    return client.get(f"{API}{url}", params)


def api_post(client: Client, url: str, data: Any = None) -> Any:
    """POST a JSON body (an empty object by default) to `API + url`."""
    return client.post(f"{API}{url}", data if data is not None else {}, "application/json")


def api_patch(client: Client, url: str, data: Any) -> Any:
    """PATCH a JSON body to `API + url`."""
    return client.patch(f"{API}{url}", data, "application/json")


@contextmanager
def unchanged_state(state: Callable[[], object]) -> Iterator[None]:
    """Fail if `state()` (a snapshot of what an app's routes can write) changed in the block."""
    before = state()
    yield
    assert state() == before  # noqa: S101
