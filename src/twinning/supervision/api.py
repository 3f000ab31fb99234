"""API of 督办 (supervision)."""

from ninja import Router

router = Router(tags=["supervision"])
