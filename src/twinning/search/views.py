"""HTML pages of the search: the results page with its facets, the suggestions under a search
box (htmx), and the vocabulary page where platform admins extend the dictionary and synonyms.

The engine (queries.search / queries.suggest) scopes everything to what the user may see; these
views only parse the query string, call it and render.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import apply_domain_error
from twinning.core.pagination import query_without
from twinning.core.permissions import require
from twinning.search import queries, services
from twinning.search.forms import SearchForm, SynonymForm, WordForm
from twinning.search.models import DictionaryWord, SourceKind, SynonymGroup

PAGE_SIZE = 20
# Suggestions under the top bar's box: a few of every kind.
TOP_BAR_SUGGESTIONS = 8
EXAMPLE_QUERIES = ("湿垃圾", "撤桶并点", "蒲公英计划", "定时定点", "厨余垃圾 处理", "督导")
# The facets in the sidebar, in order, with their headings.
FACETS = (
    ("kind", gettext_lazy("来源")),
    ("subkind", gettext_lazy("文档类别")),
    ("topic", gettext_lazy("主题")),
    ("region", gettext_lazy("地区")),
    ("year", gettext_lazy("年份")),
)


def _actor(request: HttpRequest) -> Any:
    return request.user


# ---------------------------------------------------------------- results


def _filters(form: SearchForm) -> queries.SearchFilters:
    return queries.SearchFilters(
        kind=form.value("kind"),
        subkind=form.value("subkind"),
        topic=form.value("topic"),
        region=form.value("region"),
        year=form.value("year"),
    )


def _link(request: HttpRequest, name: str, value: object, selected: bool) -> str:
    """The results page with the facet value `name=value` added (or removed when selected),
    keeping the query and the other filters, back on page 1."""
    query = request.GET.copy()
    query.pop("page", None)
    if selected:
        query.pop(name, None)
        if name == "kind":
            query.pop("subkind", None)
    else:
        query[name] = str(value)
        if name == "subkind":
            query["kind"] = SourceKind.DOCUMENT
        elif name == "kind" and value != SourceKind.DOCUMENT:
            query.pop("subkind", None)
    return "?" + query.urlencode()


def _facet_groups(request: HttpRequest, result: Any) -> list[dict[str, Any]]:
    groups = []
    for name, heading in FACETS:
        values = [
            {
                "value": v.value,
                "label": v.label,
                "count": v.count,
                "selected": v.selected,
                "url": _link(request, name, v.value, v.selected),
            }
            for v in result.facets.get(name, [])
        ]
        if values:
            groups.append({"name": name, "heading": heading, "values": values})
    return groups


def _chosen(request: HttpRequest, form: SearchForm, groups: list[dict[str, Any]]) -> list[Any]:
    """The filters in force, each with a link that removes it."""
    labels = {(g["name"], str(v["value"])): v["label"] for g in groups for v in g["values"]}
    chosen = []
    for name, heading in FACETS:
        value = form.value(name)
        if value is None:
            continue
        label = labels.get((name, str(value)), value)
        chosen.append(
            {"heading": heading, "label": label, "url": _link(request, name, value, True)}
        )
    return chosen


@login_required
def results(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = SearchForm(request.GET)
    text = request.GET.get("q")
    context: dict[str, Any] = {
        "form": form,
        "q": text or "",
        "examples": EXAMPLE_QUERIES,
        "searched": text is not None,
    }
    if text is None:
        # Nothing asked yet: the page explains how to search.
        return render(request, "search/results.html", context)
    try:
        # A page past the end (an old link) gives the last page, as lists elsewhere do.
        result = queries.search(
            actor, text, _filters(form), page=form.value("page") or 1, per_page=PAGE_SIZE
        )
    except Invalid as exc:
        context["error"] = exc.message
        return render(request, "search/results.html", context)
    groups = _facet_groups(request, result)
    context.update(
        {
            "result": result,
            "page": result.page_obj,
            "query": query_without(request, "page"),
            "facet_groups": groups,
            "chosen": _chosen(request, form, groups),
            "clear_url": "?" + _only_query(request),
        }
    )
    return render(request, "search/results.html", context)


def _only_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in list(query):
        if key != "q":
            query.pop(key)
    return query.urlencode()


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the top bar's search box: the best few matches as one types."""
    text = request.GET.get("q", "")
    hits = queries.suggest(
        _actor(request), text, kinds=tuple(SourceKind.values), limit=TOP_BAR_SUGGESTIONS
    )
    return render(request, "search/_suggest.html", {"hits": hits, "q": text.strip()})


# ---------------------------------------------------------------- vocabulary


def _require_admin(actor: Any) -> None:
    require(
        bool(getattr(actor, "is_platform_admin", False)),
        _("只有平台管理员可以维护检索词典和同义词。"),
    )


@login_required
def vocabulary(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    _require_admin(actor)
    which = request.POST.get("form")
    word_form = WordForm(request.POST if which == "word" else None, prefix="word")
    synonym_form = SynonymForm(request.POST if which == "synonym" else None, prefix="synonym")
    if request.method == "POST":
        try:
            if which == "word" and word_form.is_valid():
                d = word_form.cleaned_data
                services.add_word(actor=actor, word=d["word"], note=d["note"])
                messages.success(request, _("领域词已添加，检索索引将在后台重建。"))
                return redirect("search:vocabulary")
            if which == "synonym" and synonym_form.is_valid():
                d = synonym_form.cleaned_data
                services.add_synonym_group(actor=actor, words=d["words"], note=d["note"])
                messages.success(request, _("同义词组已添加，检索索引将在后台重建。"))
                return redirect("search:vocabulary")
        except (Invalid, Conflict) as exc:
            apply_domain_error(word_form if which == "word" else synonym_form, exc)
    show_archived = request.GET.get("archived") == "1"
    words = DictionaryWord.objects.select_related("created_by")
    groups = SynonymGroup.objects.select_related("created_by")
    if not show_archived:
        words = words.filter(archived_at__isnull=True)
        groups = groups.filter(archived_at__isnull=True)
    context = {
        "word_form": word_form,
        "synonym_form": synonym_form,
        "words": words,
        "groups": groups,
        "show_archived": show_archived,
    }
    refused = word_form.errors or synonym_form.errors
    status = 422 if request.method == "POST" and refused else 200
    return render(request, "search/vocabulary.html", context, status=status)


@login_required
@require_POST
def word_archive(request: HttpRequest, word_id: int) -> HttpResponse:
    actor = _actor(request)
    _require_admin(actor)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.restore_word(actor=actor, word=word_id)
        else:
            services.archive_word(actor=actor, word=word_id)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("领域词已恢复，检索索引将在后台重建。")
            if restore
            else _("领域词已归档，检索索引将在后台重建。"),
        )
    return redirect("search:vocabulary")


@login_required
@require_POST
def synonym_archive(request: HttpRequest, group_id: int) -> HttpResponse:
    actor = _actor(request)
    _require_admin(actor)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.restore_synonym_group(actor=actor, group=group_id)
        else:
            services.archive_synonym_group(actor=actor, group=group_id)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("同义词组已恢复，检索索引将在后台重建。")
            if restore
            else _("同义词组已归档，检索索引将在后台重建。"),
        )
    return redirect("search:vocabulary")
