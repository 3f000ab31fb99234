"""Writing regions: the divisions import, all-or-nothing."""

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from twinning.core import audit
from twinning.core.errors import Invalid
from twinning.regions.models import Region
from twinning.regions.queries import PROVINCE_CHOICES_KEY

if TYPE_CHECKING:
    from twinning.accounts.models import User

HEADER = ["code", "name", "level", "parent_code"]
LEVEL_ORDER: dict[str, int] = {
    Region.Level.PROVINCE: 0,
    Region.Level.PREFECTURE: 1,
    Region.Level.COUNTY: 2,
}
CODE_RE = re.compile(r"^\d{6}$")
_PROVINCE_SUFFIXES = ("特别行政区", "省", "市")
_ETHNIC_WORDS = ("壮族", "回族", "维吾尔")


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str
    official: bool = True
    lng: float | None = None
    lat: float | None = None
    line: int = 0  # where the row stands in its file, for error messages


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class RegionImportError(Invalid):
    """A divisions file with bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            ngettext(
                "区划文件有 %(count)d 处错误，未做任何更改。",
                "区划文件有 %(count)d 处错误，未做任何更改。",
                len(errors),
            )
            % {"count": len(errors)},
            code="invalid_regions_file",
        )
        self.errors = errors


def short_name_for(name: str, level: str) -> str:
    """The short name maps and tables use for a province (内蒙古自治区 → 内蒙古)."""
    if level != Region.Level.PROVINCE:
        return name
    short = name.split("自治区")[0] if "自治区" in name else name
    for word in _ETHNIC_WORDS:
        short = short.replace(word, "")
    for suffix in _PROVINCE_SUFFIXES:
        if short.endswith(suffix) and len(short) > len(suffix) + 1:
            return short[: -len(suffix)]
    return short


def parse_divisions_csv(text: str) -> tuple[list[RegionRow], list[RowError]]:
    """Rows of a `code,name,level,parent_code` file and the problems of single rows.

    A wrong header stops at once (RegionImportError); other problems are collected so that one
    run lists every bad row.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        raise RegionImportError(
            [RowError(1, _("表头应为 %(header)s。") % {"header": ",".join(HEADER)})]
        )
    rows: list[RegionRow] = []
    errors: list[RowError] = []
    for line_number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(HEADER):
            errors.append(
                RowError(line_number, _("应有 4 列，实际 %(n)d 列。") % {"n": len(values)})
            )
            continue
        code, name, level, parent_code = (v.strip() for v in values)
        rows.append(
            RegionRow(code=code, name=name, level=level, parent_code=parent_code, line=line_number)
        )
        errors.extend(RowError(line_number, m) for m in _row_problems(rows[-1]))
    return rows, errors


def _row_problems(row: RegionRow) -> list[str]:
    problems: list[str] = []
    if not CODE_RE.match(row.code):
        problems.append(_("区划代码“%(code)s”应为 6 位数字。") % {"code": row.code})
    if not row.name:
        problems.append(_("名称不能为空。"))
    if row.level not in LEVEL_ORDER:
        problems.append(
            _("级别“%(level)s”无效，应为 province、prefecture 或 county。") % {"level": row.level}
        )
    if row.level == Region.Level.PROVINCE and row.parent_code:
        problems.append(_("省级区划不应有上级代码。"))
    if row.level in (Region.Level.PREFECTURE, Region.Level.COUNTY) and not row.parent_code:
        problems.append(_("地级和县级区划必须有上级代码。"))
    return problems


def _check_tree(rows: list[RegionRow], bad_lines: set[int]) -> list[RowError]:
    """Duplicates, and parents that exist neither in the file nor in the database.

    Rows that already have a problem of their own (`bad_lines`) are not judged on their parent.
    """
    errors: list[RowError] = []
    levels = {r.code: r.level for r in rows}
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            errors.append(RowError(row.line, _("区划代码 %(code)s 重复。") % {"code": row.code}))
        seen.add(row.code)
    missing = {r.parent_code for r in rows if r.parent_code and r.parent_code not in levels}
    known = dict(Region.objects.filter(code__in=missing).values_list("code", "level"))
    levels.update(known)
    for row in rows:
        if not row.parent_code or row.line in bad_lines:
            continue
        parent_level = levels.get(row.parent_code)
        if parent_level is None:
            errors.append(
                RowError(
                    row.line,
                    _("上级代码 %(code)s 不存在。") % {"code": row.parent_code},
                )
            )
        elif LEVEL_ORDER.get(parent_level, -1) >= LEVEL_ORDER.get(row.level, 99):
            errors.append(RowError(row.line, _("上级区划的级别应高于本级。")))
    return errors


def import_regions_csv(*, actor: "User | None", text: str) -> ImportResult:
    """Load a divisions file: idempotent, and on any bad row nothing changes."""
    rows, errors = parse_divisions_csv(text)
    errors += _check_tree(rows, {error.line for error in errors})
    if errors:
        raise RegionImportError(sorted(errors, key=lambda e: e.line))
    return upsert_regions(actor=actor, rows=rows)


def _move_descendants(old_path: str, new_path: str, existing: dict[str, Region]) -> None:
    """A region moved under another parent: the paths of everything inside it follow."""
    for child in Region.objects.filter(path__startswith=old_path).exclude(path=old_path):
        child.path = new_path + child.path.removeprefix(old_path)
        child.save(update_fields=["path"])
        if child.code in existing:
            existing[child.code].path = child.path


@transaction.atomic
def upsert_regions(*, actor: "User | None", rows: list[RegionRow]) -> ImportResult:
    """Create or update regions, parents first, and record one import entry."""
    result = ImportResult()
    existing = {r.code: r for r in Region.objects.all()}
    for row in sorted(rows, key=lambda r: (LEVEL_ORDER.get(r.level, 9), r.code)):
        parent = existing.get(row.parent_code) if row.parent_code else None
        values: dict[str, Any] = {
            "name": row.name,
            "short_name": short_name_for(row.name, row.level),
            "level": row.level,
            "parent_id": parent.code if parent else None,
            "path": f"{parent.path if parent else '/'}{row.code}/",
            "official": row.official,
        }
        if row.lng is not None:
            values.update(lng=row.lng, lat=row.lat)
        region = existing.get(row.code)
        if region is None:
            region = Region.objects.create(code=row.code, **values)
            existing[row.code] = region
            result.created += 1
            result.changed_codes.append(row.code)
            continue
        changed = [k for k, v in values.items() if getattr(region, k) != v]
        if not changed:
            result.unchanged += 1
            continue
        old_path = region.path
        for name in changed:
            setattr(region, name, values[name])
        region.save(update_fields=[name.removesuffix("_id") for name in changed])
        if region.path != old_path:
            _move_descendants(old_path, region.path, existing)
        result.updated += 1
        result.changed_codes.append(row.code)
    if result.created or result.updated:
        cache.delete(PROVINCE_CHOICES_KEY)
        audit.record(
            actor=actor,
            action="import",
            target_type="regions.region",
            target_label=gettext_noop("行政区划导入"),
            changes={
                "created": [None, result.created],
                "updated": [None, result.updated],
                "codes": [None, result.changed_codes[:200]],
            },
        )
    return result
