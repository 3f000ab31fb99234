"""Platform-wide records: the audit trail, and the archive fields every domain record shares."""

import contextlib
import datetime as dt

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Archivable(models.Model):
    """Records are archived instead of deleted; archived ones stay retrievable."""

    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def _labelled(value: object, choices: dict[object, object]) -> object:
    """A stored value as a person reads it: a choice's label, a list joined with 、, 是/否."""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        # A recorded date-time (ISO, UTC): shown in local time to the minute.
        with contextlib.suppress(ValueError):
            moment = dt.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return choices.get(value, value) if isinstance(value, str) else value


def _is_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class AuditEntry(models.Model):
    """One recorded change: who did what to which record, when, with the old and new values."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", pgettext_lazy("audit action", "修改")
        TRANSITION = "transition", _("状态变更")
        ARCHIVE = "archive", _("归档")
        RESTORE = "restore", _("恢复")
        IMPORT = "import", _("导入")
        VALUES = "indicator_values", _("填报数值")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("对象类型"), max_length=50)
    target_id = models.CharField(_("对象编号"), max_length=40)
    target_label = models.CharField(_("对象"), max_length=200)
    # The pair a change belongs to, so the pair page can show its whole history in one query.
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    # Notes and labels the platform writes itself are stored untranslated (gettext_noop) and
    # translated when shown; what people typed passes through unchanged.
    @property
    def note_display(self) -> str:
        return gettext(self.note) if self.note else ""

    @property
    def target_display(self) -> str:
        return gettext(self.target_label)

    @property
    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field label, old, new) for display, with the model's own field names."""
        try:
            model = apps.get_model(self.target_type)
        except (LookupError, ValueError):
            model = None
        # A model may record changes under names that are not its fields (a report's values by
        # indicator code); it names them itself, all at once.
        named: dict[str, str] = {}
        if model is not None and hasattr(model, "audit_labels"):
            named = model.audit_labels([n for n in self.changes if not _is_field(model, n)])
        rows = []
        for name, values in self.changes.items():
            label: object = named.get(name, name)
            choices: dict[object, object] = {}
            if model is not None and name not in named:
                with contextlib.suppress(FieldDoesNotExist):
                    field = model._meta.get_field(name)
                    # Reverse relations have no verbose name of their own: use the other side's.
                    label = getattr(field, "verbose_name", None) or (
                        field.related_model._meta.verbose_name_plural
                    )
                    choices = dict(getattr(field, "flatchoices", None) or [])
            old, new = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
            rows.append((str(label), _labelled(old, choices), _labelled(new, choices)))
        return rows
