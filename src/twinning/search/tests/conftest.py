"""Fixtures for the search tests: knowledge records made directly with the ORM and indexed."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from twinning.knowledge.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.search import index


def make_document(
    title: str,
    text: str = "",
    *,
    summary: str = "",
    kind: str = DocumentKind.POLICY,
    region: str | None = None,
    visibility: str = Visibility.PROGRAMME,
    pairing: Any = None,
    issued_on: dt.date | None = None,
    topics: tuple[Any, ...] = (),
    reindex: bool = True,
) -> Document:
    """A document with one version whose text is already extracted, indexed at once."""
    document = Document.objects.create(
        title=title,
        kind=kind,
        region_id=region,
        visibility=visibility,
        pairing=pairing,
        issued_on=issued_on,
        summary=summary,
    )
    if topics:
        document.topics.set(topics)
    DocumentVersion.objects.create(
        document=document,
        number=1,
        file=f"knowledge/test/{document.pk}.txt",
        original_name=f"{title}.txt",
        extension="txt",
        content_type="text/plain",
        size=len(text.encode()),
        sha256="0" * 64,
        text=text,
        text_status=TextStatus.DONE,
        extracted_at=timezone.now(),
    )
    if reindex:
        index.index_object("document", document.pk)
    return document


def make_case(
    title: str,
    *,
    region: str = "410000",
    problem: str = "问题",
    approach: str = "做法",
    results: str = "成效",
    visibility: str = Visibility.PROGRAMME,
    pairing: Any = None,
    topic: Any = None,
) -> ModelCase:
    case = ModelCase.objects.create(
        title=title,
        region_id=region,
        problem=problem,
        approach=approach,
        results=results,
        visibility=visibility,
        pairing=pairing,
        topic=topic,
    )
    index.index_object("case", case.pk)
    return case


@pytest.fixture
def document(db: None) -> Callable[..., Document]:
    return make_document


@pytest.fixture
def case(db: None) -> Callable[..., ModelCase]:
    return make_case


def make_problem(
    pairing: Any, title: str, description: str, *, answers: tuple[str, ...] = ()
) -> Any:
    """A consultation problem (with answers) made with the ORM and indexed."""
    from twinning.consultations.models import Answer, Problem

    now = timezone.now()
    problem = Problem.objects.create(
        pairing=pairing,
        title=title,
        description=description,
        asked_at=now,
        response_due=now + dt.timedelta(days=7),
    )
    for body in answers:
        Answer.objects.create(problem=problem, body=body)
    index.index_object("problem", problem.pk)
    return problem


def make_exchange(pairing: Any, title: str, summary: str, *, start: dt.date | None = None) -> Any:
    """An exchange activity made with the ORM and indexed."""
    from twinning.exchanges.models import Direction, Exchange
    from twinning.plans.models import Method

    day = start or dt.date(2025, 5, 20)
    exchange = Exchange.objects.create(
        pairing=pairing,
        kind=Method.FIELD_RESEARCH,
        direction=Direction.PARTNER_TO_LEADING,
        title=title,
        start_date=day,
        end_date=day,
        summary=summary,
    )
    index.index_object("exchange", exchange.pk)
    return exchange
