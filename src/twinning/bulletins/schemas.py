"""API shapes of bulletins."""

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from twinning.bulletins import builder
from twinning.bulletins.models import Bulletin

ScopeCode = Literal["national", "province", "pair"]
StatusCode = Literal["draft", "released"]


class BulletinIn(Schema):
    scope: ScopeCode = Field(description="national, province or pair.")
    region: str | None = Field(None, description="The province's code, for scope=province.")
    pairing: int | None = Field(None, description="The pair's id, for scope=pair.")
    period: str = Field(
        description="2021 (year), 2021H1/2021H2 (half), 2021Q1…Q4 (quarter) or 2021-05 (month); "
        "422 `invalid_period` otherwise, `future_period` for one that has not started."
    )
    number: str | None = Field(None, description="期号, e.g. 2021年第3期 (default: the next).")
    title: str | None = Field(None, description="Default: drafted from the period and scope.")


class SectionsIn(Schema):
    sections: dict[str, str] = Field(
        default_factory=dict, description="New text by section key (overview, exchanges, …)."
    )
    number: str | None = None
    title: str | None = None
    lock_version: int = Field(description="The revision you read; 409 `stale_version` if older.")


class LockIn(Schema):
    lock_version: int | None = Field(None, description="The revision you read (optional).")


class RefreshIn(LockIn):
    redraft: bool = Field(False, description="Also draft the text again from the new figures.")


class SectionOut(Schema):
    key: str
    heading: str
    text: str


class FigureOut(Schema):
    key: str
    label: str
    value: int
    record_kind: str
    record_ids: list[Any]
    trace_url: str


class BulletinOut(Schema):
    id: int
    number: str
    title: str
    period: str
    period_start: dt.date
    period_end: dt.date
    scope: str
    region: str | None
    pairing: int | None
    status: str
    generated_at: dt.datetime
    released_at: dt.datetime | None
    archived: bool
    lock_version: int

    @staticmethod
    def resolve_period(obj: Bulletin) -> str:
        return obj.period_code

    @staticmethod
    def resolve_region(obj: Bulletin) -> str | None:
        return obj.region_id

    @staticmethod
    def resolve_pairing(obj: Bulletin) -> int | None:
        return obj.pairing_id

    @staticmethod
    def resolve_archived(obj: Bulletin) -> bool:
        return obj.is_archived


class BulletinDetailOut(BulletinOut):
    sections: list[SectionOut]
    figures: list[FigureOut]
    tables: dict[str, Any]
    highlights: dict[str, Any]
    attention: list[dict[str, Any]]

    @staticmethod
    def resolve_figures(obj: Bulletin) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": builder.figure_label(key),
                "value": item["value"],
                "record_kind": item["kind"],
                "record_ids": item["ids"],
                "trace_url": reverse("bulletins:trace", args=[obj.pk, key]),
            }
            for key, item in obj.figures.get("numbers", {}).items()
        ]

    @staticmethod
    def resolve_sections(obj: Bulletin) -> list[dict[str, str]]:
        from django.utils.translation import gettext

        return [{**s, "heading": gettext(s["heading"])} for s in obj.sections]

    @staticmethod
    def resolve_tables(obj: Bulletin) -> dict[str, Any]:
        tables: dict[str, Any] = obj.figures.get("tables", {})
        return tables

    @staticmethod
    def resolve_highlights(obj: Bulletin) -> dict[str, Any]:
        highlights: dict[str, Any] = obj.figures.get("highlights", {})
        return highlights

    @staticmethod
    def resolve_attention(obj: Bulletin) -> list[dict[str, Any]]:
        attention: list[dict[str, Any]] = obj.figures.get("attention", [])
        return attention
