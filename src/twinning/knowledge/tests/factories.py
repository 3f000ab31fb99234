"""Making knowledge-base records for tests through the services (so they are audited and
indexed like real ones), and measuring what a refused request left behind."""

import os
from pathlib import Path
from typing import Any

from django.conf import settings

from twinning.core.models import AuditEntry
from twinning.knowledge import services
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    CompilationItem,
    Document,
    DocumentVersion,
    ModelCase,
    Visibility,
)
from twinning.knowledge.tests import files
from twinning.search.models import SearchEntry


def make_document(
    actor: Any,
    *,
    data: bytes | None = None,
    name: str = "说明.txt",
    extract: bool = True,
    **fields: Any,
) -> Document:
    """A document uploaded by `actor` (text file by default), its text extracted at once."""
    if data is None:
        data = files.text(fields.pop("body", "撤桶并点，定时定点投放。"))
    fields.setdefault("title", Path(name).stem)
    fields.setdefault("visibility", Visibility.PROGRAMME)
    document = services.create_document(actor, file=files.upload(data, name), name=name, **fields)
    if extract:
        for version in document.versions.all():
            services.run_extraction(version.pk)
    return document


def case_fields(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "许昌市撤桶并点试点",
        "problem": "小区垃圾桶多、混投严重。",
        "approach": "撤桶并点，定时定点投放，志愿者值守。",
        "results": "分出率从12%提高到35%。",
        "figures": "分出率35%",
        "visibility": Visibility.PROGRAMME,
    }
    values.update(overrides)
    return values


def make_case(actor: Any, **overrides: Any) -> ModelCase:
    return services.create_case(actor, **case_fields(**overrides))


def make_compilation(actor: Any, documents: list[Document], **fields: Any) -> Compilation:
    fields.setdefault("title", "生活垃圾分类政策文件汇编")
    fields.setdefault("visibility", Visibility.PROGRAMME)
    return services.create_compilation(actor, document_ids=[d.pk for d in documents], **fields)


def stored_files() -> int:
    """How many knowledge-base files are in storage."""
    root = Path(settings.MEDIA_ROOT) / "knowledge"
    if not root.exists():
        return 0
    return sum(len(names) for _folder, _dirs, names in os.walk(root))


def state() -> dict[str, int]:
    """Counts that a refused request must leave unchanged."""
    return {
        "documents": Document.objects.count(),
        "versions": DocumentVersion.objects.count(),
        "cases": ModelCase.objects.count(),
        "adoptions": CaseAdoption.objects.count(),
        "compilations": Compilation.objects.count(),
        "items": CompilationItem.objects.count(),
        "audit": AuditEntry.objects.count(),
        "search_entries": SearchEntry.objects.count(),
        "files": stored_files(),
    }
