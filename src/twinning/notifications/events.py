"""The events people can be told about; each app raises them through `services.notify`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    EXCHANGE_NEW = "exchange_new", _("新的交流活动")
    PROBLEM_NEW = "problem_new", _("新的难题")
    PROBLEM_ASSIGNED = "problem_assigned", _("难题已指派给您")
    ANSWER_NEW = "answer_new", _("难题有了新解答")
    ANSWER_ACCEPTED = "answer_accepted", _("解答被采纳")
    REMINDER = "reminder", _("答复期限提醒")
    ESCALATION = "escalation", _("逾期未答复，已提请部里督办")
    REPORT_DUE = "report_due", _("指标填报即将截止")
    REPORT_MISSING = "report_missing", _("指标填报逾期未报")
