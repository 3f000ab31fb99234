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
    HEALTH_RED = "health_red", _("结对健康度转为红色")
    NOTICE_ISSUED = "notice_issued", _("收到督办通知")
    NOTICE_UPDATED = "notice_updated", _("督办事项有新进展")
    NOTICE_DUE = "notice_due", _("督办事项即将到期")
    NOTICE_OVERDUE = "notice_overdue", _("督办事项已逾期")
    NOTICE_ESCALATED = "notice_escalated", _("督办事项已升级")
    EVALUATION_OPENED = "evaluation_opened", _("阶段评估已开始")
    EVALUATION_PUBLISHED = "evaluation_published", _("阶段评估结果已发布")
    APPEAL_DECIDED = "appeal_decided", _("评估申诉已有决定")
    BULLETIN_RELEASED = "bulletin_released", _("工作简报已印发")
