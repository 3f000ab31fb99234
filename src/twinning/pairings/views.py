"""HTML pages of the pairing registry: thin views over queries and services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from twinning.core.errors import Conflict
from twinning.core.forms import submit
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import require
from twinning.knowledge.queries import featured_cases
from twinning.pairings import export, queries, services
from twinning.pairings import permissions as perms
from twinning.pairings.forms import (
    BodyEditForm,
    BodyForm,
    ContactForm,
    MemberForm,
    NewContactForm,
    NoteForm,
    PairingEditForm,
    ProposeForm,
    TransitionForm,
)
from twinning.pairings.models import Contact, Pairing, Side
from twinning.regions.models import Region
from twinning.regions.queries import province_choices

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Any:
    return request.user


def _filters(request: HttpRequest) -> queries.PairingFilters:
    get = request.GET
    return queries.PairingFilters(
        province=get.get("province") or None,
        level=get.get("level") or None,
        status=get.get("status") or None,
        q=get.get("q") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or queries.DEFAULT_SORT,
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    data = queries.overview_for(_actor(request))
    context = {
        "overview": data,
        "status_rows": [(s.label, data.by_status.get(s.value, 0), s.value) for s in Pairing.Status],
        "level_rows": [
            (lv.label, n, lv.value) for lv in Pairing.Level if (n := data.by_level.get(lv.value, 0))
        ],
        "map_lines": data.map_lines,
        "featured_cases": featured_cases(_actor(request)),
    }
    return render(request, "pairings/overview.html", context)


@login_required
def pairing_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    pairings = queries.list_pairings_for(_actor(request), filters)
    if request.GET.get("format") == "xlsx":
        return export.pairings_workbook_response(pairings)
    page = page_of(pairings, request.GET.get("page"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "sort_query": query_without(request, "sort", "page"),
        "provinces": province_choices(),
        # Row links are built from this prefix: reversing a URL for each of 50 rows was a
        # noticeable part of the page's time.
        "list_url": reverse("pairings:list"),
        "levels": Pairing.Level.choices,
        "statuses": Pairing.Status.choices,
        "can_propose": perms.can_propose(_actor(request)),
    }
    template = "pairings/_list_results.html" if request.htmx else "pairings/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _region_options() -> QuerySet[Region]:
    return Region.objects.exclude(level=Region.Level.COUNTY).only("code", "name")


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_propose(actor), _("只有协调员和部级督导可以提议结对。"))
    parents = queries.list_pairings_for(actor, queries.PairingFilters(top_level_only=True))
    form = ProposeForm(request.POST or None, parents=parents)
    pairing = submit(
        request,
        form,
        lambda d: services.propose_pairing(
            actor=actor,
            leading_code=d["leading"],
            partner_code=d["partner"],
            parent_id=d["parent"].pk if d["parent"] else None,
            focus_city_codes=d["focus_cities"],
            established_on=d["established_on"],
            notes=d["notes"],
        ),
    )
    if pairing is not None:
        messages.success(
            request,
            _("已提议结对，等待对方确认。")
            if pairing.status == Pairing.Status.PROPOSED
            else _("结对已生效。"),
        )
        return redirect("pairings:detail", pairing_id=pairing.pk)
    return render(
        request, "pairings/propose.html", {"form": form, "region_options": _region_options()}
    )


@login_required
def detail(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    pairing = queries.get_pairing_detail_for(actor, pairing_id)
    show_details = perms.can_see_contact_details(actor, pairing)
    sides = []
    for side in (Side.LEADING, Side.PARTNER):
        bodies = [b for b in pairing.bodies.all() if b.side == side]
        contacts = [c for c in pairing.contacts.all() if c.side == side]
        sides.append(
            {
                "side": side,
                "label": Side(side).label,
                "region": pairing.region_of(side),
                "accepted_at": pairing.accepted_at(side),
                "bodies": [b for b in bodies if not b.is_archived],
                "archived_bodies": [b for b in bodies if b.is_archived],
                "contacts": [c for c in contacts if not c.is_archived],
                "archived_contacts": [c for c in contacts if c.is_archived],
                "can_edit": perms.can_edit_side(actor, pairing, side),
            }
        )
    waiting = {s for s in (Side.LEADING, Side.PARTNER) if pairing.accepted_at(s) is None}
    context = {
        "pairing": pairing,
        "sides": sides,
        "show_details": show_details,
        "parent_visible": pairing.parent is not None and perms.can_view(actor, pairing.parent),
        "can_respond": pairing.status == Pairing.Status.PROPOSED
        and bool(perms.can_respond(actor, pairing) & waiting),
        "can_transition": perms.can_transition(actor, pairing)
        and pairing.status in services.TRANSITIONS,
        "can_manage": perms.can_manage(actor, pairing),
        "transition_form": TransitionForm(),
        "history": queries.readable_history(actor, queries.history_for(actor, pairing.pk)[:200]),
    }
    return render(request, "pairings/detail.html", context)


def _back(pairing_id: int) -> HttpResponse:
    return redirect("pairings:detail", pairing_id=pairing_id)


def _post_action(request: HttpRequest, pairing_id: int, action: Any, done: str) -> HttpResponse:
    """A lifecycle step with the optional note typed beside its button."""
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _state_change(request, pairing_id, action, done, pairing_id=pairing_id, note=note)


@login_required
@require_POST
def accept(request: HttpRequest, pairing_id: int) -> HttpResponse:
    return _post_action(request, pairing_id, services.accept_pairing, _("已确认结对。"))


@login_required
@require_POST
def decline(request: HttpRequest, pairing_id: int) -> HttpResponse:
    return _post_action(request, pairing_id, services.decline_pairing, _("已谢绝结对。"))


@login_required
@require_POST
def transition(request: HttpRequest, pairing_id: int) -> HttpResponse:
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择有效的状态。"))
        return _back(pairing_id)
    to_status = form.cleaned_data["to_status"]

    def change(*, actor: Any, pairing_id: int, note: str) -> Pairing:
        return services.transition_pairing(
            actor=actor, pairing_id=pairing_id, to_status=to_status, note=note
        )

    return _post_action(request, pairing_id, change, _("状态已变更。"))


@login_required
def edit(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    pairing = queries.get_pairing_detail_for(actor, pairing_id)
    require(perms.can_manage(actor, pairing), _("只有结对双方的协调员可以修改结对信息。"))
    initial = {
        "focus_cities": "、".join(f"{r.code} {r.name}" for r in pairing.focus_cities.all()),
        "established_on": pairing.established_on,
        "source": pairing.source,
        "notes": pairing.notes,
    }
    form = PairingEditForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda d: services.update_pairing(
            actor=actor,
            pairing_id=pairing_id,
            values={
                "established_on": d["established_on"],
                "source": d["source"],
                "notes": d["notes"],
                "focus_city_codes": d["focus_cities"],
            },
        ),
    )
    if done is not None:
        messages.success(request, _("已保存。"))
        return _back(pairing_id)
    return render(
        request,
        "pairings/form.html",
        {"form": form, "pairing": pairing, "title": _("修改结对信息")},
    )


def _state_change(
    request: HttpRequest, back_to: int, change: Any, done: str, **arguments: Any
) -> HttpResponse:
    """Run a one-click change; a rule it breaks comes back as a message on the pair page."""
    try:
        change(actor=_actor(request), **arguments)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(back_to)


@login_required
@require_POST
def archive(request: HttpRequest, pairing_id: int) -> HttpResponse:
    return _state_change(
        request, pairing_id, services.archive_pairing, _("结对已归档。"), pairing_id=pairing_id
    )


@login_required
@require_POST
def restore(request: HttpRequest, pairing_id: int) -> HttpResponse:
    return _state_change(
        request, pairing_id, services.restore_pairing, _("结对已恢复。"), pairing_id=pairing_id
    )


@login_required
def body_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    pairing = queries.get_pairing_for(actor, pairing_id)
    side = request.GET.get("side") or request.POST.get("side") or Side.LEADING
    require(
        perms.can_edit_side(actor, pairing, side), _("只有本方的协调员和成员可以维护本方信息。")
    )
    form = BodyForm(request.POST or None, initial={"side": side})
    body = submit(
        request, form, lambda d: services.create_body(actor=actor, pairing_id=pairing_id, **d)
    )
    if body is not None:
        messages.success(request, _("已添加机构。"))
        return _back(pairing_id)
    return render(
        request,
        "pairings/form.html",
        {"form": form, "pairing": pairing, "title": _("添加领导小组或工作专班")},
    )


@login_required
def body_edit(request: HttpRequest, body_id: int) -> HttpResponse:
    actor = _actor(request)
    body = queries.get_body_for(actor, body_id)
    require(
        perms.can_edit_side(actor, body.pairing, body.side),
        _("只有本方的协调员和成员可以维护本方信息。"),
    )
    form = BodyEditForm(request.POST or None, initial={"name": body.name, "duties": body.duties})
    done = submit(
        request, form, lambda d: services.update_body(actor=actor, body_id=body_id, values=d)
    )
    if done is not None:
        messages.success(request, _("已保存。"))
        return _back(body.pairing_id)
    return render(
        request,
        "pairings/form.html",
        {"form": form, "pairing": body.pairing, "title": _("修改机构")},
    )


@login_required
@require_POST
def body_archive(request: HttpRequest, body_id: int) -> HttpResponse:
    body = queries.get_body_for(_actor(request), body_id)
    return _state_change(
        request, body.pairing_id, services.archive_body, _("机构已归档。"), body_id=body_id
    )


@login_required
@require_POST
def body_restore(request: HttpRequest, body_id: int) -> HttpResponse:
    body = queries.get_body_for(_actor(request), body_id)
    return _state_change(
        request, body.pairing_id, services.restore_body, _("机构已恢复。"), body_id=body_id
    )


@login_required
def member_new(request: HttpRequest, body_id: int) -> HttpResponse:
    actor = _actor(request)
    body = queries.get_body_for(actor, body_id)
    require(
        perms.can_edit_side(actor, body.pairing, body.side),
        _("只有本方的协调员和成员可以维护本方信息。"),
    )
    form = MemberForm(request.POST or None)
    member = submit(
        request, form, lambda d: services.add_member(actor=actor, body_id=body_id, values=d)
    )
    if member is not None:
        messages.success(request, _("已添加成员。"))
        return _back(body.pairing_id)
    title = _("为“%(body)s”添加成员") % {"body": body.name}
    return render(
        request, "pairings/form.html", {"form": form, "pairing": body.pairing, "title": title}
    )


@login_required
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = _actor(request)
    member = queries.get_member_for(actor, member_id)
    pairing = member.body.pairing
    require(
        perms.can_edit_side(actor, pairing, member.body.side),
        _("只有本方的协调员和成员可以维护本方信息。"),
    )
    initial = {name: getattr(member, name) for name in services.MEMBER_FIELDS}
    form = MemberForm(request.POST or None, initial=initial)
    done = submit(
        request, form, lambda d: services.update_member(actor=actor, member_id=member_id, values=d)
    )
    if done is not None:
        messages.success(request, _("已保存。"))
        return _back(pairing.pk)
    return render(
        request, "pairings/form.html", {"form": form, "pairing": pairing, "title": _("修改成员")}
    )


@login_required
@require_POST
def member_archive(request: HttpRequest, member_id: int) -> HttpResponse:
    member = queries.get_member_for(_actor(request), member_id)
    return _state_change(
        request,
        member.body.pairing_id,
        services.archive_member,
        _("成员已归档。"),
        member_id=member_id,
    )


@login_required
@require_POST
def member_restore(request: HttpRequest, member_id: int) -> HttpResponse:
    member = queries.get_member_for(_actor(request), member_id)
    return _state_change(
        request,
        member.body.pairing_id,
        services.restore_member,
        _("成员已恢复。"),
        member_id=member_id,
    )


def _counterparts(pairing: Pairing, side: str) -> QuerySet[Contact]:
    return pairing.contacts.filter(archived_at=None).exclude(side=side)


@login_required
def contact_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    pairing = queries.get_pairing_for(actor, pairing_id)
    side = request.GET.get("side") or request.POST.get("side") or Side.LEADING
    require(
        perms.can_edit_side(actor, pairing, side), _("只有本方的协调员和成员可以维护本方信息。")
    )
    initial = {
        "side": side,
        "region": f"{pairing.region_of(side).code} {pairing.region_of(side).name}"
        if side in Side.values
        else "",
    }
    form = NewContactForm(
        request.POST or None, initial=initial, counterparts=_counterparts(pairing, side)
    )
    contact = submit(
        request,
        form,
        lambda d: services.add_contact(
            actor=actor, pairing_id=pairing_id, side=d["side"], values=form.service_values()
        ),
    )
    if contact is not None:
        messages.success(request, _("已添加联络员。"))
        return _back(pairing_id)
    return render(
        request,
        "pairings/form.html",
        {
            "form": form,
            "pairing": pairing,
            "title": _("添加联络员"),
            "region_options": _region_options(),
        },
    )


@login_required
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = _actor(request)
    contact = queries.get_contact_for(actor, contact_id)
    pairing = contact.pairing
    require(
        perms.can_edit_side(actor, pairing, contact.side),
        _("只有本方的协调员和成员可以维护本方信息。"),
    )
    initial = {
        name: getattr(contact, name)
        for name in ("person_name", "position", "unit", "phone", "email", "counterpart")
    }
    initial["region"] = f"{contact.region.code} {contact.region.name}"
    form = ContactForm(
        request.POST or None, initial=initial, counterparts=_counterparts(pairing, contact.side)
    )
    done = submit(
        request,
        form,
        lambda d: services.update_contact(
            actor=actor, contact_id=contact_id, values=form.service_values()
        ),
    )
    if done is not None:
        messages.success(request, _("已保存。"))
        return _back(pairing.pk)
    return render(
        request,
        "pairings/form.html",
        {
            "form": form,
            "pairing": pairing,
            "title": _("修改联络员"),
            "region_options": _region_options(),
        },
    )


@login_required
@require_POST
def contact_archive(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = queries.get_contact_for(_actor(request), contact_id)
    return _state_change(
        request,
        contact.pairing_id,
        services.archive_contact,
        _("联络员已归档。"),
        contact_id=contact_id,
    )


@login_required
@require_POST
def contact_restore(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = queries.get_contact_for(_actor(request), contact_id)
    return _state_change(
        request,
        contact.pairing_id,
        services.restore_contact,
        _("联络员已恢复。"),
        contact_id=contact_id,
    )
