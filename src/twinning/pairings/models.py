"""The pairing registry (结对): pairs of regions, their bodies, members and liaison contacts."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.core.permissions import region_scope_q

if TYPE_CHECKING:
    from twinning.regions.models import Region


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The translated label of a choice value (the value itself if it is not one)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Side(models.TextChoices):
    LEADING = "leading", _("先行方")
    PARTNER = "partner", _("结对方")


class PairingQuerySet(models.QuerySet["Pairing"]):
    def visible_to(self, user: Any) -> "PairingQuerySet":
        """Pairs in which the user's region is, or contains, the leading or partner region."""
        return self.filter(region_scope_q(user, "leading_region", "partner_region"))

    def live(self) -> "PairingQuerySet":
        return self.filter(archived_at__isnull=True)


class Pairing(Archivable):
    """A leading region paired with a partner region, possibly under a parent pair."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        ACTIVE = "active", _("协作中")
        DECLINED = "declined", _("已谢绝")
        SUSPENDED = "suspended", _("已暂停")
        CONCLUDED = "concluded", _("已结束")

    class Level(models.TextChoices):
        PROVINCE_PROVINCE = "province-province", _("省—省")
        PROVINCE_PREFECTURE = "province-prefecture", _("省—市")
        PROVINCE_COUNTY = "province-county", _("省—区县")
        PREFECTURE_PROVINCE = "prefecture-province", _("市—省")
        PREFECTURE_PREFECTURE = "prefecture-prefecture", _("市—市")
        PREFECTURE_COUNTY = "prefecture-county", _("市—区县")
        COUNTY_PROVINCE = "county-province", _("区县—省")
        COUNTY_PREFECTURE = "county-prefecture", _("区县—市")
        COUNTY_COUNTY = "county-county", _("区县—区县")

    LIVE_STATUSES = (Status.PROPOSED, Status.ACTIVE, Status.SUSPENDED)

    leading_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("先行方"),
        on_delete=models.PROTECT,
        related_name="pairings_leading",
    )
    partner_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("结对方"),
        on_delete=models.PROTECT,
        related_name="pairings_partner",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级结对"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("结对层级"), max_length=24, choices=Level.choices, db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    focus_cities = models.ManyToManyField(
        "regions.Region", verbose_name=_("重点城市"), blank=True, related_name="+"
    )
    established_on = models.DateField(_("建立日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提议人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leading_accepted_at = models.DateTimeField(_("先行方确认时间"), null=True, blank=True)
    partner_accepted_at = models.DateTimeField(_("结对方确认时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["leading_region_id", "partner_region_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(leading_region=models.F("partner_region")),
                name="pairing_not_self",
            ),
            models.UniqueConstraint(
                fields=["leading_region", "partner_region"],
                condition=Q(status__in=["proposed", "active", "suspended"], archived_at=None),
                name="pairing_unique_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leading_region.name}—{self.partner_region.name}"

    # Django's generated get_FOO_display rebuilds a hashable copy of the choices, translating
    # every label, on each call; these two are called for every row of every list.
    def get_level_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Level, self.level)

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    def region_of(self, side: str) -> "Region":
        return self.leading_region if side == Side.LEADING else self.partner_region

    def accepted_at(self, side: str) -> Any:
        return self.leading_accepted_at if side == Side.LEADING else self.partner_accepted_at


class PairScopedQuerySet(models.QuerySet[Any]):
    """Records that belong to a pair are visible exactly when their pair is."""

    def visible_to(self, user: Any) -> "PairScopedQuerySet":
        return self.filter(
            region_scope_q(user, "pairing__leading_region", "pairing__partner_region")
        )


class Body(Archivable):
    """One side's leading group (领导小组) or task force (工作专班) for a pair."""

    class Kind(models.TextChoices):
        LEADING_GROUP = "leading_group", _("领导小组")
        TASK_FORCE = "task_force", _("工作专班")

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对"), on_delete=models.PROTECT, related_name="bodies"
    )
    side = models.CharField(_("所属方"), max_length=10, choices=Side.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    duties = models.TextField(_("职责"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PairScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["pairing_id", "side", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "side", "kind"],
                condition=Q(archived_at=None),
                name="body_one_live_per_side_and_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DutyArea(models.TextChoices):
    POLICY = "policy", _("政策法规")
    SOURCE_SORTING = "source_sorting", _("源头投放")
    COLLECTION = "collection", _("收集运输")
    TREATMENT = "treatment", _("末端处理")
    PUBLICITY = "publicity", _("宣传引导")
    COORDINATION = "coordination", _("统筹协调")


class MemberQuerySet(models.QuerySet["Member"]):
    def visible_to(self, user: Any) -> "MemberQuerySet":
        return self.filter(
            region_scope_q(user, "body__pairing__leading_region", "body__pairing__partner_region")
        )


class Member(Archivable):
    """A person on a leading group or task force, with their duty area and tenure."""

    body = models.ForeignKey(
        Body, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="members"
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    body_role = models.CharField(_("机构内职务"), max_length=50, blank=True)
    duty_area = models.CharField(_("分工领域"), max_length=20, choices=DutyArea.choices, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("终止日期"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        ordering = ["body_id", "id"]

    def __str__(self) -> str:
        return self.person_name


class Contact(Archivable):
    """A liaison contact (联络员) of one side at one level, with their counterpart."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对"), on_delete=models.PROTECT, related_name="contacts"
    )
    side = models.CharField(_("所属方"), max_length=10, choices=Side.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("联络员所在的省、市或区县。"),
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    counterpart = models.ForeignKey(
        "self",
        verbose_name=_("对口联络员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PairScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联络员")
        verbose_name_plural = _("联络员")
        ordering = ["pairing_id", "side", "region_id", "id"]

    def __str__(self) -> str:
        return self.person_name
