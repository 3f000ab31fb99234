"""Demo bulletins (load-demo): the national bulletin for 2021H1, released, and a draft of the
current quarter's, both drafted through the services by the demo Ministry account.

They count whatever records the database holds when the demo is loaded (run it after the other
apps' demo data). Their titles say "演示数据" so nobody mistakes them for real bulletins. Safe to
run twice: an existing demo bulletin of the same period is kept, not duplicated.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from twinning.accounts.models import User
from twinning.bulletins import services
from twinning.bulletins.models import Bulletin, Scope
from twinning.bulletins.periods import current_quarter

DEMO_MARK = "（演示数据）"
DEMO_ACCOUNT = "demo-ministry"
RELEASED_PERIOD = "2021H1"


@dataclass
class DemoBulletinsResult:
    created: int = 0
    existing: int = 0


def _existing(period_code: str) -> Bulletin | None:
    return Bulletin.objects.filter(
        scope=Scope.NATIONAL, period_code=period_code, title__endswith=DEMO_MARK
    ).first()


@transaction.atomic
def load_bulletins_demo() -> DemoBulletinsResult:
    """The two demo bulletins; nothing when the demo Ministry account does not exist."""
    result = DemoBulletinsResult()
    ministry = User.objects.filter(username=DEMO_ACCOUNT).first()
    if ministry is None:
        return result
    for period_code, release in (
        (RELEASED_PERIOD, True),
        (current_quarter(timezone.localdate()), False),
    ):
        if _existing(period_code) is not None:
            result.existing += 1
            continue
        period = services.period_for(period_code)
        scope = services.resolve_scope(ministry, Scope.NATIONAL)
        bulletin = services.draft(
            actor=ministry,
            scope=Scope.NATIONAL,
            period_code=period_code,
            title=services.default_title(scope, period) + DEMO_MARK,
        )
        if release:
            services.release(actor=ministry, bulletin=bulletin)
        result.created += 1
    return result
