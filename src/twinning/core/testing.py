"""Assertions shared by the test suites of every app."""

import json
from typing import Any


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem document with the given status and stable code."""
    assert response.status_code == status, response.content  # noqa: S101
    assert response["Content-Type"].startswith("application/problem+json")  # noqa: S101
    body: dict[str, Any] = json.loads(response.content)
    assert {"type", "title", "status", "detail", "code"} <= body.keys()  # noqa: S101
    assert (body["status"], body["code"]) == (status, code)  # noqa: S101
    assert body["type"].endswith(code) and body["detail"]  # noqa: S101
    return body
