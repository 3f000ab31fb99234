"""Loading the exchanges' starting data: the activities the 2021 article reports.

Runs after `plans.programme.load_plans` (the exchanges name its topics) and, like it, is
idempotent: an exchange whose pair already has one of the same title — archived or edited
since — is left alone, so loading again (``make run`` does on every start) never undoes anyone's
work.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_noop

from twinning.core import audit
from twinning.core.validation import clean
from twinning.exchanges import services
from twinning.exchanges.models import Direction, Exchange
from twinning.exchanges.programme_data import EXCHANGES, SOURCE, ExchangeRow
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic


@dataclass
class ExchangesResult:
    created: int = 0
    existing: int = 0
    # Pairs named in EXCHANGES that are not in the database (load_programme not run, or changed).
    pairs_missing: list[str] = field(default_factory=list)


@transaction.atomic
def load_exchanges() -> ExchangesResult:
    """Create the reported exchanges that are missing; keep what is there."""
    result = ExchangesResult()
    pairings: dict[tuple[str, str], Pairing | None] = {}
    for row in EXCHANGES:
        key = (row["leading"], row["partner"])
        if key not in pairings:
            pairings[key] = Pairing.objects.filter(
                leading_region_id=row["leading"], partner_region_id=row["partner"]
            ).first()
        pairing = pairings[key]
        if pairing is None:
            label = "–".join(key)
            if label not in result.pairs_missing:
                result.pairs_missing.append(label)
            continue
        if Exchange.objects.filter(pairing=pairing, title=row["title"]).exists():
            result.existing += 1
            continue
        _create_exchange(pairing, row)
        result.created += 1
    return result


def _create_exchange(pairing: Pairing, row: ExchangeRow) -> Exchange:
    """The exchange as held, with its topics, checked by the same rules as a recorded one.

    Nobody recorded these in the platform: there is no creator and nobody is notified; the
    creation is recorded as the system's.
    """
    exchange = Exchange(
        pairing=pairing,
        kind=row["kind"],
        direction=row["direction"],
        title=row["title"],
        start_date=dt.date.fromisoformat(row["start"]),
        end_date=dt.date.fromisoformat(row["end"]),
        place=row["place"],
        online=row["direction"] == Direction.ONLINE,
        summary=row["summary"],
        agreements=row["agreements"],
        materials=row["materials"],
        status=Exchange.Status.HELD,
        source=SOURCE,
    )
    services._check_rules(exchange, delegate_count=0)
    clean(exchange, exclude=["topics", "created_by", "updated_by", "archived_by"])
    # Archived topics too: an admin retiring a topic must not stop the loading.
    topics = list(Topic.objects.filter(code__in=row["topics"]))
    missing = set(row["topics"]) - {t.code for t in topics}
    if missing:
        raise ValueError(f"exchange {row['title']!r} names unknown topics: {sorted(missing)}")
    exchange.save()
    exchange.topics.set(topics)
    audit.record(
        actor=None,
        action="create",
        target=exchange,
        pairing=pairing,
        changes={k: v for k, v in audit.diff({}, services._snapshot(exchange)).items() if v[1]},
        note=gettext_noop("据2021年进展报道载入"),
    )
    return exchange
