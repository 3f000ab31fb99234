"""API plumbing shared by every router: bearer-token auth, problem+json errors, pagination."""

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer, SessionAuth

from twinning.accounts.services import authenticate_token
from twinning.core.errors import DomainError
from twinning.core.pagination import page_rows

PROBLEM_TYPE = "https://twinning.invalid/problems/"


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


def problem(
    request: HttpRequest,
    status: int,
    code: str,
    detail: str,
    errors: dict[str, list[str]] | list[Any] | None = None,
) -> HttpResponse:
    """An RFC 9457 problem+json response with a stable `code`."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE}{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/problem+json; charset=utf-8",
    )


def _validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        key = ".".join(location) or "body"
        fields.setdefault(key, []).append(str(error.get("msg", "")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every error to problem+json once, for all routers."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        # An error may carry a list of problems (e.g. every bad value of a bulk write).
        listed = getattr(exc, "problem_errors", None)
        return problem(request, exc.status, exc.code, exc.message, listed or exc.fields or None)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(
            request, 422, "invalid_input", _("提交的数据格式不正确。"), _validation_errors(exc)
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(request, 401, "unauthenticated", _("缺少有效的 API 令牌或登录会话。"))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(request, 413, "payload_too_large", _("请求内容过大。"))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = "malformed_json" if exc.status_code == 400 else f"http_{exc.status_code}"
        detail = _("请求体不是有效的 JSON。") if exc.status_code == 400 else str(exc)
        return problem(request, exc.status_code, code, detail)


AUTH = [BearerToken(), SessionAuth()]


class RowPagination(PageNumberPagination):
    """Page-number pagination over a `values()` queryset, for the busiest lists.

    The total comes from a COUNT and the page from a LIMIT (see core.pagination); each row
    becomes the response dict through `row`, which pydantic validates directly rather than through
    ninja's attribute-by-attribute getter.
    """

    def __init__(self, *, row: Callable[[Any], dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.row = row

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        size = self._get_page_size(pagination.page_size)
        rows, total = page_rows(queryset, (pagination.page - 1) * size, size)
        return {self.items_attribute: [self.row(row) for row in rows], "count": total}
