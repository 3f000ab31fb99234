from typing import Any

from django.contrib.auth.backends import ModelBackend

from twinning.accounts.models import User


class ScopedModelBackend(ModelBackend):
    """Django's backend, loading the user's organisation and region with the user: every
    scoped query needs them, so they come in the session's one query instead of two more."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("organisation__region").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
