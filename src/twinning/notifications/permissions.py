"""Who may do what with notifications: everyone keeps their own inbox; a pair's coordinators
(either side) keep its group robots, everyone who sees the pair may look at them."""

from typing import Any

from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing


def can_view_webhooks(user: Any, pairing: Pairing) -> bool:
    return pair_perms.can_view(user, pairing) or pair_perms.is_admin(user)


def can_manage_webhooks(user: Any, pairing: Pairing) -> bool:
    return pair_perms.can_manage(user, pairing)
