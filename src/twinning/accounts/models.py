"""Organisations, their users with one role each, and personal API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable


class Organisation(Archivable):
    """The Ministry, a region's competent department, or an expert institution."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("住房和城乡建设部")
        DEPARTMENT = "department", _("主管部门")
        EXPERT_INSTITUTION = "expert_institution", _("专家机构")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", _("部级督导")
    COORDINATOR = "coordinator", _("协调员")
    MEMBER = "member", _("成员")
    EXPERT = "expert", _("专家")
    ADMIN = "admin", _("平台管理员")


class User(AbstractUser):
    """A person using the platform on behalf of one organisation, with one role."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def sees_everything(self) -> bool:
        return self.role in {Role.SUPERVISOR, Role.ADMIN} or self.is_superuser

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def can_edit_content(self) -> bool:
        """Coordinators and members edit their pairs' content; experts and supervisors read."""
        return self.role in {Role.COORDINATOR, Role.MEMBER, Role.ADMIN} or self.is_superuser


class ApiToken(models.Model):
    """A personal API token; only a hash of the secret is kept."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
