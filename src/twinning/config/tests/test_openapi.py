"""The API's published contract: the OpenAPI schema matches the committed snapshot, and the docs
page works without reaching out to a CDN.

After an intended API change, refresh the snapshot and review its diff:
    UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/pytest src/twinning/config/tests/test_openapi.py
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.test import Client

SNAPSHOT = Path(__file__).with_name("openapi.json")

# src= / href= attributes on <script> and <link> tags.
ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.I)


def render(schema: object) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.django_db
def test_the_schema_is_public_json(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["info"]["title"] == "Twinning API"


@pytest.mark.django_db
def test_the_schema_matches_the_committed_snapshot(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()

    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(render(schema), encoding="utf-8")

    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_OPENAPI_SNAPSHOT=1"
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert schema == committed, (
        "the API changed: if intended, run with UPDATE_OPENAPI_SNAPSHOT=1 and commit openapi.json"
    )


@pytest.mark.django_db
def test_the_docs_page_loads_no_assets_from_another_host(client: Client) -> None:
    response = client.get("/api/v1/docs")
    page = response.content.decode()
    external = [url for url in ASSET.findall(page) if re.match(r"(?:https?:)?//", url)]

    assert response.status_code == 200
    assert "/api/v1/openapi.json" in page
    assert external == [], f"the docs page loads assets from other hosts: {external}"
