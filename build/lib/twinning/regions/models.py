"""Administrative divisions (行政区划) with their GB/T 2260 codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A province, prefecture-level unit or county, identified by its 6-digit code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("地级")
        COUNTY = "county", _("县级")

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    short_name = models.CharField(_("简称"), max_length=20, blank=True)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/410000/411000/": lets one prefix filter find a region and everything inside it.
    path = models.CharField(_("路径"), max_length=40, unique=True)
    official = models.BooleanField(
        _("官方代码"),
        default=True,
        help_text=_("否：平台自定代码（如新疆生产建设兵团，国标未赋码）。"),
    )
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str:
        return self.path.strip("/").split("/")[0]
