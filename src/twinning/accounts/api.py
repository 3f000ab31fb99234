"""The signed-in user and their personal API tokens."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from twinning.accounts import queries, services
from twinning.accounts.models import ApiToken

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    organisation: str | None
    region_code: str | None

    @staticmethod
    def resolve_organisation(obj: Any) -> str | None:
        return obj.organisation.name if obj.organisation else None

    @staticmethod
    def resolve_region_code(obj: Any) -> str | None:
        organisation = obj.organisation
        return organisation.region_id if organisation else None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The secret; shown once and never again")


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get("/me/tokens", response=list[TokenOut], summary="List my API tokens")
def list_tokens(request: HttpRequest) -> Any:
    return queries.list_tokens_for(request.auth)  # type: ignore[attr-defined]


@router.post("/me/tokens", response={201: TokenCreatedOut}, summary="Create an API token")
def create_token(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, Any]]:
    issued = services.create_token(actor=request.auth, name=payload.name)  # type: ignore[attr-defined]
    fields = TokenOut.from_orm(issued.token).dict()
    return 201, {**fields, "token": issued.secret}


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    return services.revoke_token(actor=request.auth, token_id=token_id)  # type: ignore[attr-defined]
