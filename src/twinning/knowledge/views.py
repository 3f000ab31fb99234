"""HTML pages of the knowledge base (知识库): documents, model cases and compilations.

Thin views over `queries` (what the user may see: NotFound → 404) and `services` (what the user
may change: Forbidden → 403, Invalid/Conflict shown beside the fields). Buttons are shown only
to those who may use them; the services check again.
"""

from typing import Any, TypeVar
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import keep_typed_values, submit
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import require
from twinning.knowledge import compile as compiler
from twinning.knowledge import permissions as perms
from twinning.knowledge import queries, services
from twinning.knowledge.forms import (
    AdoptionForm,
    CaseForm,
    CompilationForm,
    DocumentForm,
    NewDocumentForm,
    ReviewForm,
    VersionForm,
    default_region,
    region_options,
)
from twinning.knowledge.models import (
    Compilation,
    Document,
    DocumentKind,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.plans.models import Topic
from twinning.regions.queries import province_choices

PAGE_SIZE = 30
R = TypeVar("R", HttpResponse, FileResponse)
PREVIEW_CHARS = 3000
# The add-a-document select lists at most this many documents (narrowed by a title search).
ADD_CHOICES = 200


def pdf_available() -> bool:
    """Whether a PDF of a compilation can be made here (LibreOffice on the PATH)."""
    return compiler.soffice_path() is not None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _recent_years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 10, -1))


def _list_context(request: HttpRequest, rows: Any, filters: Any) -> dict[str, Any]:
    return {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "kinds": DocumentKind.choices,
        "visibilities": Visibility.choices,
        "text_statuses": TextStatus.choices,
        "topics": Topic.objects.filter(archived_at__isnull=True).values_list("code", "name"),
        "provinces": province_choices(),
    }


def _render_list(request: HttpRequest, name: str, context: dict[str, Any]) -> HttpResponse:
    partial = f"knowledge/_{name}_results.html"
    template = partial if request.htmx else f"knowledge/{name}_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _history(actor: Any, obj: Any) -> list[Any]:
    return queries.history_of(actor, obj)


# ---------------------------------------------------------------- documents


def document_filters(get: Any) -> queries.DocumentFilters:
    return queries.DocumentFilters(
        q=get.get("q") or None,
        kind=get.get("kind") or None,
        topic=get.get("topic") or None,
        region=get.get("region") or None,
        year=_int(get.get("year")),
        visibility=get.get("visibility") or None,
        text_status=get.get("text_status") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or queries.DEFAULT_DOCUMENT_SORT,
    )


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filters = document_filters(request.GET)
    rows = queries.list_documents(actor, filters)
    context = _list_context(request, rows, filters)
    context["years"] = queries.years_of_documents(actor)
    context["can_create"] = perms.can_contribute(actor)
    return _render_list(request, "document", context)


@login_required
def document_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(perms.can_contribute(actor), _("您没有向知识库添加文档的权限。"))
    initial = {
        "region": default_region(actor),
        "visibility": Visibility.PROGRAMME,
        "kind": DocumentKind.OTHER,
    }
    form = NewDocumentForm(
        request.POST or None, request.FILES or None, actor=actor, initial=initial
    )
    document = submit(
        request,
        form,
        lambda d: services.create_document(
            actor,
            file=d["file"],
            name=d["file"].name or "file",
            note=d.get("note") or "",
            **form.values(),
        ),
    )
    if document is not None:
        messages.success(request, _("文档已上传，正在后台提取文字。"))
        return redirect("knowledge:document", document_id=document.pk)
    return render(request, "knowledge/document_new.html", {"form": form})


@login_required
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = request.user
    document = queries.get_document(actor, document_id)
    versions = queries.versions_of(document)
    current = versions[0] if versions else None
    text = current.text if current is not None else ""
    context = {
        "document": document,
        "versions": versions,
        "current": current,
        "preview": text[:PREVIEW_CHARS],
        "preview_cut": len(text) > PREVIEW_CHARS,
        "cases": ModelCase.objects.visible_to(actor).live().filter(documents=document),
        "compilations": Compilation.objects.visible_to(actor).live().filter(documents=document),
        "history": _history(actor, document),
        "can_edit": perms.can_edit(actor, document),
        "version_form": VersionForm(),
    }
    return render(request, "knowledge/document_detail.html", context)


@login_required
def document_edit(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = request.user
    document = queries.get_document(actor, document_id)
    require(perms.can_edit(actor, document), _("您没有修改该文档的权限。"))
    form = DocumentForm(
        request.POST or None, actor=actor, initial=DocumentForm.initial_of(document)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_document(
                actor,
                document,
                lock_version=form.cleaned_data.get("lock_version") or document.lock_version,
                **form.values(),
            )
        except (Invalid, Conflict) as exc:
            current = Document.objects.values_list("lock_version", flat=True).get(pk=document.pk)
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, _("已保存。"))
            return redirect("knowledge:document", document_id=document.pk)
    return render(request, "knowledge/document_edit.html", {"form": form, "document": document})


@login_required
def document_version(request: HttpRequest, document_id: int) -> HttpResponse:
    """Upload a new version (the form is also on the document's page)."""
    actor = request.user
    document = queries.get_document(actor, document_id)
    require(perms.can_edit(actor, document), _("您没有修改该文档的权限。"))
    form = VersionForm(request.POST or None, request.FILES or None)
    version = submit(
        request,
        form,
        lambda d: services.add_version(
            actor, document, file=d["file"], name=d["file"].name or "file", note=d["note"] or ""
        ),
    )
    if version is not None:
        messages.success(
            request, _("已上传第 %(n)s 版，正在后台提取文字。") % {"n": version.number}
        )
        return redirect(reverse("knowledge:document", args=[document.pk]) + "#versions")
    return render(request, "knowledge/document_version.html", {"form": form, "document": document})


def content_disposition(name: str, *, inline: bool = False) -> str:
    """`attachment` with an ASCII fallback name and the real (Chinese) name as RFC 5987
    `filename*`, which every current browser prefers."""
    fallback = name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    fallback = fallback.strip() or "download"
    if "." in name and "." not in fallback:
        fallback += "." + name.rsplit(".", 1)[1].encode("ascii", "ignore").decode()
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _download(response: R, name: str, content_type: str) -> R:
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def version_file(request: HttpRequest, document_id: int, number: int) -> FileResponse:
    version = queries.get_version(request.user, document_id, number)
    response = FileResponse(version.file.open("rb"))
    return _download(response, version.original_name, version.content_type)


@login_required
@require_POST
def document_archive(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = request.user
    document = queries.get_document(actor, document_id)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.restore_document(actor, document)
        else:
            services.archive_document(actor, document)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("文档已恢复。") if restore else _("文档已归档。"))
    return redirect("knowledge:document", document_id=document.pk)


# ---------------------------------------------------------------- model cases


def case_filters(get: Any) -> queries.CaseFilters:
    return queries.CaseFilters(
        q=get.get("q") or None,
        status=get.get("status") or None,
        topic=get.get("topic") or None,
        region=get.get("region") or None,
        year=_int(get.get("year")),
        visibility=get.get("visibility") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or queries.DEFAULT_CASE_SORT,
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filters = case_filters(request.GET)
    context = _list_context(request, queries.list_cases(actor, filters), filters)
    context["statuses"] = ModelCase.Status.choices
    context["years"] = _recent_years()
    context["can_create"] = perms.can_contribute(actor)
    return _render_list(request, "case", context)


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(perms.can_contribute(actor), _("您没有编写典型案例的权限。"))
    initial: dict[str, Any] = {"region": default_region(actor), "visibility": Visibility.PROGRAMME}
    document_id = _int(request.GET.get("document"))
    if document_id is not None:
        initial["documents"] = [document_id]
    form = CaseForm(request.POST or None, actor=actor, initial=initial)
    case = submit(request, form, lambda d: services.create_case(actor, **form.values()))
    if case is not None:
        messages.success(request, _("典型案例已保存为草稿。"))
        return redirect("knowledge:case", case_id=case.pk)
    return render(request, "knowledge/case_form.html", {"form": form, "case": None})


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.user
    case = queries.get_case(actor, case_id)
    adoptions = list(case.adoptions.all())  # the live ones, prefetched
    adopt_regions = [r for r in region_options(actor) if perms.can_adopt(actor, case, r)]
    adoption_form = AdoptionForm(actor=actor, initial={"region": default_region(actor)})
    adoption_form.fields["region"].queryset = region_options(actor).filter(  # type: ignore[attr-defined]
        pk__in=[r.pk for r in adopt_regions]
    )
    context = {
        "case": case,
        "documents": list(case.documents.all()),  # the visible live ones, prefetched
        "adoptions": [(a, perms.can_adopt(actor, case, a.region)) for a in adoptions],
        "history": _history(actor, case),
        "can_edit": perms.can_edit(actor, case),
        "can_change": perms.can_edit(actor, case)
        and not case.is_archived
        and (case.status in perms.EDITABLE_CASE or perms.can_review(actor)),
        "can_nominate": perms.can_nominate(actor, case),
        "can_review": perms.can_review(actor),
        "can_adopt": bool(adopt_regions) and not case.is_archived,
        "adoption_form": adoption_form,
        "review_form": ReviewForm(),
    }
    return render(request, "knowledge/case_detail.html", context)


@login_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.user
    case = queries.get_case(actor, case_id)
    require(perms.can_edit(actor, case), _("您没有修改该典型案例的权限。"))
    form = CaseForm(request.POST or None, actor=actor, initial=CaseForm.initial_of(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(
                actor,
                case,
                lock_version=form.cleaned_data.get("lock_version") or case.lock_version,
                **form.values(),
            )
        except (Invalid, Conflict) as exc:
            current = ModelCase.objects.values_list("lock_version", flat=True).get(pk=case.pk)
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, _("已保存。"))
            return redirect("knowledge:case", case_id=case.pk)
    return render(request, "knowledge/case_form.html", {"form": form, "case": case})


def _case_action(request: HttpRequest, case: ModelCase, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("knowledge:case", case_id=case.pk)


@login_required
@require_POST
def case_nominate(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.user
    case = queries.get_case(actor, case_id)
    return _case_action(
        request,
        case,
        lambda: services.nominate_case(actor, case),
        _("已推荐该典型案例，等待住建部审核。"),
    )


@login_required
@require_POST
def case_review(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.user
    case = queries.get_case(actor, case_id)
    note = (request.POST.get("note") or "").strip()
    if request.POST.get("decision") == "return":
        return _case_action(
            request,
            case,
            lambda: services.return_case(actor, case, note),
            _("已退回该典型案例。"),
        )
    return _case_action(
        request,
        case,
        lambda: services.promote_case(actor, case, note),
        _("已遴选推广该典型案例，将在概览页展示。"),
    )


@login_required
@require_POST
def case_adopt(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.user
    case = queries.get_case(actor, case_id)
    form = AdoptionForm(request.POST, actor=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(reverse("knowledge:case", args=[case.pk]) + "#adoptions")
    data = form.cleaned_data
    return _case_action(
        request,
        case,
        lambda: services.record_adoption(
            actor,
            case,
            region=data["region"],
            note=data["note"] or "",
            adopted_on=data["adopted_on"],
        ),
        _("已记录借鉴情况。"),
    )


@login_required
@require_POST
def adoption_withdraw(request: HttpRequest, adoption_id: int) -> HttpResponse:
    actor = request.user
    adoption = queries.get_adoption(actor, adoption_id)
    case = queries.get_case(actor, adoption.case_id)
    return _case_action(
        request,
        case,
        lambda: services.withdraw_adoption(actor, adoption),
        _("已撤销借鉴记录。"),
    )


@login_required
@require_POST
def case_archive(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.user
    case = queries.get_case(actor, case_id)
    if request.POST.get("restore") == "1":
        return _case_action(
            request, case, lambda: services.restore_case(actor, case), _("典型案例已恢复。")
        )
    return _case_action(
        request, case, lambda: services.archive_case(actor, case), _("典型案例已归档。")
    )


# ---------------------------------------------------------------- compilations


def compilation_filters(get: Any) -> queries.CompilationFilters:
    return queries.CompilationFilters(
        q=get.get("q") or None,
        region=get.get("region") or None,
        visibility=get.get("visibility") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or queries.DEFAULT_COMPILATION_SORT,
    )


@login_required
def compilation_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filters = compilation_filters(request.GET)
    context = _list_context(request, queries.list_compilations(actor, filters), filters)
    context["can_create"] = perms.can_contribute(actor)
    return _render_list(request, "compilation", context)


@login_required
def compilation_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(perms.can_contribute(actor), _("您没有编印汇编的权限。"))
    initial = {"region": default_region(actor), "visibility": Visibility.PROGRAMME}
    form = CompilationForm(request.POST or None, actor=actor, initial=initial)
    compilation = submit(
        request, form, lambda d: services.create_compilation(actor, **form.values())
    )
    if compilation is not None:
        messages.success(request, _("汇编已创建，请添加文档。"))
        return redirect("knowledge:compilation", compilation_id=compilation.pk)
    return render(request, "knowledge/compilation_form.html", {"form": form, "compilation": None})


@login_required
def compilation_detail(request: HttpRequest, compilation_id: int) -> HttpResponse:
    actor = request.user
    compilation = queries.get_compilation(actor, compilation_id)
    items = queries.items_of(compilation, actor)
    can_edit = perms.can_edit(actor, compilation) and not compilation.is_archived
    addable: list[Document] = []
    add_q = (request.GET.get("add_q") or "").strip()
    if can_edit:
        candidates = (
            Document.objects.visible_to(actor)
            .live()
            .exclude(pk__in=[i.document_id for i in items])
            .only("id", "title", "issued_on")
            .order_by("-issued_on", "-id")
        )
        if add_q:
            candidates = candidates.filter(title__icontains=add_q)
        addable = list(candidates[:ADD_CHOICES])
    context = {
        "compilation": compilation,
        "items": items,
        "addable": addable,
        "add_q": add_q,
        "add_limit": ADD_CHOICES,
        "can_edit": can_edit,
        "can_archive": perms.can_edit(actor, compilation),
        "pdf_available": pdf_available(),
        "history": _history(actor, compilation),
    }
    return render(request, "knowledge/compilation_detail.html", context)


@login_required
def compilation_edit(request: HttpRequest, compilation_id: int) -> HttpResponse:
    actor = request.user
    compilation = queries.get_compilation(actor, compilation_id)
    require(perms.can_edit(actor, compilation), _("您没有修改该汇编的权限。"))
    initial = CompilationForm.initial_of(compilation)
    form = CompilationForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_compilation(
                actor,
                compilation,
                lock_version=form.cleaned_data.get("lock_version") or compilation.lock_version,
                **form.values(),
            )
        except (Invalid, Conflict) as exc:
            current = Compilation.objects.values_list("lock_version", flat=True).get(
                pk=compilation.pk
            )
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, _("已保存。"))
            return redirect("knowledge:compilation", compilation_id=compilation.pk)
    context = {"form": form, "compilation": compilation}
    return render(request, "knowledge/compilation_form.html", context)


def reordered(ids: list[int], action: str, document_id: int | None) -> list[int]:
    """The document ids after adding, moving up or down, or removing one document."""
    ids = list(ids)
    if document_id is None:
        return ids
    if action == "add":
        return ids if document_id in ids else [*ids, document_id]
    if document_id not in ids:
        return ids
    index = ids.index(document_id)
    if action == "remove":
        ids.pop(index)
    elif action == "up" and index > 0:
        ids[index - 1], ids[index] = ids[index], ids[index - 1]
    elif action == "down" and index < len(ids) - 1:
        ids[index + 1], ids[index] = ids[index], ids[index + 1]
    return ids


@login_required
@require_POST
def compilation_documents(request: HttpRequest, compilation_id: int) -> HttpResponse:
    """Add, move or remove one document; the whole order is saved with the lock version."""
    actor = request.user
    compilation = queries.get_compilation(actor, compilation_id)
    require(perms.can_edit(actor, compilation), _("您没有修改该汇编的权限。"))
    current = list(compilation.items.order_by("position").values_list("document_id", flat=True))
    ids = reordered(current, request.POST.get("action") or "", _int(request.POST.get("document")))
    lock_version = _int(request.POST.get("lock_version")) or compilation.lock_version
    try:
        services.set_compilation_documents(
            actor, compilation, document_ids=ids, lock_version=lock_version
        )
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        if request.POST.get("action") == "add":
            messages.success(request, _("已添加文档。"))
    return redirect(reverse("knowledge:compilation", args=[compilation.pk]) + "#items")


EXPORTS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "zip": "application/zip",
}


@login_required
def compilation_export(request: HttpRequest, compilation_id: int, fmt: str) -> HttpResponse:
    actor = request.user
    compilation = queries.get_compilation(actor, compilation_id)
    if fmt == "docx":
        body: bytes | None = compiler.compilation_docx(compilation, actor)
    elif fmt == "pdf":
        body = compiler.compilation_pdf(compilation, actor)
    elif fmt == "zip":
        body = compiler.compilation_zip(compilation, actor)
    else:
        raise Http404(_("不支持该导出格式。"))
    if body is None:
        messages.error(request, _("服务器未安装 PDF 转换工具，请导出 Word 文件。"))
        return redirect("knowledge:compilation", compilation_id=compilation.pk)
    return _download(HttpResponse(body), compiler.export_filename(compilation, fmt), EXPORTS[fmt])


@login_required
@require_POST
def compilation_archive(request: HttpRequest, compilation_id: int) -> HttpResponse:
    actor = request.user
    compilation = queries.get_compilation(actor, compilation_id)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.restore_compilation(actor, compilation)
        else:
            services.archive_compilation(actor, compilation)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("汇编已恢复。") if restore else _("汇编已归档。"))
    return redirect("knowledge:compilation", compilation_id=compilation.pk)
