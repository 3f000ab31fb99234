from typing import Any

from django.http import HttpRequest

from twinning.core.navigation import NAVIGATION


def navigation(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    return {
        "navigation": [
            {"entry": entry, "active": current.startswith(entry.section)} for entry in NAVIGATION
        ]
    }
