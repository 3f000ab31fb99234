"""Writing the knowledge base: documents and their versions, model cases, adoptions and
compilations.

Every function finds the record through what the actor may see (else NotFound), checks the
permission (Forbidden), validates (Invalid), writes inside one transaction, records the change
in the audit log and updates the search index. Files are checked by their content before
anything is stored; a file already written is removed again if the transaction fails.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from functools import partial
from typing import IO, Any, TypeVar

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.core import audit
from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import is_ministry, require
from twinning.core.validation import clean, invalid
from twinning.knowledge import permissions as perms
from twinning.knowledge import queries
from twinning.knowledge.extract import IMAGE_KINDS, Extracted, check_document_file, extract
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    CompilationItem,
    Document,
    DocumentKind,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic
from twinning.regions.models import Region

Action = AuditEntry.Action
Status = ModelCase.Status
Record = TypeVar("Record", Document, ModelCase, Compilation)

DOCUMENT_FIELDS = [
    "title",
    "kind",
    "issuing_body",
    "region",
    "number",
    "issued_on",
    "effective_on",
    "repealed_on",
    "summary",
    "visibility",
    "pairing",
]
CASE_FIELDS = [
    "title",
    "region",
    "pairing",
    "topic",
    "problem",
    "approach",
    "results",
    "figures",
    "contacts",
    "visibility",
]
COMPILATION_FIELDS = ["title", "preface", "region", "visibility", "pairing"]
DATE_FIELDS = ("issued_on", "effective_on", "repealed_on")
TEXT_FIELDS = {"summary", "problem", "approach", "results", "preface"}
EXCLUDE_ON_CLEAN = ["created_by", "archived_by", "nominated_by", "reviewed_by", "topics"]


# ---------------------------------------------------------------- helpers


def _index(kind: str, object_id: int) -> None:
    """Bring the record's search entry up to date (inside the writing transaction)."""
    from twinning.search.index import index_object

    index_object(kind, object_id)


def _pk(value: Any) -> int:
    return int(value.pk if isinstance(value, models.Model) else value)


def _check_lock(obj: Document | ModelCase | Compilation, expected: int | None) -> None:
    """Optimistic locking: refuse a save based on an older revision."""
    if expected is None or int(expected) == obj.lock_version:
        return
    when = timezone.localtime(obj.updated_at).strftime("%Y-%m-%d %H:%M")
    raise Conflict(
        _("保存失败：此记录已于 %(when)s 被他人修改。请刷新页面查看最新内容后再修改。")
        % {"when": when},
        code="stale_version",
    )


def _locked(model: type[Record], found: Record) -> Record:
    """`found` again, locked for the rest of the transaction, with its region and pairing."""
    locked: Record = (
        model.objects.select_for_update(of=("self",))
        .select_related("region", "pairing__leading_region", "pairing__partner_region")
        .get(pk=found.pk)
    )
    return locked


def _require_editable(
    actor: Any,
    obj: Document | ModelCase | Compilation,
    message: str,
    lock_version: int | None = None,
) -> None:
    """The actor may edit `obj`, it is not stale (if `lock_version` is given) nor archived."""
    _require_contributor(actor)
    require(perms.can_edit(actor, obj), message)
    _check_lock(obj, lock_version)
    _not_archived(obj)


def _record_update(
    actor: Any,
    obj: Document | ModelCase | Compilation,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            target=obj,
            pairing=_pairing_of(obj),
            changes=changes,
        )


def _create_placement(
    actor: Any, region: Any, visibility: str, pairing: Any
) -> tuple[Region | None, Pairing | None]:
    """A new record's region (default: the actor's own) and pairing, both checked."""
    _require_contributor(actor)
    region_obj = _region(region)
    if region_obj is None and not is_ministry(actor):
        region_obj = _own_region(actor)
    _require_region(actor, region_obj)
    pairing_obj = _pairing(pairing)
    _check_visibility(actor, visibility, pairing_obj)
    return region_obj, pairing_obj


def _refuse_unknown(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise invalid(sorted(unknown)[0], _("不能修改此项。"), "unknown_field")


def _apply_fields(
    actor: Any,
    obj: Document | Compilation,
    names: Iterable[str],
    fields: dict[str, Any],
    nullable: Iterable[str] = (),
) -> None:
    """Set the `fields` among `names` on `obj`; a new region must be one the actor writes for.
    A None becomes "" unless the field is `nullable`."""
    for name in names:
        if name not in fields:
            continue
        value = fields[name]
        if name == "region":
            value = _region(value)
            _require_region(actor, value)
        elif name == "pairing":
            value = _pairing(value)
        elif value is None and name not in nullable:
            value = ""
        setattr(obj, name, _strip(name, value))


def _touch(obj: Document | ModelCase | Compilation) -> None:
    obj.lock_version += 1
    obj.updated_at = timezone.now()


def _not_archived(obj: Document | ModelCase | Compilation) -> None:
    if obj.is_archived:
        raise Conflict(_("该记录已归档，请先恢复再修改。"), code="archived")


def _region(value: Any, field: str = "region") -> Region | None:
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(code=str(value).strip()).first()
    if region is None:
        raise invalid(field, _("未知的地区：%(code)s。") % {"code": value}, "unknown_region")
    return region


def _own_region(actor: Any) -> Region | None:
    organisation = getattr(actor, "organisation", None)
    return getattr(organisation, "region", None) if organisation is not None else None


def _pairing(value: Any) -> Pairing | None:
    if value in (None, ""):
        return None
    if isinstance(value, Pairing):
        return value
    try:
        pairing = Pairing.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        pairing = None
    if pairing is None:
        raise invalid("pairing", _("结对关系不存在。"), "unknown_pairing")
    return pairing


def _topic(value: Any) -> Topic | None:
    if value in (None, ""):
        return None
    if isinstance(value, Topic):
        return value
    text = str(value).strip()
    found = Topic.objects.filter(pk=int(text)) if text.isdigit() else Topic.objects.none()
    topic = found.first() or Topic.objects.filter(code=text).first()
    if topic is None:
        raise invalid("topic", _("未知的主题：%(t)s。") % {"t": value}, "unknown_topic")
    return topic


def _topics(values: Iterable[Any]) -> list[Topic]:
    topics: list[Topic] = []
    for value in values or ():
        try:
            topic = _topic(value)
        except Invalid as exc:
            raise invalid("topics", exc.message, exc.code) from exc
        if topic is not None and topic not in topics:
            topics.append(topic)
    return topics


def _check_visibility(actor: Any, visibility: str, pairing: Pairing | None) -> None:
    if visibility not in Visibility.values:
        raise invalid("visibility", _("请选择可见范围。"), "invalid_visibility")
    if visibility == Visibility.PAIR and pairing is None:
        raise invalid("pairing", _("可见范围为“结对双方”时，请选择结对关系。"), "pairing_required")
    require(
        perms.can_set_visibility(actor, visibility, pairing),
        _("您不能设置此可见范围：仅结对双方可设为“结对双方”，仅住建部可设为“仅住建部”。"),
    )


def _require_region(actor: Any, region: Region | None) -> None:
    require(
        perms.can_write_region(actor, region),
        _("只能为本地区（或所辖地区）添加或修改知识库内容。"),
    )


def _require_contributor(actor: Any) -> None:
    require(
        perms.can_contribute(actor),
        _("只有各地区的协调员、成员和住建部可以编辑知识库；专家仅可查看。"),
    )


def _strip(name: str, value: Any) -> Any:
    if isinstance(value, str) and name not in TEXT_FIELDS:
        return value.strip()
    return value


def _create_changes(values: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: v for k, v in audit.diff({}, values).items() if v[1] not in (None, "", [])}


def _pairing_of(obj: Document | ModelCase | Compilation) -> Pairing | None:
    return obj.pairing if obj.visibility == Visibility.PAIR else None


# ---------------------------------------------------------------- files


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(partial(stream.read, 1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _file_name(file: Any, name: str) -> str:
    name = (name or getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name.strip()[-200:]


def _store_version(
    actor: Any,
    document: Document,
    file: Any,
    name: str,
    number: int,
    note: str,
    stored: list[str],
) -> DocumentVersion:
    """Check the file, store it as version `number` and queue its text extraction.

    Nothing is stored when the check fails; the stored file's name is added to `stored` so the
    caller can remove it if the transaction fails afterwards."""
    name = _file_name(file, name)
    if not name:
        raise invalid("file", _("请选择要上传的文件。"), "no_file")
    checked = check_document_file(file, name)
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=name,
        extension=checked.extension,
        content_type=checked.content_type,
        size=checked.size,
        sha256=_sha256(file),
        note=(note or "").strip()[:300],
        uploaded_by=actor,
        text_status=(
            TextStatus.NOT_TEXT if checked.extension in IMAGE_KINDS else TextStatus.PENDING
        ),
    )
    version.file.save(name, File(file, name=name), save=False)
    stored.append(str(version.file.name))
    version.save()
    if version.text_status == TextStatus.PENDING:
        from twinning.knowledge.tasks import enqueue_extraction

        transaction.on_commit(partial(enqueue_extraction, version.pk))
    return version


def _version_audit(actor: Any, version: DocumentVersion, pairing: Pairing | None) -> None:
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=version,
        pairing=pairing,
        changes={
            "number": [None, version.number],
            "original_name": [None, version.original_name],
            "size": [None, version.size],
            "sha256": [None, version.sha256],
        },
        note=version.note,
    )


# ---------------------------------------------------------------- documents


def _document_snapshot(document: Document) -> dict[str, Any]:
    values = audit.snapshot(document, DOCUMENT_FIELDS)
    values["topics"] = (
        [t.name for t in document.topics.order_by("position", "pk")] if document.pk else []
    )
    return values


def _check_dates(obj: Document) -> None:
    if obj.issued_on and obj.effective_on and obj.effective_on < obj.issued_on:
        raise invalid("effective_on", _("施行日期不能早于发布日期。"), "invalid_dates")
    start = obj.effective_on or obj.issued_on
    if start and obj.repealed_on and obj.repealed_on < start:
        raise invalid("repealed_on", _("废止日期不能早于发布或施行日期。"), "invalid_dates")


def _removing_files_on_failure(write: Any, *args: Any, **kwargs: Any) -> Any:
    """Run `write(..., stored=[...])` in a transaction; remove the files it stored if it fails."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return write(*args, stored=stored, **kwargs)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _create_document(
    actor: Any,
    *,
    file: Any,
    name: str = "",
    title: str = "",
    kind: str = DocumentKind.OTHER,
    issuing_body: str = "",
    region: Any = None,
    number: str = "",
    issued_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    repealed_on: dt.date | None = None,
    topics: Iterable[Any] = (),
    summary: str = "",
    visibility: str = Visibility.PROGRAMME,
    pairing: Any = None,
    note: str = "",
    is_demo: bool = False,
    stored: list[str],
) -> Document:
    region_obj, pairing_obj = _create_placement(actor, region, visibility, pairing)
    file_name = _file_name(file, name)
    document = Document(
        title=(title or "").strip() or file_name.rsplit(".", 1)[0].strip()[:300],
        kind=kind or DocumentKind.OTHER,
        issuing_body=(issuing_body or "").strip(),
        region=region_obj,
        number=(number or "").strip(),
        issued_on=issued_on,
        effective_on=effective_on,
        repealed_on=repealed_on,
        summary=summary or "",
        visibility=visibility,
        pairing=pairing_obj,
        is_demo=is_demo,
        created_by=actor,
    )
    topic_list = _topics(topics)
    _check_dates(document)
    clean(document, exclude=EXCLUDE_ON_CLEAN)
    if file is None:
        raise invalid("file", _("请选择要上传的文件。"), "no_file")
    # The file is checked before anything is written.
    check_document_file(file, file_name or "")
    document.save()
    document.topics.set(topic_list)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=document,
        pairing=_pairing_of(document),
        changes=_create_changes(_document_snapshot(document)),
        note=note,
    )
    version = _store_version(actor, document, file, file_name, 1, note, stored)
    _version_audit(actor, version, _pairing_of(document))
    _index("document", document.pk)
    return document


def create_document(
    actor: Any,
    *,
    file: Any,
    name: str = "",
    title: str = "",
    kind: str = DocumentKind.OTHER,
    issuing_body: str = "",
    region: Any = None,
    number: str = "",
    issued_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    repealed_on: dt.date | None = None,
    topics: Iterable[Any] = (),
    summary: str = "",
    visibility: str = Visibility.PROGRAMME,
    pairing: Any = None,
    note: str = "",
    is_demo: bool = False,
) -> Document:
    """Upload a document: a Document and its version 1.

    `file` is an uploaded file or a binary stream, `name` its original name (the extension must
    agree with the content). The file is checked (kind, size, ZIP bomb, encrypted or damaged
    PDF/Word/Excel) before anything is stored; its text is read in the background after the
    commit. `region` (Region or code) defaults to the actor's own; `topics` are Topics, ids or
    codes; `pairing` (Pairing or id) is required for the pair's-sides visibility."""
    document: Document = _removing_files_on_failure(
        _create_document,
        actor,
        file=file,
        name=name,
        title=title,
        kind=kind,
        issuing_body=issuing_body,
        region=region,
        number=number,
        issued_on=issued_on,
        effective_on=effective_on,
        repealed_on=repealed_on,
        topics=topics,
        summary=summary,
        visibility=visibility,
        pairing=pairing,
        note=note,
        is_demo=is_demo,
    )
    return document


def _locked_document(actor: Any, document: Document | int) -> Document:
    return _locked(Document, queries.get_document(actor, _pk(document)))


@transaction.atomic
def update_document(
    actor: Any, document: Document | int, *, lock_version: int | None, **fields: Any
) -> Document:
    """Change the given metadata fields (and `topics`); the files are versions, not fields."""
    document = _locked_document(actor, document)
    _require_editable(actor, document, _("您只能修改本地区（或所辖地区）的文档。"), lock_version)
    _refuse_unknown(fields, [*DOCUMENT_FIELDS, "topics"])
    before = _document_snapshot(document)
    _apply_fields(actor, document, DOCUMENT_FIELDS, fields, nullable=DATE_FIELDS)
    if "visibility" in fields or "pairing" in fields:
        _check_visibility(actor, document.visibility, document.pairing)
    if not document.title:
        raise invalid("title", _("此项为必填项。"), "required")
    _check_dates(document)
    clean(document, exclude=EXCLUDE_ON_CLEAN)
    _touch(document)
    document.save()
    if "topics" in fields:
        document.topics.set(_topics(fields["topics"]))
    _record_update(actor, document, before, _document_snapshot(document))
    _index("document", document.pk)
    return document


def _add_version(
    actor: Any,
    document: Document | int,
    *,
    file: Any,
    name: str = "",
    note: str = "",
    stored: list[str],
) -> DocumentVersion:
    document = _locked_document(actor, document)
    _require_editable(actor, document, _("您只能为本地区（或所辖地区）的文档上传新版本。"))
    if file is None:
        raise invalid("file", _("请选择要上传的文件。"), "no_file")
    latest = document.versions.aggregate(n=models.Max("number"))["n"] or 0
    version = _store_version(actor, document, file, name, latest + 1, note, stored)
    _version_audit(actor, version, _pairing_of(document))
    _touch(document)
    document.save(update_fields=["lock_version", "updated_at"])
    _index("document", document.pk)
    return version


def add_version(
    actor: Any, document: Document | int, *, file: Any, name: str = "", note: str = ""
) -> DocumentVersion:
    """Upload a new version (number + 1) of a document; older versions are kept."""
    version: DocumentVersion = _removing_files_on_failure(
        _add_version, actor, document, file=file, name=name, note=note
    )
    return version


@transaction.atomic
def _archive(
    actor: Any,
    obj: Document | ModelCase | Compilation,
    archived: bool,
    message: str,
) -> None:
    require(perms.can_edit(actor, obj), message)
    if archived == obj.is_archived:
        raise Conflict(
            _("该记录已归档。") if archived else _("该记录未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    obj.archived_at, obj.archived_by = (timezone.now(), actor) if archived else (None, None)
    _touch(obj)
    obj.save()
    audit.record(
        actor=actor,
        action=Action.ARCHIVE if archived else Action.RESTORE,
        target=obj,
        pairing=_pairing_of(obj),
        changes={"archived": [not archived, archived]},
    )


@transaction.atomic
def archive_document(actor: Any, document: Document | int, *, archived: bool = True) -> Document:
    """Archive (or restore) a document: it leaves lists and search, and stays readable."""
    document = _locked_document(actor, document)
    _require_contributor(actor)
    _archive(actor, document, archived, _("您只能归档本地区（或所辖地区）的文档。"))
    _index("document", document.pk)
    return document


def restore_document(actor: Any, document: Document | int) -> Document:
    return archive_document(actor, document, archived=False)


def run_extraction(version_id: int) -> DocumentVersion:
    """Read a version's text and record the outcome; re-index its document. Never raises for a
    file that cannot be read: the version is FAILED with the reason."""
    version = DocumentVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("文档版本不存在。"))
    outcome: Extracted
    if version.extension in IMAGE_KINDS:
        outcome = Extracted(status=TextStatus.NOT_TEXT)
    else:
        try:
            with version.file.open("rb") as handle:
                outcome = extract(handle, version.extension)
        except OSError as exc:
            reason = (_("找不到已上传的文件：%(e)s") % {"e": exc})[:300]
            outcome = Extracted(status=TextStatus.FAILED, error=reason)
    with transaction.atomic():
        DocumentVersion.objects.filter(pk=version.pk).update(
            text=outcome.text,
            text_status=outcome.status,
            text_error=outcome.error[:300],
            pages=outcome.pages,
            extracted_at=timezone.now(),
        )
        _index("document", version.document_id)
    version.refresh_from_db()
    return version


# ---------------------------------------------------------------- cases


def _case_snapshot(case: ModelCase) -> dict[str, Any]:
    values = audit.snapshot(case, CASE_FIELDS)
    values["documents"] = (
        [d.title for d in case.documents.order_by("title", "pk")] if case.pk else []
    )
    return values


def _case_documents(actor: Any, values: Iterable[Any]) -> list[Document]:
    ids = []
    for value in values or ():
        try:
            ids.append(_pk(value))
        except (TypeError, ValueError) as exc:
            raise invalid("documents", _("文档编号无效。"), "invalid_document") from exc
    ids = list(dict.fromkeys(ids))
    found = {d.pk: d for d in queries.scoped(Document.objects.live(), actor).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid(
            "documents",
            _("以下文档不存在、已归档或您无权查看：%(ids)s。")
            % {"ids": "、".join(str(i) for i in missing)},
            "document_not_available",
        )
    return [found[i] for i in ids]


def _apply_case(case: ModelCase, fields: dict[str, Any]) -> None:
    for name in CASE_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name == "region":
            value = _region(value)
        elif name == "pairing":
            value = _pairing(value)
        elif name == "topic":
            value = _topic(value)
        elif value is None:
            value = ""
        setattr(case, name, _strip(name, value))


@transaction.atomic
def create_case(actor: Any, **fields: Any) -> ModelCase:
    """Write a model case (draft) for the actor's region (or a region inside it).

    Fields: title, region (code or Region; default: the actor's), pairing, topic, problem,
    approach, results, figures, contacts, visibility, documents (ids of visible documents)."""
    return _create_case(actor, fields)


def _create_case(
    actor: Any, fields: dict[str, Any], origin: dict[str, Any] | None = None
) -> ModelCase:
    """`create_case`, with the good result it was proposed from (`propose_case`) if any."""
    _require_contributor(actor)
    unknown = set(fields) - set(CASE_FIELDS) - {"documents", "is_demo"}
    if unknown:
        raise invalid(sorted(unknown)[0], _("不能填写此项。"), "unknown_field")
    case = ModelCase(created_by=actor, is_demo=bool(fields.get("is_demo", False)), **(origin or {}))
    fields.setdefault("visibility", Visibility.PROGRAMME)
    _apply_case(case, fields)
    if case.region_id is None and not is_ministry(actor):
        case.region = _own_region(actor)
    if case.region_id is None:
        raise invalid("region", _("请选择案例所在地区。"), "required")
    _require_region(actor, case.region)
    _check_visibility(actor, case.visibility, case.pairing)
    documents = _case_documents(actor, fields.get("documents") or ())
    clean(case, exclude=EXCLUDE_ON_CLEAN + ["documents"])
    case.save()
    case.documents.set(documents)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=case,
        pairing=_pairing_of(case),
        changes=_create_changes({**_case_snapshot(case), **(origin or {})}),
        note=PROPOSED_NOTE if origin else "",
    )
    _index("case", case.pk)
    return case


PROPOSED_NOTE = gettext_noop("据工作成效推荐为典型案例")


@transaction.atomic
def propose_case(
    *, actor: Any, origin_kind: str, origin_id: int, values: dict[str, Any] | None = None
) -> ModelCase:
    """Write a draft case prefilled from a good result: a closed notice, a target met before
    its due date or a top score of a published evaluation round (see dashboards.sources).

    The source must be one the actor sees (else NotFound); a coordinator of a region concerned
    or the Ministry proposes (else Forbidden); `values` (CASE_FIELDS and documents) replace the
    prefilled ones. One live case per source. The case then goes through the usual nominate →
    promote review."""
    from twinning.dashboards import sources  # the dashboards read notices, targets, rounds

    source = sources.source_of(actor, origin_kind, origin_id)
    require(
        sources.may_propose(actor, source),
        _("只有相关地区的协调员或住建部可以据此推荐典型案例；成员和专家仅可查看。"),
    )
    existing = (
        ModelCase.objects.filter(origin_kind=source.kind, origin_id=source.id)
        .live()
        .order_by("pk")
        .first()
    )
    if existing is not None:
        raise Conflict(
            _("已据此推荐过典型案例《%(title)s》（编号 %(id)s），请在该案例上继续修改。")
            % {"title": existing.title, "id": existing.pk},
            code="already_proposed",
        )
    fields: dict[str, Any] = {
        "region": sources.default_region(actor, source),
        "pairing": source.pairing,
        "visibility": Visibility.PROGRAMME,
        **source.prefill,
    }
    fields.update(values or {})
    origin = {
        "origin_kind": source.kind,
        "origin_id": source.id,
        "origin_label": source.label[:300],
    }
    return _create_case(actor, fields, origin)


def _locked_case(actor: Any, case: ModelCase | int) -> ModelCase:
    return _locked(ModelCase, queries.get_case(actor, _pk(case)))


@transaction.atomic
def update_case(
    actor: Any, case: ModelCase | int, *, lock_version: int | None, **fields: Any
) -> ModelCase:
    """Change a case. Its region edits it while it is a draft or returned; the Ministry always."""
    case = _locked_case(actor, case)
    _require_editable(actor, case, _("您只能修改本地区（或所辖地区）的典型案例。"), lock_version)
    if case.status not in perms.EDITABLE_CASE and not (actor is None or is_ministry(actor)):
        raise Conflict(
            _("案例已推荐或已遴选推广，不能再修改；如需修改，请住建部先退回。"),
            code="case_locked",
        )
    _refuse_unknown(fields, [*CASE_FIELDS, "documents"])
    before = _case_snapshot(case)
    _apply_case(case, fields)
    if "region" in fields:
        if case.region_id is None:
            raise invalid("region", _("请选择案例所在地区。"), "required")
        _require_region(actor, case.region)
    if "visibility" in fields or "pairing" in fields:
        _check_visibility(actor, case.visibility, case.pairing)
    documents = _case_documents(actor, fields["documents"]) if "documents" in fields else None
    clean(case, exclude=EXCLUDE_ON_CLEAN + ["documents"])
    _touch(case)
    case.save()
    if documents is not None:
        case.documents.set(documents)
    _record_update(actor, case, before, _case_snapshot(case))
    _index("case", case.pk)
    return case


def _transition(
    actor: Any, case: ModelCase, new: str, note: str = "", extra: dict[str, Any] | None = None
) -> ModelCase:
    old = case.status
    case.status = new
    for name, value in (extra or {}).items():
        setattr(case, name, value)
    _touch(case)
    case.save()
    changes: dict[str, list[Any]] = {"status": [old, new]}
    if note:
        changes["review_note"] = [None, note]
    audit.record(
        actor=actor,
        action=Action.TRANSITION,
        target=case,
        pairing=_pairing_of(case),
        changes=changes,
        note=note,
    )
    _index("case", case.pk)
    return case


def _illegal(case: ModelCase, action: str) -> Conflict:
    return Conflict(
        _("案例当前状态为“%(status)s”，不能%(action)s。")
        % {"status": case.get_status_display(), "action": action},
        code="invalid_transition",
    )


@transaction.atomic
def nominate_case(
    actor: Any, case: ModelCase | int, *, lock_version: int | None = None
) -> ModelCase:
    """A coordinator of the case's region (or the Ministry) nominates a draft or returned case."""
    case = _locked_case(actor, case)
    require(perms.may_nominate(actor, case), _("只有案例所在地区的协调员或住建部可以推荐案例。"))
    _check_lock(case, lock_version)
    _not_archived(case)
    if case.status not in perms.NOMINABLE:
        raise _illegal(case, _("推荐"))
    return _transition(
        actor,
        case,
        Status.NOMINATED,
        extra={"nominated_by": actor, "nominated_at": timezone.now()},
    )


@transaction.atomic
def promote_case(
    actor: Any, case: ModelCase | int, note: str = "", *, lock_version: int | None = None
) -> ModelCase:
    """The Ministry promotes a nominated case: it is featured on the overview."""
    case = _locked_case(actor, case)
    require(perms.can_review(actor), _("只有住建部可以遴选推广案例。"))
    _check_lock(case, lock_version)
    _not_archived(case)
    if case.status != Status.NOMINATED:
        raise _illegal(case, _("遴选推广"))
    note = (note or "").strip()[:500]
    return _transition(
        actor,
        case,
        Status.PROMOTED,
        note,
        extra={"reviewed_by": actor, "reviewed_at": timezone.now(), "review_note": note},
    )


@transaction.atomic
def return_case(
    actor: Any, case: ModelCase | int, note: str, *, lock_version: int | None = None
) -> ModelCase:
    """The Ministry returns a nominated (or promoted) case with a note; its region may edit and
    nominate it again."""
    case = _locked_case(actor, case)
    require(perms.can_review(actor), _("只有住建部可以退回案例。"))
    _check_lock(case, lock_version)
    _not_archived(case)
    if case.status not in (Status.NOMINATED, Status.PROMOTED):
        raise _illegal(case, _("退回"))
    note = (note or "").strip()
    if not note:
        raise invalid("note", _("退回案例时请写明意见。"), "note_required")
    note = note[:500]
    return _transition(
        actor,
        case,
        Status.RETURNED,
        note,
        extra={"reviewed_by": actor, "reviewed_at": timezone.now(), "review_note": note},
    )


@transaction.atomic
def archive_case(actor: Any, case: ModelCase | int, *, archived: bool = True) -> ModelCase:
    case = _locked_case(actor, case)
    _require_contributor(actor)
    _archive(actor, case, archived, _("您只能归档本地区（或所辖地区）的典型案例。"))
    _index("case", case.pk)
    return case


def restore_case(actor: Any, case: ModelCase | int) -> ModelCase:
    return archive_case(actor, case, archived=False)


@transaction.atomic
def record_adoption(
    actor: Any,
    case: ModelCase | int,
    *,
    region: Any,
    note: str = "",
    adopted_on: dt.date | None = None,
) -> CaseAdoption:
    """Record that `region` reused a case the actor can see; one live record per region."""
    case = _locked_case(actor, case)
    region_obj = _region(region)
    if region_obj is None:
        raise invalid("region", _("请选择借鉴地区。"), "required")
    _require_contributor(actor)
    require(
        perms.can_adopt(actor, case, region_obj),
        _("只能为本地区（或所辖地区）记录借鉴情况。"),
    )
    _not_archived(case)
    if region_obj.pk == case.region_id:
        raise invalid("region", _("案例所在地区不能记录借鉴自己的案例。"), "own_case")
    if adopted_on and adopted_on > timezone.localdate():
        raise invalid("adopted_on", _("借鉴时间不能晚于今天。"), "future_date")
    if CaseAdoption.objects.filter(case=case, region=region_obj, archived_at__isnull=True).exists():
        raise Conflict(
            _("%(region)s 已记录借鉴此案例。") % {"region": region_obj.name},
            code="already_adopted",
        )
    adoption = CaseAdoption(
        case=case,
        region=region_obj,
        note=(note or "").strip()[:500],
        adopted_on=adopted_on,
        recorded_by=actor,
    )
    try:
        with transaction.atomic():
            adoption.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(region)s 已记录借鉴此案例。") % {"region": region_obj.name},
            code="already_adopted",
        ) from exc
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=adoption,
        pairing=_pairing_of(case),
        changes=_create_changes(
            {
                "region": region_obj.name,
                "note": adoption.note,
                "adopted_on": audit.snapshot(adoption, ["adopted_on"])["adopted_on"],
            }
        ),
    )
    _index("case", case.pk)
    return adoption


@transaction.atomic
def withdraw_adoption(actor: Any, adoption: CaseAdoption | int) -> CaseAdoption:
    """Withdraw an adoption record (archived, kept in the history)."""
    found = queries.get_adoption(actor, _pk(adoption))
    locked = CaseAdoption.objects.select_for_update(of=("self",)).get(pk=found.pk)
    _require_contributor(actor)
    require(
        perms.can_adopt(actor, found.case, found.region),
        _("只能撤销本地区（或所辖地区）的借鉴记录。"),
    )
    if locked.archived_at is not None:
        raise Conflict(_("该借鉴记录已撤销。"), code="already_archived")
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at"])
    audit.record(
        actor=actor,
        action=Action.ARCHIVE,
        target=locked,
        pairing=_pairing_of(found.case),
        changes={"archived": [False, True]},
    )
    _index("case", found.case_id)
    return locked


# ---------------------------------------------------------------- compilations

# A compilation may hold a document only if everyone who sees the compilation sees the document.
COVERS_VISIBILITY: dict[str, set[str]] = {
    Visibility.PROGRAMME: {Visibility.PROGRAMME},
    Visibility.PAIR: {Visibility.PROGRAMME, Visibility.PAIR},
    Visibility.MINISTRY: {Visibility.PROGRAMME, Visibility.PAIR, Visibility.MINISTRY},
}


def _compilation_documents(
    actor: Any, compilation: Compilation, document_ids: Sequence[Any]
) -> list[Document]:
    """The documents in the order given; each must be visible to the actor, live, and at least
    as visible as the compilation."""
    try:
        ids = [_pk(value) for value in document_ids]
    except (TypeError, ValueError) as exc:
        raise invalid("document_ids", _("文档编号无效。"), "invalid_document") from exc
    if len(set(ids)) != len(ids):
        raise invalid("document_ids", _("同一文档不能重复收入汇编。"), "duplicate_document")
    found = {d.pk: d for d in queries.scoped(Document.objects.live(), actor).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid(
            "document_ids",
            _("以下文档不存在、已归档或您无权查看：%(ids)s。")
            % {"ids": "、".join(str(i) for i in missing)},
            "document_not_available",
        )
    allowed = COVERS_VISIBILITY.get(compilation.visibility, set())
    narrower = [
        found[i]
        for i in ids
        if found[i].visibility not in allowed
        or (
            found[i].visibility == Visibility.PAIR
            and compilation.visibility == Visibility.PAIR
            and found[i].pairing_id != compilation.pairing_id
        )
    ]
    if narrower:
        raise invalid(
            "document_ids",
            _("以下文档的可见范围小于汇编的可见范围，不能收入：%(titles)s。")
            % {"titles": "、".join(d.title for d in narrower)},
            "document_narrower",
        )
    return [found[i] for i in ids]


def _write_items(compilation: Compilation, documents: list[Document]) -> None:
    CompilationItem.objects.filter(compilation=compilation).delete()
    CompilationItem.objects.bulk_create(
        [
            CompilationItem(compilation=compilation, document=document, position=position)
            for position, document in enumerate(documents, start=1)
        ]
    )


def _compilation_snapshot(compilation: Compilation) -> dict[str, Any]:
    values = audit.snapshot(compilation, COMPILATION_FIELDS)
    values["documents"] = (
        [item.document.title for item in queries.items_of(compilation)] if compilation.pk else []
    )
    return values


@transaction.atomic
def create_compilation(
    actor: Any,
    *,
    title: str,
    preface: str = "",
    region: Any = None,
    visibility: str = Visibility.PROGRAMME,
    pairing: Any = None,
    document_ids: Sequence[Any] = (),
    is_demo: bool = False,
) -> Compilation:
    """A compilation of documents, in the order of `document_ids`."""
    region_obj, pairing_obj = _create_placement(actor, region, visibility, pairing)
    compilation = Compilation(
        title=(title or "").strip(),
        preface=preface or "",
        region=region_obj,
        visibility=visibility,
        pairing=pairing_obj,
        is_demo=is_demo,
        created_by=actor,
    )
    clean(compilation, exclude=EXCLUDE_ON_CLEAN + ["documents"])
    documents = _compilation_documents(actor, compilation, list(document_ids))
    compilation.save()
    _write_items(compilation, documents)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=compilation,
        pairing=_pairing_of(compilation),
        changes=_create_changes(_compilation_snapshot(compilation)),
    )
    return compilation


def _locked_compilation(actor: Any, compilation: Compilation | int) -> Compilation:
    return _locked(Compilation, queries.get_compilation(actor, _pk(compilation)))


@transaction.atomic
def update_compilation(
    actor: Any, compilation: Compilation | int, *, lock_version: int | None, **fields: Any
) -> Compilation:
    """Change title, preface, region, visibility, pairing (and `document_ids`, in order)."""
    compilation = _locked_compilation(actor, compilation)
    _require_editable(actor, compilation, _("您只能修改本地区（或所辖地区）的汇编。"), lock_version)
    _refuse_unknown(fields, [*COMPILATION_FIELDS, "document_ids"])
    before = _compilation_snapshot(compilation)
    _apply_fields(actor, compilation, COMPILATION_FIELDS, fields)
    if "visibility" in fields or "pairing" in fields:
        _check_visibility(actor, compilation.visibility, compilation.pairing)
    clean(compilation, exclude=EXCLUDE_ON_CLEAN + ["documents"])
    if "document_ids" in fields:
        ids: list[Any] = list(fields["document_ids"])
    else:
        ids = [item.document_id for item in queries.items_of(compilation)]
    documents = _compilation_documents(actor, compilation, ids)
    _touch(compilation)
    compilation.save()
    if "document_ids" in fields:
        _write_items(compilation, documents)
    _record_update(actor, compilation, before, _compilation_snapshot(compilation))
    return compilation


def set_compilation_documents(
    actor: Any,
    compilation: Compilation | int,
    *,
    document_ids: Sequence[Any],
    lock_version: int | None,
) -> Compilation:
    """Replace the compilation's documents; their order is the order of `document_ids`."""
    return update_compilation(
        actor, compilation, lock_version=lock_version, document_ids=list(document_ids)
    )


@transaction.atomic
def archive_compilation(
    actor: Any, compilation: Compilation | int, *, archived: bool = True
) -> Compilation:
    compilation = _locked_compilation(actor, compilation)
    _require_contributor(actor)
    _archive(actor, compilation, archived, _("您只能归档本地区（或所辖地区）的汇编。"))
    return compilation


def restore_compilation(actor: Any, compilation: Compilation | int) -> Compilation:
    return archive_compilation(actor, compilation, archived=False)
