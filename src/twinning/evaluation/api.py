"""API of 阶段评估 (evaluation)."""

from ninja import Router

router = Router(tags=["evaluation"])
