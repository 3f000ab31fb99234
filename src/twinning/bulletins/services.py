"""Writing bulletins: draft (count and write), edit the sections, recount, release, archive.

Every function finds the scope or the bulletin through what the actor may see (else NotFound),
checks the permission (Forbidden), validates (Invalid), writes inside one transaction and
records the change in the audit log. A released bulletin is frozen (Conflict 409
`bulletin_released`); a change based on an older revision is refused (409 `stale_version`).
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.bulletins import builder, drafting, queries
from twinning.bulletins import permissions as perms
from twinning.bulletins.models import Bulletin, Scope
from twinning.bulletins.periods import Period, is_future, parse_period
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import require
from twinning.core.validation import invalid
from twinning.notifications.events import Event
from twinning.notifications.services import notify
from twinning.pairings.models import Pairing
from twinning.regions.models import Region

Action = AuditEntry.Action
MAX_SECTION_CHARS = 20_000


# ---------------------------------------------------------------- the scope


def resolve_scope(
    actor: Any, kind: str, region: Region | str | None = None, pairing: Pairing | int | None = None
) -> builder.BulletinScope:
    """The scope named by `kind` and a province code or pair id, as the actor may see it."""
    if kind not in Scope.values:
        raise invalid("scope", _("范围必须是全国（national）、省级（province）或结对（pair）。"))
    found_region: Region | None = None
    found_pair: Pairing | None = None
    if kind == Scope.PROVINCE:
        code = region.pk if isinstance(region, Region) else (region or "")
        found_region = Region.objects.filter(pk=str(code), level="province").first()
        if found_region is None:
            raise invalid("region", _("请选择一个省级行政区。"))
    elif kind == Scope.PAIR:
        pair_id = pairing.pk if isinstance(pairing, Pairing) else pairing
        found_pair = (
            Pairing.objects.live()
            .select_related("leading_region", "partner_region")
            .filter(pk=int(pair_id or 0))
            .first()
        )
        if found_pair is None:
            raise NotFound(_("结对不存在，或您无权查看。"))
    if not perms.can_see_scope(actor, kind, found_region, found_pair):
        raise NotFound(
            _("结对不存在，或您无权查看。") if kind == Scope.PAIR else _("您无权查看该范围的简报。")
        )
    return builder.BulletinScope(kind, found_region, found_pair)


def period_for(code: str, today: dt.date | None = None) -> Period:
    """The period of `code`; Invalid for a malformed code or one that has not started."""
    period = parse_period(code)
    if is_future(period, today or timezone.localdate()):
        message = _("期间“%(label)s”尚未开始，无法生成简报。") % {"label": period.label}
        raise Invalid(message, code="future_period", fields={"period": [message]})
    return period


def scope_label(scope: builder.BulletinScope) -> str:
    if scope.kind == Scope.PROVINCE and scope.region is not None:
        return str(scope.region.name)
    if scope.kind == Scope.PAIR and scope.pairing is not None:
        return str(scope.pairing)
    return _("全国")


def default_title(scope: builder.BulletinScope, period: Period) -> str:
    """e.g. "2021年上半年河南省生活垃圾分类“1对1”交流协作工作简报"."""
    where = "" if scope.kind == Scope.NATIONAL else scope_label(scope)
    return _("%(period)s%(where)s生活垃圾分类“1对1”交流协作工作简报") % {
        "period": period.label,
        "where": where,
    }


def next_number(scope: builder.BulletinScope, period: Period) -> str:
    """The next issue number of the scope's year, e.g. "2021年第3期"."""
    same = Bulletin.objects.filter(
        scope=scope.kind,
        region=scope.region,
        pairing=scope.pairing,
        period_start__year=period.start.year,
    ).count()
    return _("%(year)s年第%(n)s期") % {"year": period.start.year, "n": same + 1}


def compose(
    scope: builder.BulletinScope, period: Period, today: dt.date | None = None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The figures and the drafted sections, without storing anything (the CLI uses it)."""
    figures = builder.build(scope, period, today=today)
    sections = drafting.draft_sections(
        figures, period_label=period.label, scope_label=scope_label(scope)
    )
    return figures, sections


# ---------------------------------------------------------------- writing


def _check_lock(bulletin: Bulletin, expected: int | None) -> None:
    if expected is None or int(expected) == bulletin.lock_version:
        return
    when = timezone.localtime(bulletin.updated_at).strftime("%Y-%m-%d %H:%M")
    raise Conflict(
        _("保存失败：此简报已于 %(when)s 被他人修改。请刷新页面查看最新内容后再修改。")
        % {"when": when},
        code="stale_version",
    )


def _require_draft(bulletin: Bulletin) -> None:
    if bulletin.status != Bulletin.Status.DRAFT:
        raise Conflict(_("简报已印发，不能再修改。"), code="bulletin_released")
    if bulletin.is_archived:
        raise Conflict(_("简报已归档，请先恢复。"), code="archived")


def _locked(actor: Any, bulletin: Bulletin | int) -> Bulletin:
    """The bulletin as the actor may see it (else NotFound), locked for the transaction."""
    found = queries.get_bulletin(actor, bulletin if isinstance(bulletin, int) else bulletin.pk)
    locked: Bulletin = (
        Bulletin.objects.select_for_update(of=("self",))
        .select_related("region", "pairing__leading_region", "pairing__partner_region")
        .get(pk=found.pk)
    )
    return locked


def _touch(bulletin: Bulletin, actor: Any) -> None:
    bulletin.updated_at = timezone.now()
    bulletin.updated_by = actor
    bulletin.lock_version += 1


def _draft_to_change(
    actor: Any, bulletin: Bulletin | int, lock_version: int | None, refusal: str
) -> Bulletin:
    """The draft locked for a change: the actor may write it (else `refusal`, 403), nobody
    changed it since `lock_version` and it is still a draft (409)."""
    bulletin = _locked(actor, bulletin)
    require(perms.can_write(actor, bulletin), refusal)
    _check_lock(bulletin, lock_version)
    _require_draft(bulletin)
    return bulletin


def _save_update(
    actor: Any, bulletin: Bulletin, changes: dict[str, list[Any]], note: str = ""
) -> Bulletin:
    """Save an edited draft and record what changed."""
    _touch(bulletin, actor)
    bulletin.save()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        target=bulletin,
        pairing=bulletin.pairing,
        changes=changes,
        note=note,
    )
    return bulletin


@transaction.atomic
def draft(
    *,
    actor: Any,
    scope: str,
    region: Region | str | None = None,
    pairing: Pairing | int | None = None,
    period_code: str,
    number: str | None = None,
    title: str | None = None,
    today: dt.date | None = None,
) -> Bulletin:
    """Count the period's figures for the scope and draft the text: a new draft bulletin."""
    found = resolve_scope(actor, scope, region, pairing)
    require(
        perms.can_write_scope(actor, found.kind, found.region, found.pairing),
        _("只有住建部、本省协调员或结对双方协调员可以起草该范围的简报。"),
    )
    period = period_for(period_code, today)
    figures, sections = compose(found, period, today)
    now = timezone.now()
    bulletin = Bulletin.objects.create(
        number=(number or "").strip()[:100] or next_number(found, period),
        title=(title or "").strip()[:200] or default_title(found, period),
        period_code=period.code,
        period_start=period.start,
        period_end=period.end,
        scope=found.kind,
        region=found.region,
        pairing=found.pairing,
        figures=figures,
        sections=sections,
        generated_at=now,
        created_by=actor,
        created_at=now,
        updated_at=now,
        updated_by=actor,
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=bulletin,
        pairing=found.pairing,
        changes={
            "scope": [None, found.kind],
            "period_code": [None, period.code],
            "number": [None, bulletin.number],
        },
    )
    return bulletin


def _clean_sections(current: list[dict[str, Any]], texts: dict[str, str]) -> list[dict[str, Any]]:
    """The sections with the new texts of the keys given; unknown keys are refused."""
    known = {s["key"] for s in current}
    unknown = sorted(set(texts) - known)
    if unknown:
        raise invalid(
            "sections",
            _("未知的简报栏目：%(keys)s。") % {"keys": "、".join(unknown)},
            "unknown_section",
        )
    too_long = [k for k, v in texts.items() if len(v or "") > MAX_SECTION_CHARS]
    if too_long:
        raise invalid(
            "sections",
            _("每个栏目最多 %(n)s 个字。") % {"n": MAX_SECTION_CHARS},
            "section_too_long",
        )
    return [
        {**s, "text": (texts[s["key"]] or "").strip()} if s["key"] in texts else s for s in current
    ]


@transaction.atomic
def update_sections(
    *,
    actor: Any,
    bulletin: Bulletin | int,
    sections: dict[str, str],
    number: str | None = None,
    title: str | None = None,
    lock_version: int | None = None,
) -> Bulletin:
    """Edit a draft's text (by section key), and its number or title."""
    bulletin = _draft_to_change(
        actor, bulletin, lock_version, _("您只能修改本单位负责范围内的简报。")
    )
    before = {s["key"]: s["text"] for s in bulletin.sections}
    bulletin.sections = _clean_sections(bulletin.sections, sections)
    after = {s["key"]: s["text"] for s in bulletin.sections}
    changes = {f"section.{k}": [before[k], after[k]] for k in after if before.get(k) != after[k]}
    _replace_text(bulletin, "title", title, 200, changes)
    _replace_text(bulletin, "number", number, 100, changes)
    if not changes:
        return bulletin
    return _save_update(actor, bulletin, changes)


def _replace_text(
    bulletin: Bulletin, field: str, value: str | None, limit: int, changes: dict[str, list[Any]]
) -> None:
    """Set a text field to `value` (trimmed, cut to `limit`) unless it is empty or the same,
    noting the change."""
    text = (value or "").strip()[:limit]
    if text and text != getattr(bulletin, field):
        changes[field] = [getattr(bulletin, field), text]
        setattr(bulletin, field, text)


def _scope_of(bulletin: Bulletin) -> builder.BulletinScope:
    return builder.BulletinScope(bulletin.scope, bulletin.region, bulletin.pairing)


@transaction.atomic
def refresh_figures(
    *,
    actor: Any,
    bulletin: Bulletin | int,
    redraft: bool = False,
    lock_version: int | None = None,
    today: dt.date | None = None,
) -> Bulletin:
    """Recount a draft's figures from the records as they are now. The edited text stays unless
    `redraft` asks for the text to be drafted again from the new figures."""
    bulletin = _draft_to_change(
        actor, bulletin, lock_version, _("您只能修改本单位负责范围内的简报。")
    )
    period = parse_period(bulletin.period_code)
    figures, sections = compose(_scope_of(bulletin), period, today)
    changes = {
        key: [old.get("value"), figures["numbers"].get(key, {}).get("value")]
        for key, old in bulletin.figures.get("numbers", {}).items()
        if old.get("value") != figures["numbers"].get(key, {}).get("value")
    }
    bulletin.figures = figures
    if redraft:
        bulletin.sections = sections
        changes["sections"] = [None, "redrafted"]
    bulletin.generated_at = timezone.now()
    return _save_update(actor, bulletin, changes, note=gettext_noop("重新统计数据"))


def _audience(bulletin: Bulletin) -> list[User]:
    """Who hears of a release: the coordinators and members of the scope, and the Ministry."""
    people = User.objects.filter(is_active=True).select_related("organisation__region")
    ministry = Q(role__in=[Role.SUPERVISOR])
    if bulletin.scope == Scope.NATIONAL:
        scoped = Q(role__in=[Role.COORDINATOR, Role.MEMBER])
    elif bulletin.scope == Scope.PROVINCE and bulletin.region is not None:
        scoped = Q(
            role__in=[Role.COORDINATOR, Role.MEMBER],
            organisation__region__path__startswith=bulletin.region.path,
        )
    elif bulletin.pairing is not None:
        pairing = bulletin.pairing
        scoped = Q(role__in=[Role.COORDINATOR, Role.MEMBER]) & (
            Q(organisation__region__path__startswith=pairing.leading_region.path)
            | Q(organisation__region__path__startswith=pairing.partner_region.path)
        )
    else:
        scoped = Q(pk__in=[])
    return list(people.filter(ministry | scoped))


@transaction.atomic
def release(*, actor: Any, bulletin: Bulletin | int, lock_version: int | None = None) -> Bulletin:
    """Freeze the bulletin as it stands and tell its readers."""
    bulletin = _draft_to_change(
        actor, bulletin, lock_version, _("您只能印发本单位负责范围内的简报。")
    )
    bulletin.status = Bulletin.Status.RELEASED
    bulletin.released_at = timezone.now()
    bulletin.released_by = actor
    _touch(bulletin, actor)
    bulletin.save()
    audit.record(
        actor=actor,
        action=Action.TRANSITION,
        target=bulletin,
        pairing=bulletin.pairing,
        changes={"status": [Bulletin.Status.DRAFT, Bulletin.Status.RELEASED]},
    )
    released = bulletin
    notify(
        event=Event.BULLETIN_RELEASED,
        pairing=bulletin.pairing,
        recipients=_audience(bulletin),
        can_see=lambda user: perms.can_see(user, released),
        title=_("工作简报已印发：%(title)s") % {"title": bulletin.title},
        body=_("%(number)s《%(title)s》已印发，请查阅。")
        % {"number": bulletin.number, "title": bulletin.title},
        url=reverse("bulletins:detail", args=[bulletin.pk]),
        actor=actor,
    )
    return bulletin


@transaction.atomic
def archive(*, actor: Any, bulletin: Bulletin | int, archived: bool = True) -> Bulletin:
    """Archive (or restore) a bulletin: it leaves the list and stays readable."""
    bulletin = _locked(actor, bulletin)
    require(perms.can_write(actor, bulletin), _("您只能归档本单位负责范围内的简报。"))
    if archived == bulletin.is_archived:
        raise Conflict(
            _("该简报已归档。") if archived else _("该简报未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    bulletin.archived_at, bulletin.archived_by = (
        (timezone.now(), actor) if archived else (None, None)
    )
    _touch(bulletin, actor)
    bulletin.save()
    audit.record(
        actor=actor,
        action=Action.ARCHIVE if archived else Action.RESTORE,
        target=bulletin,
        pairing=bulletin.pairing,
        changes={"archived": [not archived, archived]},
    )
    return bulletin


def restore(*, actor: Any, bulletin: Bulletin | int) -> Bulletin:
    return archive(actor=actor, bulletin=bulletin, archived=False)
