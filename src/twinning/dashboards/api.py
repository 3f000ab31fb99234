"""API of 工作台 (dashboards)."""

from ninja import Router

router = Router(tags=["dashboards"])
