"""Work plans (交流协作工作方案): goals, phases and the division-of-labour table (任务分解表).

A plan belongs to a pair. Revising a plan makes a new version; goals, phases and tasks carry a
`key` that stays the same across versions, so any two versions can be compared item by item.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from twinning.core.models import Archivable
from twinning.core.permissions import region_scope_q
from twinning.pairings.models import choice_label


class Method(models.TextChoices):
    """Cooperation methods (协作方式) named by the programme."""

    INVITE_GUIDANCE = "invite_guidance", _("请过来指导")
    SEND_TO_LEARN = "send_to_learn", _("派过去学习")
    ONLINE_CONSULTATION = "online_consultation", _("线上会诊")
    TRAINING = "training", _("业务培训")
    LECTURE = "lecture", _("专题授课")
    FIELD_RESEARCH = "field_research", _("实地调研")
    TEACHER_EXCHANGE = "teacher_exchange", _("师资互派")
    SHADOWING = "shadowing", _("跟训见学")
    SYMPOSIUM = "symposium", _("座谈交流")
    ONLINE_EXCHANGE = "online_exchange", _("线上交流")
    PEOPLE_TO_PEOPLE = "people_to_people", _("民间交流")


class ResponsibleSide(models.TextChoices):
    LEADING = "leading", _("先行方")
    PARTNER = "partner", _("结对方")
    JOINT = "joint", _("双方共同")


class Topic(Archivable):
    """A cooperation topic (协作内容) from the managed taxonomy."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("协作内容")
        verbose_name_plural = _("协作内容")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: Any) -> "PlanQuerySet":
        return self.filter(
            region_scope_q(user, "pairing__leading_region", "pairing__partner_region")
        )

    def live(self) -> "PlanQuerySet":
        return self.filter(archived_at__isnull=True)

    def current(self) -> "PlanQuerySet":
        """The newest version of each plan (the one people work on)."""
        return self.filter(superseded_at__isnull=True)


class Plan(Archivable):
    """One version of a pair's work plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待双方确认")
        AGREED = "agreed", _("双方已确认，待备案")
        RETURNED = "returned", _("已退回修改")
        FILED = "filed", _("已备案")
        IN_FORCE = "in_force", _("执行中")
        SUPERSEDED = "superseded", _("已被新版本取代")

    # Statuses in which the plan's content may change; afterwards it is frozen.
    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    pairing = models.ForeignKey(
        "pairings.Pairing", verbose_name=_("结对"), on_delete=models.PROTECT, related_name="plans"
    )
    # All versions of one plan share a lineage: the first version's id.
    lineage = models.UUIDField(_("方案标识"), default=uuid.uuid4, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("方案名称"), max_length=200)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    principles = models.TextField(_("工作原则"), blank=True)
    methods = models.JSONField(_("协作方式"), default=list, blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("协作内容"), blank=True, related_name="+")
    background = models.TextField(_("工作目的"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    template = models.ForeignKey(
        "plans.PlanTemplate",
        verbose_name=_("所用模板"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    leading_signed_at = models.DateTimeField(_("先行方确认时间"), null=True, blank=True)
    leading_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("先行方确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner_signed_at = models.DateTimeField(_("结对方确认时间"), null=True, blank=True)
    partner_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结对方确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("备案人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_comment = models.TextField(_("退回意见"), blank=True)
    in_force_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("被取代时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Optimistic locking: every save increments it; a save based on an older number is refused.
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作方案")
        verbose_name_plural = _("工作方案")
        ordering = ["pairing_id", "lineage", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="plan_version_unique"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="plan_period_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES and not self.is_archived

    def method_labels(self) -> list[str]:
        return [choice_label(Method, m) for m in self.methods]

    def signed_at(self, side: str) -> Any:
        return self.leading_signed_at if side == "leading" else self.partner_signed_at


class PlanPart(Archivable):
    """What goals, phases and tasks share: the plan they belong to and a version-stable key."""

    key = models.UUIDField(_("标识"), default=uuid.uuid4, editable=False)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        abstract = True


class Goal(PlanPart):
    """A goal (工作目标); measurable when it names an indicator, unit, target value and date."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("工作方案"), on_delete=models.PROTECT, related_name="goals"
    )
    text = models.TextField(_("目标"))
    indicator = models.CharField(_("指标"), max_length=100, blank=True)
    unit = models.CharField(pgettext_lazy("measure", "单位"), max_length=20, blank=True)
    target_value = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    due_date = models.DateField(_("完成时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作目标")
        verbose_name_plural = _("工作目标")
        ordering = ["plan_id", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_measurable(self) -> bool:
        return bool(self.indicator) and self.target_value is not None


class Phase(PlanPart):
    """A phase of the roadmap (路线图), e.g. 试点阶段 2021–2023."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("工作方案"), on_delete=models.PROTECT, related_name="phases"
    )
    name = models.CharField(_("阶段名称"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    description = models.TextField(_("阶段工作内容"), blank=True)

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["plan_id", "position", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="phase_dates_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: Any) -> "TaskQuerySet":
        return self.filter(
            region_scope_q(user, "plan__pairing__leading_region", "plan__pairing__partner_region")
        )

    def open(self) -> "TaskQuerySet":
        return self.exclude(status__in=Task.CLOSED_STATUSES)

    def overdue(self, today: Any = None) -> "TaskQuerySet":
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Task(PlanPart):
    """One row of the division-of-labour table (任务分解及分工协作一览表)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开始")
        IN_PROGRESS = "in_progress", _("进行中")
        DONE = "done", _("已完成")
        BLOCKED = "blocked", _("受阻")
        CANCELLED = "cancelled", _("已取消")

    CLOSED_STATUSES = (Status.DONE, Status.CANCELLED)
    # Progress follows from the status (nobody types a percentage); sub-tasks roll up instead.
    STATUS_PROGRESS = {
        Status.NOT_STARTED: 0,
        Status.IN_PROGRESS: 50,
        Status.BLOCKED: 50,
        Status.DONE: 100,
        Status.CANCELLED: 0,
    }

    plan = models.ForeignKey(
        Plan, verbose_name=_("工作方案"), on_delete=models.PROTECT, related_name="tasks"
    )
    number = models.PositiveIntegerField(_("编号"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtasks",
    )
    title = models.CharField(_("任务"), max_length=300)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("协作内容"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("阶段"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    side = models.CharField(
        _("责任方"), max_length=10, choices=ResponsibleSide.choices, default=ResponsibleSide.JOINT
    )
    body = models.ForeignKey(
        "pairings.Body",
        verbose_name=_("责任机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tasks",
    )
    co_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("协同人"), blank=True, related_name="co_tasks"
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    deliverable = models.CharField(_("成果形式"), max_length=300, blank=True)
    evidence_required = models.BooleanField(_("完成须上传佐证"), default=False)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # Where a task came from when it was not part of the agreed plan (e.g. an exchange's
    # follow-up); such tasks may join a plan in force, and the comparison shows them as added.
    origin = models.CharField(_("任务来源"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["plan_id", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="task_number_unique"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(due_date__gte=models.F("start_date")),
                name="task_dates_order",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"], name="task_owner_status")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    def get_side_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(ResponsibleSide, self.side)

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    def is_overdue(self, today: Any = None) -> bool:
        return (
            self.due_date is not None
            and not self.is_closed
            and self.due_date < (today or timezone.localdate())
        )


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name is random: the original name is kept in a field, never used on disk.
    return f"plans/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(Archivable):
    """A file proving a task's result (佐证材料)."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["task_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PlanTemplate(Archivable):
    """A starting point for a plan (e.g. 杭州's 八个一); platform admins keep them.

    `phases`, `goals` and `tasks` are lists of small dicts, copied into a new plan:
    phases: {name, offset_years, years, description} (years counted from the plan's start);
    goals: {text}; tasks: {title, phase (index or None), side, topic (code)}.
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("模板名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    principles = models.TextField(_("工作原则"), blank=True)
    methods = models.JSONField(_("协作方式"), default=list, blank=True)
    phases = models.JSONField(_("阶段"), default=list, blank=True)
    goals = models.JSONField(_("工作目标"), default=list, blank=True)
    tasks = models.JSONField(_("任务"), default=list, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("方案模板")
        verbose_name_plural = _("方案模板")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
