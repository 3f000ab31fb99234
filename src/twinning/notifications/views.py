"""HTML pages of notifications: the inbox, preferences, and a pair's group robots."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from twinning.core.forms import submit
from twinning.core.pagination import page_of
from twinning.core.permissions import require
from twinning.notifications import queries, services
from twinning.notifications.events import Event
from twinning.notifications.forms import WebhookForm
from twinning.notifications.models import Channel, PairWebhook
from twinning.notifications.permissions import can_manage_webhooks
from twinning.pairings.models import Pairing
from twinning.pairings.queries import get_pairing_for

PAGE_SIZE = 30


def _actor(request: HttpRequest) -> Any:
    return request.user


# ---------------------------------------------------------------- inbox


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    show = "unread" if request.GET.get("show") == "unread" else "all"
    rows = queries.inbox_of(actor, unread_only=show == "unread")
    context = {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "show": show,
        "query": f"show={show}",
    }
    return render(request, "notifications/list.html", context)


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification marks it read and follows its link."""
    notification = services.mark_read(actor=_actor(request), notification_id=notification_id)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=_actor(request))
    messages.success(
        request,
        ngettext("已将 %(n)s 条通知标记为已读。", "已将 %(n)s 条通知标记为已读。", count)
        % {"n": count},
    )
    return redirect("notifications:list")


# ---------------------------------------------------------------- preferences


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        chosen = {
            (event, channel): f"{event}:{channel}" in request.POST
            for event in Event.values
            for channel in Channel.values
        }
        services.set_preferences(actor=actor, choices=chosen)
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:preferences")
    current = queries.preferences_of(actor)
    rows = [
        (
            label,
            [
                (f"{event}:{channel}", channel_label, current[(event, channel)])
                for channel, channel_label in Channel.choices
            ],
        )
        for event, label in Event.choices
    ]
    pairs = (
        Pairing.objects.visible_to(actor).live().select_related("leading_region", "partner_region")
    )
    context = {
        "rows": rows,
        "channels": Channel.choices,
        "has_email": bool(actor.email),
        "managed_pairs": [p for p in pairs if can_manage_webhooks(actor, p)],
    }
    return render(request, "notifications/preferences.html", context)


# ---------------------------------------------------------------- group robots


@login_required
def webhook_list(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    pairing = get_pairing_for(actor, pairing_id)
    can_manage = can_manage_webhooks(actor, pairing)
    form = WebhookForm(request.POST or None)
    if request.method == "POST":
        require(can_manage, _("只有结对双方的协调员可以设置群机器人。"))
    webhook = submit(
        request,
        form,
        lambda d: services.create_webhook(
            actor=actor,
            pairing_id=pairing.pk,
            kind=d["kind"],
            name=d["name"],
            url=d["url"],
            secret=d["secret"],
            events=d["events"],
        ),
    )
    if webhook is not None:
        messages.success(request, _("群机器人已添加，测试消息已发送到群里。"))
        return redirect("notifications:webhooks", pairing_id=pairing.pk)
    archived = request.GET.get("archived") == "1"
    webhooks = list(queries.webhooks_of(actor, pairing.pk, archived=archived))
    log = queries.attempts_of(webhooks)
    context = {
        "pairing": pairing,
        "rows": [(w, log[w.pk]) for w in webhooks],
        "archived": archived,
        "can_manage": can_manage,
        "form": form,
    }
    return render(
        request,
        "notifications/webhooks.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@login_required
def webhook_edit(request: HttpRequest, webhook_id: int) -> HttpResponse:
    actor = _actor(request)
    webhook = queries.get_webhook_for(actor, webhook_id)
    require(
        can_manage_webhooks(actor, webhook.pairing),
        _("只有结对双方的协调员可以设置群机器人。"),
    )
    initial = {"name": webhook.name, "kind": webhook.kind, "events": webhook.events}
    form = WebhookForm(request.POST or None, initial=initial, editing=webhook)
    saved = submit(
        request,
        form,
        lambda d: services.update_webhook(actor=actor, webhook_id=webhook.pk, values=_edited(d)),
    )
    if saved is not None:
        messages.success(request, _("群机器人已保存。"))
        return redirect("notifications:webhooks", pairing_id=webhook.pairing_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "notifications/webhook_form.html",
        {"form": form, "webhook": webhook, "pairing": webhook.pairing},
        status=status,
    )


def _edited(data: dict[str, Any]) -> dict[str, Any]:
    """Blank address or secret fields keep the current values."""
    values: dict[str, Any] = {"name": data["name"], "kind": data["kind"], "events": data["events"]}
    if data.get("url"):
        values["url"] = data["url"]
    if data.get("clear_secret"):
        values["secret"] = ""
    elif data.get("secret"):
        values["secret"] = data["secret"]
    return values


@login_required
@require_POST
def webhook_archive(request: HttpRequest, webhook_id: int, archived: bool) -> HttpResponse:
    webhook: PairWebhook = services.archive_webhook(
        actor=_actor(request), webhook_id=webhook_id, archived=archived
    )
    messages.success(request, _("群机器人已归档。") if archived else _("群机器人已恢复。"))
    return redirect("notifications:webhooks", pairing_id=webhook.pairing_id)
