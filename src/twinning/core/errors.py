"""Domain errors raised by services and queries; each is mapped to HTTP once (api.py, views.py)."""

from collections.abc import Mapping

from django.utils.functional import Promise


class DomainError(Exception):
    """Base class: a message for people and a stable code for programs."""

    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code or self.default_code
        self.fields: dict[str, list[str]] = {
            k: [str(m) for m in v] for k, v in (fields or {}).items()
        }


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does."""

    status = 404
    default_code = "not_found"


class Forbidden(DomainError):
    """The actor can see the object but may not do this to it."""

    status = 403
    default_code = "forbidden"


class Invalid(DomainError):
    """The input breaks a rule; `fields` says which field, where one is to blame."""

    status = 422
    default_code = "invalid"


class Conflict(DomainError):
    """The change clashes with the current state (a duplicate, a stale transition)."""

    status = 409
    default_code = "conflict"
