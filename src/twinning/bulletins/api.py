"""API of 工作简报 (bulletins)."""

from ninja import Router

router = Router(tags=["bulletins"])
