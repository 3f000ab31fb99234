"""What is searched: the four kinds of records, how each is read for the index, and who sees it.

Each `Source` says which records are live (only those are indexed), how one record becomes an
index entry (`EntryData`), and which records an actor may see: `visible(actor)` is the kind's own
visibility rule, the same one its lists and pages use, applied again at every search.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse

from twinning.search.models import SourceKind


@dataclass(frozen=True)
class EntryData:
    title: str
    body: str
    url: str
    subkind: str = ""
    region_id: str | None = None
    topic_ids: list[int] = field(default_factory=list)
    dated: dt.date | None = None
    # Who may see it (queries.scope_q): the whole programme, the two sides of `pairing_id`,
    # or the Ministry only. Consultations and exchanges belong to their pair.
    visibility: str = "programme"
    pairing_id: int | None = None


@dataclass(frozen=True)
class Source:
    kind: str
    visible: Callable[[Any], QuerySet[Any]]
    live_queryset: Callable[[], QuerySet[Any]]
    entry: Callable[[Any], EntryData]


def _url(name: str, pk: int, fallback: str) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback


def _join(*parts: str | None) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


# ---------------------------------------------------------------- documents


def _documents_visible(actor: Any) -> QuerySet[Any]:
    from twinning.knowledge.models import Document

    return Document.objects.visible_to(actor)


def _documents_live() -> QuerySet[Any]:
    from twinning.knowledge.models import Document, DocumentVersion

    newest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    documents: QuerySet[Any] = (
        Document.objects.filter(archived_at__isnull=True)
        .annotate(current_text=Subquery(newest.values("text")[:1]))
        .prefetch_related("topics")
        .order_by("pk")
    )
    return documents


def _document_entry(document: Any) -> EntryData:
    text = getattr(document, "current_text", None)
    if text is None:
        version = document.current_version
        text = version.text if version is not None else ""
    return EntryData(
        title=document.title,
        body=_join(document.summary, text, document.issuing_body, document.number),
        url=_url("knowledge:document", document.pk, f"/knowledge/documents/{document.pk}/"),
        subkind=document.kind,
        region_id=document.region_id,
        topic_ids=[t.pk for t in document.topics.all()],
        dated=document.issued_on or _local_date(document.created_at),
        visibility=document.visibility,
        pairing_id=document.pairing_id,
    )


# ---------------------------------------------------------------- model cases


def _cases_visible(actor: Any) -> QuerySet[Any]:
    from twinning.knowledge.models import ModelCase

    return ModelCase.objects.visible_to(actor)


def _cases_live() -> QuerySet[Any]:
    from twinning.knowledge.models import ModelCase

    return ModelCase.objects.filter(archived_at__isnull=True).order_by("pk")


def _case_entry(case: Any) -> EntryData:
    return EntryData(
        title=case.title,
        body=_join(case.problem, case.approach, case.results, case.figures),
        url=_url("knowledge:case", case.pk, f"/knowledge/cases/{case.pk}/"),
        subkind="",
        region_id=case.region_id,
        topic_ids=[case.topic_id] if case.topic_id else [],
        dated=_local_date(case.created_at),
        visibility=case.visibility,
        pairing_id=case.pairing_id,
    )


# ---------------------------------------------------------------- consultations


def _problems_visible(actor: Any) -> QuerySet[Any]:
    from twinning.consultations.queries import visible_problems

    return visible_problems(actor)


def _problems_live() -> QuerySet[Any]:
    from twinning.consultations.models import Answer, Problem

    answers = Answer.objects.filter(archived_at__isnull=True).order_by("created_at", "id")
    return (
        Problem.objects.filter(archived_at__isnull=True)
        .select_related("pairing")
        .prefetch_related(Prefetch("answers", queryset=answers, to_attr="live_answers"))
        .order_by("pk")
    )


def _problem_entry(problem: Any) -> EntryData:
    answers = getattr(problem, "live_answers", None)
    if answers is None:
        answers = list(problem.answers.filter(archived_at__isnull=True).order_by("created_at"))
    return EntryData(
        title=problem.title,
        body=_join(problem.description, *(a.body for a in answers)),
        url=_url("consultations:detail", problem.pk, f"/consultations/{problem.pk}/"),
        subkind="",
        # The asking side: the problem is about its situation.
        region_id=problem.pairing.partner_region_id,
        topic_ids=[problem.topic_id] if problem.topic_id else [],
        dated=_local_date(problem.asked_at),
        visibility="pair",
        pairing_id=problem.pairing_id,
    )


# ---------------------------------------------------------------- exchanges


def _exchanges_visible(actor: Any) -> QuerySet[Any]:
    from twinning.exchanges.models import Exchange

    return Exchange.objects.visible_to(actor)


def _exchanges_live() -> QuerySet[Any]:
    from twinning.exchanges.models import Exchange

    return (
        Exchange.objects.filter(archived_at__isnull=True)
        .select_related("pairing")
        .prefetch_related("topics")
        .order_by("pk")
    )


def _exchange_entry(exchange: Any) -> EntryData:
    return EntryData(
        title=exchange.title,
        body=_join(exchange.summary, exchange.agreements, exchange.materials, exchange.place),
        url=_url("exchanges:detail", exchange.pk, f"/exchanges/{exchange.pk}/"),
        subkind="",
        # The side the exchange helps (the leading side helps its partner).
        region_id=exchange.pairing.partner_region_id,
        topic_ids=[t.pk for t in exchange.topics.all()],
        dated=exchange.start_date,
        visibility="pair",
        pairing_id=exchange.pairing_id,
    )


SOURCES: dict[str, Source] = {
    SourceKind.DOCUMENT: Source(
        SourceKind.DOCUMENT, _documents_visible, _documents_live, _document_entry
    ),
    SourceKind.CASE: Source(SourceKind.CASE, _cases_visible, _cases_live, _case_entry),
    SourceKind.PROBLEM: Source(
        SourceKind.PROBLEM, _problems_visible, _problems_live, _problem_entry
    ),
    SourceKind.EXCHANGE: Source(
        SourceKind.EXCHANGE, _exchanges_visible, _exchanges_live, _exchange_entry
    ),
}
