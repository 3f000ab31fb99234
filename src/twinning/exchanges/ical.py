"""The personal iCal feed: one all-day VEVENT per exchange the feed's owner may see."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from twinning.exchanges.models import Exchange
from twinning.exchanges.queries import exchanges_between, shift_month

# A year back and two years ahead: enough for a calendar app, bounded for the Ministry.
MONTHS_BACK = 12
MONTHS_AHEAD = 24
UID_DOMAIN = "twinning.exchanges"


def uid_of(exchange: Exchange) -> str:
    """Stable across edits, so calendar apps update the event instead of adding another."""
    return f"exchange-{exchange.pk}@{UID_DOMAIN}"


def _event(exchange: Exchange, base_url: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid_of(exchange))
    event.add("dtstamp", stamp)
    event.add("dtstart", exchange.start_date)
    # All-day events end on the day after (DTEND is exclusive).
    event.add("dtend", exchange.end_date + dt.timedelta(days=1))
    event.add("summary", exchange.title)
    place = _("线上") if exchange.online else exchange.place
    if place:
        event.add("location", place)
    lines = [
        _("结对：%(pair)s") % {"pair": exchange.pairing},
        _("交流方式：%(kind)s") % {"kind": exchange.get_kind_display()},
        _("交流方向：%(direction)s") % {"direction": exchange.get_direction_display()},
        _("状态：%(status)s") % {"status": exchange.get_status_display()},
    ]
    if exchange.summary:
        lines.append(exchange.summary[:500])
    url = f"{base_url}/exchanges/{exchange.pk}/"
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("last-modified", exchange.updated_at)
    event.add(
        "status",
        {
            Exchange.Status.PLANNED: "TENTATIVE",
            Exchange.Status.HELD: "CONFIRMED",
            Exchange.Status.CANCELLED: "CANCELLED",
        }[Exchange.Status(exchange.status)],
    )
    return event


def feed_for(user: Any, base_url: str, today: dt.date | None = None) -> bytes:
    """The .ics text of the exchanges `user` sees, from a year ago to two years ahead."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    start = shift_month(first, -MONTHS_BACK)
    end = shift_month(first, MONTHS_AHEAD + 1) - dt.timedelta(days=1)
    calendar = Calendar()
    calendar.add("prodid", "-//Twinning//Exchanges//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("交流活动"))
    stamp = timezone.now()
    for exchange in exchanges_between(user, start, end):
        calendar.add_component(_event(exchange, base_url.rstrip("/"), stamp))
    data: bytes = calendar.to_ical()
    return data
