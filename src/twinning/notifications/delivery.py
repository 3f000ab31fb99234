"""Sending e-mails and group-robot messages, one attempt at a time, every attempt recorded.

A delivery is first tried as soon as the change that caused it is committed (a django-tasks
task). A failure that may pass (no connection, a timeout, a server error, a robot's error code)
is tried again after a wait that doubles each time, up to TWINNING_DELIVERY_ATTEMPTS tries in
all; `deliver_pending` (`twinning deliver-notifications`, run every minute or so) sends whatever
has fallen due. Nothing here raises: what went wrong is recorded on the delivery.

Robots: 企业微信 and 钉钉 group robots take a JSON POST and answer `{"errcode": 0, ...}`; only
an HTTP 2xx answer with errcode 0 counts as sent. Redirects are not followed, and only hosts in
TWINNING_WEBHOOK_ALLOWED_HOSTS are ever contacted.
"""

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from twinning.notifications.models import Delivery, DeliveryAttempt, PairWebhook

logger = logging.getLogger(__name__)

Status = Delivery.Status
Kind = PairWebhook.Kind

# Hosts for a local test robot: plain http allowed, any kind of robot.
TEST_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_BODY_CHARS = 1000
MAX_REPLY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; `retry` says whether trying again may help."""

    ok: bool
    status_code: int | None = None
    error: str = ""
    retry: bool = False


# ---------------------------------------------------------------- addresses


def host_kind(host: str) -> str | None:
    """The kind of robot a host serves, or None for a host of neither family."""
    if host == "weixin.qq.com" or host.endswith(".weixin.qq.com"):
        return Kind.WECOM
    if host == "dingtalk.com" or host.endswith(".dingtalk.com"):
        return Kind.DINGTALK
    return None


def allowed_host(url: str) -> bool:
    """Whether the URL's host is one the platform may contact (the SSRF guard)."""
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host in {h.lower() for h in settings.TWINNING_WEBHOOK_ALLOWED_HOSTS}


def absolute(url: str) -> str:
    """A link inside the platform as a full address (for e-mails and group chats)."""
    if url.startswith("/") and not url.startswith("//"):
        return f"{settings.TWINNING_SITE_URL}{url}"
    return url


def dingtalk_signature(secret: str, timestamp: str) -> str:
    """DingTalk's "加签": base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str) -> str:
    """The DingTalk address with a fresh timestamp and signature appended."""
    timestamp = str(round(time.time() * 1000))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={dingtalk_signature(secret, timestamp)}"


def robot_message(kind: str, title: str, body: str, url: str = "") -> dict[str, Any]:
    """The JSON a robot of `kind` takes: a markdown message with a link to the platform."""
    text = body if len(body) <= MAX_BODY_CHARS else body[: MAX_BODY_CHARS - 1] + "…"
    label = _("查看详情")
    link = f"[{label}]({absolute(url)})" if url else ""
    if kind == Kind.DINGTALK:
        parts = [f"#### {title}", text, link]
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": "\n\n".join(p for p in parts if p)},
        }
    parts = [f"**{title}**", text, link]
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(p for p in parts if p)}}


# ---------------------------------------------------------------- sending


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as an error: it could lead anywhere, past the host check."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _timeout() -> float:
    return float(settings.TWINNING_DELIVERY_TIMEOUT_SECONDS)


def post_json(url: str, payload: dict[str, Any], timeout: float) -> Outcome:
    """POST `payload` to a robot and judge its answer (HTTP 2xx and errcode 0)."""
    request = urllib.request.Request(  # noqa: S310 (the scheme and host were checked)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    timed_out = _("连接超时（%(seconds)s 秒内没有回复）。") % {"seconds": f"{timeout:g}"}
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status: int = response.status
            reply = response.read(MAX_REPLY_BYTES)
    except urllib.error.HTTPError as exc:
        return Outcome(
            False, exc.code, _("服务器返回 HTTP %(code)s。") % {"code": exc.code}, exc.code >= 500
        )
    except TimeoutError:
        return Outcome(False, None, timed_out, retry=True)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return Outcome(False, None, timed_out, retry=True)
        return Outcome(False, None, _("无法连接：%(reason)s。") % {"reason": exc.reason}, True)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, None, _("发送失败：%(error)s。") % {"error": exc}, retry=True)
    if not 200 <= status < 300:
        return Outcome(False, status, _("服务器返回 HTTP %(code)s。") % {"code": status})
    try:
        answer = json.loads(reply)
    except ValueError:
        return Outcome(False, status, _("机器人的回复不是有效的 JSON。"), retry=True)
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    if errcode != 0:
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        return Outcome(
            False,
            status,
            _("机器人返回错误 %(code)s：%(message)s") % {"code": errcode, "message": message},
            retry=True,
        )
    return Outcome(True, status)


def send_robot(kind: str, url: str, secret: str, payload: dict[str, Any]) -> Outcome:
    """Send one robot message (signed for DingTalk when the robot has a secret)."""
    if not allowed_host(url):
        return Outcome(False, None, _("该网址不在允许的群机器人地址范围内。"))
    target = signed_url(url, secret) if kind == Kind.DINGTALK and secret else url
    return post_json(target, payload, _timeout())


def check_robot(kind: str, url: str, secret: str) -> Outcome:
    """Send the test message a robot must accept before it is saved."""
    payload = robot_message(
        kind, _("测试消息"), _("“1对1”交流协作平台的群机器人已设置成功，本群将收到结对的通知。")
    )
    try:
        return send_robot(kind, url, secret, payload)
    except Exception as exc:  # anything at all: the answer is "not reachable"
        return Outcome(False, None, str(exc) or exc.__class__.__name__)


def send_email(delivery: Delivery) -> Outcome:
    payload = delivery.payload
    message = EmailMessage(
        subject=delivery.subject,
        body=str(payload.get("body", "")),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
    )
    try:
        message.send()
    except Exception as exc:  # SMTP, DNS, TLS: whatever the mail server does, it may pass
        return Outcome(False, None, _("邮件发送失败：%(error)s") % {"error": exc}, retry=True)
    return Outcome(True)


def _send(delivery: Delivery) -> Outcome:
    if delivery.channel == Delivery.Channel.EMAIL:
        return send_email(delivery)
    webhook = delivery.webhook
    if webhook is None or webhook.is_archived:
        return Outcome(False, None, _("群机器人已归档，不再发送。"))
    return send_robot(webhook.kind, webhook.url, webhook.secret, delivery.payload)


# ---------------------------------------------------------------- attempts and retries


def _record(delivery: Delivery, outcome: Outcome, duration_ms: int) -> None:
    now = timezone.now()
    DeliveryAttempt.objects.create(
        delivery=delivery,
        at=now,
        ok=outcome.ok,
        status_code=outcome.status_code,
        error=outcome.error[:2000],
        duration_ms=duration_ms,
    )
    delivery.attempts += 1
    if outcome.ok:
        delivery.status = Status.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    elif outcome.retry and delivery.attempts < settings.TWINNING_DELIVERY_ATTEMPTS:
        wait = settings.TWINNING_DELIVERY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
        delivery.last_error = outcome.error
    else:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
        delivery.last_error = outcome.error
    delivery.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error"])


def _claimable(rows: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """On PostgreSQL a delivery being sent by one worker is skipped by the others."""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def attempt_due(delivery_id: int) -> Delivery | None:
    """Try a delivery once if it is still pending and due; None if it is not (any more)."""
    with transaction.atomic():
        rows = Delivery.objects.filter(
            pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        delivery = _claimable(rows).select_related("webhook").first()
        if delivery is None:
            return None
        started = time.monotonic()
        try:
            outcome = _send(delivery)
        except Exception as exc:
            logger.exception("Delivery %s failed unexpectedly", delivery_id)
            outcome = Outcome(False, None, str(exc) or exc.__class__.__name__, retry=True)
        _record(delivery, outcome, round((time.monotonic() - started) * 1000))
    return delivery


def deliver(delivery_id: int) -> None:
    """Send a delivery, retrying at once while the wait is nil; later retries are scheduled."""
    try:
        for _attempt in range(max(1, settings.TWINNING_DELIVERY_ATTEMPTS)):
            delivery = attempt_due(delivery_id)
            if delivery is None or delivery.status != Status.PENDING:
                return
            if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
                _retry_later(delivery)
                return
    except Exception:
        logger.exception("Delivery %s could not be processed", delivery_id)


def _retry_later(delivery: Delivery) -> None:
    """A queue that can wait runs the retry on time; otherwise `deliver_pending` picks it up."""
    if send_delivery.get_backend().supports_defer:
        send_delivery.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)


@task()
def send_delivery(delivery_id: int) -> None:
    """The background task: send one delivery."""
    deliver(delivery_id)


@task()
def send_deliveries(delivery_ids: list[int]) -> None:
    """The background task for a batch (a reminder run): each delivery on its own."""
    for delivery_id in delivery_ids:
        deliver(delivery_id)


def enqueue(delivery_ids: list[int]) -> None:
    """Queue the deliveries (called after the commit); a failing queue leaves them pending.

    One delivery is one task; many (a reminder run) are one task for the lot, so a run that
    tells hundreds of people writes one row to the queue, not hundreds."""
    try:
        if len(delivery_ids) == 1:
            send_delivery.enqueue(delivery_ids[0])
        elif delivery_ids:
            send_deliveries.enqueue(list(delivery_ids))
    except Exception:
        logger.exception("Could not queue deliveries %s", delivery_ids)


def deliver_pending(limit: int = 500) -> dict[str, int]:
    """Try every pending delivery that has fallen due, once; safe to run in parallel or twice."""
    due = list(
        Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "failed": 0, "retrying": 0}
    for delivery_id in due:
        try:
            delivery = attempt_due(delivery_id)
        except Exception:
            logger.exception("Delivery %s could not be processed", delivery_id)
            continue
        if delivery is None:
            continue
        key = {Status.SENT: "sent", Status.FAILED: "failed"}.get(delivery.status, "retrying")  # type: ignore[call-overload]
        counts[key] += 1
    return counts
