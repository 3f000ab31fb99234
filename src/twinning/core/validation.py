"""Turning model validation into domain errors: every service's `clean` and `invalid`."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from twinning.core.errors import Invalid


def clean(obj: models.Model, exclude: Iterable[str] = ()) -> None:
    """Model validation as a domain error whose `fields` name the culprits."""
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        raise Invalid(_("请检查填写的内容。"), fields=exc.message_dict) from exc


def invalid(field: str, message: str, code: str = "invalid") -> Invalid:
    """An input error on one field (the form shows it beside that field)."""
    return Invalid(message, code=code, fields={field: [message]})
