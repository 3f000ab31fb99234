"""`twinning bulletin`: count a period's figures, draft the bulletin and write it to a file.

    twinning bulletin --period 2021H1 --scope national -o bulletin.docx
    twinning bulletin --period 2021Q3 --scope province:410000 -o henan.xlsx
    twinning bulletin --period 2021 --scope pair:12 --as henan_coordinator --save -o pair.pdf

Without --as the command runs as the platform's operator and sees every record; with --as it
sees what that user sees (a scope outside it is refused). --save also stores the bulletin as a
draft in the user's name (so --save needs --as). Nothing is written when the input is bad: the
message goes to stderr and the exit code is not 0.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from twinning.accounts.models import User
from twinning.bulletins import charts, export, services
from twinning.bulletins.builder import BulletinScope
from twinning.bulletins.models import Bulletin, Scope
from twinning.core.errors import DomainError

FORMATS = ("docx", "pdf", "xlsx")


def parse_scope(text: str) -> tuple[str, str | None, int | None]:
    """ "national", "province:410000" or "pair:12" → (kind, region code, pair id)."""
    kind, _colon, value = (text or "").strip().partition(":")
    if kind == Scope.NATIONAL and not value:
        return kind, None, None
    if kind == Scope.PROVINCE and value.isdigit():
        return kind, value, None
    if kind == Scope.PAIR and value.isdigit():
        return kind, None, int(value)
    raise CommandError(
        _("范围“%(scope)s”无效，应为 national、province:<省级区划代码> 或 pair:<结对编号>。")
        % {"scope": text}
    )


class Command(BaseCommand):
    help = "Draft a bulletin (工作简报) for a period and scope and write it as docx, pdf or xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2021, 2021H1, 2021Q3 or 2021-05")
        parser.add_argument(
            "--scope", default="national", help="national | province:<code> | pair:<id>"
        )
        parser.add_argument("--output", "-o", required=True, help="The file to write")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file's extension")
        parser.add_argument("--as", dest="username", help="Draft as this user (their scope)")
        parser.add_argument("--save", action="store_true", help="Also store it as a draft")
        parser.add_argument("--number", help="期号 (default: the next number of the year)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(options["language"])
        output = Path(options["output"])
        fmt = options["format"] or output.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(
                _("无法从文件名判断导出格式，请用 --format 指定 docx、pdf 或 xlsx。")
            )
        kind, region, pairing = parse_scope(options["scope"])
        user = self._user(options["username"])
        if options["save"] and user is None:
            raise CommandError(_("--save 需要用 --as 指定起草人。"))
        try:
            bulletin = self._bulletin(user, kind, region, pairing, options)
            data = export.export(bulletin, fmt)
        except DomainError as exc:
            details = [m for messages in exc.fields.values() for m in messages if m != exc.message]
            raise CommandError("；".join([exc.message, *details])) from exc
        except charts.NoCjkFont as exc:
            raise CommandError(str(exc)) from exc
        if data is None:
            raise CommandError(_("无法导出 PDF：未安装 LibreOffice 或转换失败，请导出 docx。"))
        output.write_bytes(data)
        saved = _("，已保存为草稿（编号 %(id)s）") % {"id": bulletin.pk} if bulletin.pk else ""
        self.stdout.write(
            _("已写入 %(path)s（%(size)s 字节）%(saved)s。")
            % {"path": output, "size": len(data), "saved": saved}
        )

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("用户“%(name)s”不存在或已停用。") % {"name": username})
        return user

    def _bulletin(
        self,
        user: User | None,
        kind: str,
        region: str | None,
        pairing: int | None,
        options: dict[str, Any],
    ) -> Bulletin:
        if options["save"]:
            return services.draft(
                actor=user,
                scope=kind,
                region=region,
                pairing=pairing,
                period_code=options["period"],
                number=options["number"],
            )
        scope = (
            services.resolve_scope(user, kind, region, pairing)
            if user is not None
            else self._operator_scope(kind, region, pairing)
        )
        period = services.period_for(options["period"])
        figures, sections = services.compose(scope, period)
        now = timezone.now()
        # Not stored: the exporters only read it.
        return Bulletin(
            number=options["number"] or services.next_number(scope, period),
            title=services.default_title(scope, period),
            period_code=period.code,
            period_start=period.start,
            period_end=period.end,
            scope=scope.kind,
            region=scope.region,
            pairing=scope.pairing,
            figures=figures,
            sections=sections,
            generated_at=now,
            created_at=now,
            updated_at=now,
        )

    def _operator_scope(self, kind: str, region: str | None, pairing: int | None) -> BulletinScope:
        """The scope as the platform's operator sees it: every record."""
        operator = type("Operator", (), {"is_authenticated": True, "sees_everything": True})()
        return services.resolve_scope(operator, kind, region, pairing)
