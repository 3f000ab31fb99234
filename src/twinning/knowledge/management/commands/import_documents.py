import logging
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.knowledge import permissions as perms
from twinning.knowledge import services
from twinning.knowledge.models import DocumentKind, DocumentVersion, TextStatus, Visibility
from twinning.pairings.models import Pairing
from twinning.regions.models import Region
from twinning.search.management.progress import ProgressBar


@dataclass(frozen=True)
class Outcome:
    path: str
    ok: bool
    message: str
    document_id: int | None = None


def _files(folder: Path, recursive: bool) -> list[Path]:
    """The folder's files in name order; hidden files and folders are left out."""
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        path
        for path in found
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def _text_status(version: DocumentVersion) -> str:
    label = str(version.get_text_status_display())
    if version.text_status == TextStatus.DONE:
        pages = _("，%(n)s 页") % {"n": version.pages} if version.pages else ""
        return _("%(label)s（%(chars)s 字%(pages)s）") % {
            "label": label,
            "chars": len(version.text),
            "pages": pages,
        }
    if version.text_error:
        return f"{label}：{version.text_error}"
    return label


@contextmanager
def _quiet_tasks() -> Iterator[None]:
    """The immediate task backend logs every extraction it runs; the bar says it already."""
    logger = logging.getLogger("django_tasks")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _width(text: str) -> int:
    """Columns the text takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _reason(exc: DomainError) -> str:
    lines = [exc.message, *(m for ms in exc.fields.values() for m in ms)]
    return " ".join(dict.fromkeys(lines))


class Command(BaseCommand):
    help = (
        "Import every file of a folder into the knowledge base, one document per file (the title "
        "is the file name). Each file is checked like an upload: a bad file is reported with the "
        "reason and leaves nothing stored. The text is read at once for the report. Exits with "
        "status 1 when any file failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="The folder holding the files")
        parser.add_argument("--as", dest="username", required=True, help="Import as this user")
        parser.add_argument(
            "--kind", default=DocumentKind.OTHER, choices=DocumentKind.values, help="Document kind"
        )
        parser.add_argument(
            "--visibility",
            default=Visibility.PROGRAMME,
            choices=Visibility.values,
            help="Who sees the documents (pair needs --pairing)",
        )
        parser.add_argument("--region", help="Region code (default: the user's own region)")
        parser.add_argument("--pairing", type=int, help="Pair id, for --visibility pair")
        parser.add_argument("--recursive", action="store_true", help="Include sub-folders")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]), _quiet_tasks():
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(_("没有名为 %(name)r 的有效用户。") % {"name": options["username"]})
        folder: Path = options["folder"]
        if not folder.is_dir():
            raise CommandError(_("文件夹不存在：%(path)s") % {"path": folder})
        self._check_allowed(user, options)
        files = _files(folder, options["recursive"])
        if not files:
            raise CommandError(_("文件夹中没有文件：%(path)s") % {"path": folder})
        bar = None if options["no_progress"] else ProgressBar(self.stderr, len(files))
        started = time.monotonic()
        outcomes: list[Outcome] = []
        for number, path in enumerate(files, start=1):
            name = str(path.relative_to(folder))
            if bar is not None:
                bar.update(number - 1, name)
            outcomes.append(self._one(user, path, name, options))
        if bar is not None:
            bar.update(len(files))
            bar.close()
        self._report(outcomes, time.monotonic() - started)

    def _check_allowed(self, user: User, options: dict[str, Any]) -> None:
        """Refuse at once what would refuse every file: a reader, an unknown region or pair,
        a region or visibility the user may not give."""
        if not perms.can_contribute(user):
            raise CommandError(
                _("用户 %(name)s 不能向知识库添加文档：只有各地区的协调员、成员和住建部可以。")
                % {"name": user.username}
            )
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(_("未知的地区：%(code)s。") % {"code": options["region"]})
            if not perms.can_write_region(user, region):
                raise CommandError(
                    _("用户 %(name)s 不能为 %(region)s 添加文档。")
                    % {"name": user.username, "region": region.name}
                )
        pairing = None
        if options["pairing"] is not None:
            pairing = Pairing.objects.filter(pk=options["pairing"]).first()
            if pairing is None:
                raise CommandError(_("结对关系 %(id)s 不存在。") % {"id": options["pairing"]})
        if options["visibility"] == Visibility.PAIR and pairing is None:
            raise CommandError(_("可见范围为“结对双方”时，请用 --pairing 指定结对关系。"))
        if not perms.can_set_visibility(user, options["visibility"], pairing):
            raise CommandError(_("用户 %(name)s 不能设置此可见范围。") % {"name": user.username})

    def _one(self, user: User, path: Path, name: str, options: dict[str, Any]) -> Outcome:
        """Store one file as a document (all or nothing) and read its text."""
        try:
            with path.open("rb") as handle:
                document = services.create_document(
                    actor=user,
                    file=File(handle, name=path.name),
                    name=path.name,
                    title=path.stem,
                    kind=options["kind"],
                    region=options["region"],
                    visibility=options["visibility"],
                    pairing=options["pairing"],
                )
        except DomainError as exc:
            return Outcome(name, False, _reason(exc))
        except OSError as exc:
            return Outcome(name, False, _("无法读取文件：%(e)s") % {"e": exc.strerror or exc})
        version = document.versions.get(number=1)
        if version.text_status == TextStatus.PENDING:
            # Not read yet (a queue backend, or still inside a transaction): read it now.
            version = services.run_extraction(version.pk)
        return Outcome(name, True, _text_status(version), document.pk)

    def _report(self, outcomes: list[Outcome], elapsed: float) -> None:
        width = max(_width(o.path) for o in outcomes)
        for outcome in outcomes:
            path = _pad(outcome.path, width)
            if outcome.ok:
                self.stdout.write(f"ok      {path}  #{outcome.document_id}  {outcome.message}")
            else:
                self.stdout.write(f"failed  {path}  {outcome.message}")
        failed = sum(1 for o in outcomes if not o.ok)
        self.stdout.write(
            _("共 %(total)s 个文件：导入 %(ok)s 个，失败 %(failed)s 个，用时 %(s).1f 秒。")
            % {"total": len(outcomes), "ok": len(outcomes) - failed, "failed": failed, "s": elapsed}
        )
        if failed:
            raise CommandError(
                _("%(failed)s 个文件未能导入，见上面的原因。") % {"failed": failed}, returncode=1
            )
