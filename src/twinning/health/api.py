"""API of 结对健康度 (health)."""

from ninja import Router

router = Router(tags=["health"])
