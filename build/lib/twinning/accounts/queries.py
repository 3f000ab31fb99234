"""Reading accounts: a user sees their own tokens."""

from django.db.models import QuerySet

from twinning.accounts.models import ApiToken, User


def list_tokens_for(actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor).order_by("-created_at")
