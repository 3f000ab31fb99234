"""Form helpers shared by every HTML view: domain errors shown beside the field."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.http import HttpRequest

from twinning.core.errors import Conflict, Invalid
from twinning.core.spreadsheets import SpreadsheetInvalid

T = TypeVar("T")


def apply_domain_error(form: forms.Form, exc: Invalid | Conflict) -> None:
    """Put a service's error on the field it names, or on the form as a whole."""
    placed = False
    renamed: dict[str, str] = getattr(form, "service_fields", {})
    for service_field, messages in exc.fields.items():
        field = renamed.get(service_field, service_field)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def keep_typed_values(form: forms.Form, exc: Invalid | Conflict, current_version: int) -> None:
    """Show a refused save on the form. After a concurrent change (`stale_version`) the typed
    values stay and the form carries the current version: saving again, after a look at the
    other person's change (named in the message), applies these values on top of it."""
    apply_domain_error(form, exc)
    if exc.code == "stale_version":
        data = form.data.copy()  # type: ignore[attr-defined]  # a bound form holds a QueryDict
        data["lock_version"] = str(current_version)
        form.data = data


def submit(
    request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], T]
) -> T | None:
    """On a valid POST, run the service; its validation errors go back onto the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except (Invalid, Conflict) as exc:
        apply_domain_error(form, exc)
        return None


def submit_import(
    request: HttpRequest, form: forms.Form, action: Callable[[Any], T]
) -> tuple[T | None, list[Any]]:
    """On a valid POST, import the uploaded workbook (the form's `file`) with `action`: its
    result and no cells, or, refused, None and every bad cell, with the message on the form."""
    if request.method != "POST" or not form.is_valid():
        return None, []
    try:
        return action(form.cleaned_data["file"]), []
    except SpreadsheetInvalid as exc:
        form.add_error(None, exc.message)
        return None, exc.cells
    except (Invalid, Conflict) as exc:
        apply_domain_error(form, exc)
        return None, []


class StyledForm(forms.Form):
    """Adds the CSS class the templates style inputs with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")
