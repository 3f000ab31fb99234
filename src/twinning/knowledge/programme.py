"""Loading the knowledge base's starting data: the documents, compilations and model cases the
2021 article names (``programme_data``).

Runs after `plans.programme.load_plans` (records name its topics) and is idempotent: a record
is created only when no demo record of the same title exists (archived ones included, so an
admin archiving a starting record is not undone on the next start).

Everything goes through `knowledge.services` with the system as the actor (``actor=None``, as
the other programme loaders), so each record is checked, audited and indexed like one entered
by hand. A document's file is its text as Markdown; its extraction runs at the commit (or here,
when an outer transaction holds the commit back). Cases are nominated and, where the article
presents them as the programme's best practice, promoted (featured on the overview).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext_noop

from twinning.knowledge import services
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    Document,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.knowledge.programme_data import (
    CASES,
    COMPILATIONS,
    DEMO_NOTE,
    DOCUMENTS,
    CaseRow,
    DocumentRow,
)
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic
from twinning.regions.models import Region

PROMOTED_NOTE = gettext_noop("据2021年进展报道列为可复制推广的经验（演示）")


@dataclass
class KnowledgeResult:
    documents_created: int = 0
    documents_existing: int = 0
    compilations_created: int = 0
    compilations_existing: int = 0
    cases_created: int = 0
    cases_existing: int = 0
    cases_promoted: int = 0
    adoptions_created: int = 0
    # Regions, pairs or topics named in the data that are not in the database.
    missing: list[str] = field(default_factory=list)


def load_knowledge() -> KnowledgeResult:
    """Create the starting documents, compilations and cases that are missing."""
    result = KnowledgeResult()
    regions = set(Region.objects.values_list("code", flat=True))
    topics = set(Topic.objects.values_list("code", flat=True))
    document_ids: dict[str, int] = {}
    for row in DOCUMENTS:
        found = Document.objects.filter(title=row["title"], is_demo=True).first()
        if found is not None:
            result.documents_existing += 1
            document_ids[row["key"]] = found.pk
            continue
        if row["region"] is not None and row["region"] not in regions:
            result.missing.append(f"region {row['region']}")
            continue
        document_ids[row["key"]] = _create_document(row, topics).pk
        result.documents_created += 1
    _extract_pending(list(document_ids.values()))
    for compilation in COMPILATIONS:
        if Compilation.objects.filter(title=compilation["title"], is_demo=True).exists():
            result.compilations_existing += 1
            continue
        pairing = _pairing(compilation["pair"], result)
        with transaction.atomic():
            services.create_compilation(
                None,
                title=compilation["title"],
                preface=compilation["preface"],
                region=compilation["region"],
                visibility=Visibility.PROGRAMME,
                pairing=pairing,
                document_ids=[
                    document_ids[k] for k in compilation["documents"] if k in document_ids
                ],
                is_demo=True,
            )
        result.compilations_created += 1
    for case_row in CASES:
        if ModelCase.objects.filter(title=case_row["title"], is_demo=True).exists():
            result.cases_existing += 1
            continue
        if case_row["region"] not in regions:
            result.missing.append(f"region {case_row['region']}")
            continue
        _create_case(case_row, document_ids, regions, topics, result)
    return result


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _pairing(pair: tuple[str, str] | None, result: KnowledgeResult) -> Pairing | None:
    if pair is None:
        return None
    pairing = Pairing.objects.filter(leading_region_id=pair[0], partner_region_id=pair[1]).first()
    if pairing is None:
        result.missing.append(f"pair {pair[0]}–{pair[1]}")
    return pairing


def _markdown(row: DocumentRow) -> bytes:
    lines = [f"> {DEMO_NOTE}", ""]
    if row["number"]:
        lines += [f"文号：{row['number']}", ""]
    lines.append(row["text"].strip())
    return ("\n".join(lines) + "\n").encode("utf-8")


def _create_document(row: DocumentRow, topics: set[str]) -> Document:
    name = f"{row['title']}.md"
    with transaction.atomic():
        return services.create_document(
            None,
            file=SimpleUploadedFile(name, _markdown(row), content_type="text/markdown"),
            name=name,
            title=row["title"],
            kind=row["kind"],
            issuing_body=row["issuing_body"],
            region=row["region"],
            number=row["number"],
            issued_on=_date(row["issued_on"]),
            effective_on=_date(row.get("effective_on")),
            topics=[code for code in row["topics"] if code in topics],
            summary=f"{DEMO_NOTE}。{row['summary']}",
            visibility=Visibility.PROGRAMME,
            note=gettext_noop("载入2021年进展报道提到的文件（示例文本）"),
            is_demo=True,
        )


def _extract_pending(document_ids: list[int]) -> None:
    """Run the extraction the service queued when it has not run yet (an outer transaction
    holds the commit back, or a worker queue has not got to it)."""
    pending = DocumentVersion.objects.filter(
        document_id__in=document_ids, text_status=TextStatus.PENDING
    ).values_list("pk", flat=True)
    for version_id in list(pending):
        services.run_extraction(version_id)


def _create_case(
    row: CaseRow,
    document_ids: dict[str, int],
    regions: set[str],
    topics: set[str],
    result: KnowledgeResult,
) -> None:
    pairing = _pairing(row["pair"], result)
    with transaction.atomic():
        case = services.create_case(
            None,
            title=row["title"],
            region=row["region"],
            pairing=pairing,
            topic=row["topic"] if row["topic"] in topics else None,
            problem=row["problem"],
            approach=row["approach"],
            results=f"{row['results']}\n（{DEMO_NOTE}）",
            figures=row["figures"],
            contacts=row["contacts"],
            visibility=Visibility.PROGRAMME,
            documents=[document_ids[k] for k in row["documents"] if k in document_ids],
            is_demo=True,
        )
        if row["status"] in (ModelCase.Status.NOMINATED, ModelCase.Status.PROMOTED):
            case = services.nominate_case(None, case)
        if row["status"] == ModelCase.Status.PROMOTED:
            services.promote_case(None, case, note=PROMOTED_NOTE)
            result.cases_promoted += 1
        for adoption in row.get("adoptions", []):
            if adoption["region"] not in regions:
                result.missing.append(f"region {adoption['region']}")
                continue
            if CaseAdoption.objects.filter(case=case, region_id=adoption["region"]).exists():
                continue
            services.record_adoption(
                None,
                case,
                region=adoption["region"],
                note=adoption["note"],
                adopted_on=_date(adoption["adopted_on"]),
            )
            result.adoptions_created += 1
    result.cases_created += 1
