"""The bell in the top bar: how many unread notifications the user has (one COUNT query on the
(recipient, read_at) index)."""

from typing import Any

from django.http import HttpRequest

from twinning.notifications.queries import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
