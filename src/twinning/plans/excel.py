"""The division-of-labour table as an Excel workbook: export, and an all-or-nothing import.

Officials download the table, fill it in offline and upload it again. Columns are matched by
their header text (Chinese or English), so they may be reordered or dropped; 编号 identifies an
existing row and a row without one is a new task. One bad cell stops the whole import, and every
bad cell in the file is reported with its row and column.
"""

import datetime as dt
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, DomainError, Forbidden, Invalid
from twinning.core.permissions import require
from twinning.core.spreadsheets import (
    CellProblem,
    is_blank,
    list_validation,
    put_cell,
    write_header,
    write_instructions,
)
from twinning.core.spreadsheets import SpreadsheetInvalid as SpreadsheetInvalid
from twinning.core.uploads import SPREADSHEET_KINDS, check_upload
from twinning.pairings.models import Body
from twinning.plans import permissions as perms
from twinning.plans import queries, tasks
from twinning.plans.models import Plan, ResponsibleSide, Task
from twinning.plans.services import require_editable


@dataclass(frozen=True)
class Column:
    """One column of the table: the task field it shows and the Chinese msgid of its header."""

    key: str
    header: str
    width: int
    read_only: bool = False

    @property
    def label(self) -> str:
        return _(self.header)


COLUMNS: tuple[Column, ...] = (
    Column("number", gettext_noop("编号"), 8),
    Column("parent", gettext_noop("上级编号"), 10),
    Column("title", gettext_noop("任务"), 40),
    Column("topic", gettext_noop("协作内容"), 14),
    Column("phase", gettext_noop("阶段"), 14),
    Column("side", gettext_noop("责任方"), 11),
    Column("body", gettext_noop("责任机构"), 16),
    Column("owner", gettext_noop("负责人"), 12),
    Column("co_owners", gettext_noop("协同人"), 18),
    Column("start_date", gettext_noop("开始日期"), 12),
    Column("due_date", gettext_noop("完成时限"), 12),
    Column("status", gettext_noop("状态"), 10),
    Column("progress", gettext_noop("进度（%）"), 9, read_only=True),
    Column("weight", gettext_noop("权重"), 7),
    Column("deliverable", gettext_noop("成果形式"), 24),
    Column("evidence_required", gettext_noop("完成须上传佐证"), 10),
    Column("completed_on", gettext_noop("完成日期"), 12),
    Column("overdue", gettext_noop("逾期"), 7, read_only=True),
    Column("notes", gettext_noop("备注"), 30),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
DATE_KEYS = frozenset({"start_date", "due_date", "completed_on"})
# References whose current value is compared by id.
REFERENCE_KEYS = frozenset({"parent", "topic", "phase", "body", "owner"})
# Blank in these columns leaves an existing row as it is (a new row gets the default).
DEFAULTED_KEYS = frozenset({"side", "status", "weight", "evidence_required"})
HEADER_LANGUAGES = ("zh-hans", "en")
DATE_FORMAT = "yyyy-mm-dd"
MAX_WEIGHT = 32767
# The problem+json answer lists at most this many errors; `cells` keeps them all.

LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")
DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
YES_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
NO_WORDS = frozenset({"否", "n", "no", "false", "0", "×"})


# ---------------------------------------------------------------- export


def _person(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _ordered_tasks(plan: Plan) -> list[Task]:
    """Live rows by position and number, each sub-task right after its parent."""
    rows = list(
        plan.tasks.filter(archived_at__isnull=True)
        .select_related("owner", "phase", "topic", "body", "parent")
        .prefetch_related("co_owners")
        .order_by("position", "number")
    )
    children: dict[int, list[Task]] = defaultdict(list)
    ordered: list[Task] = []
    for task in rows:
        if task.parent_id is None:
            ordered.append(task)
        else:
            children[task.parent_id].append(task)
    result: list[Task] = []
    for task in ordered:
        result.append(task)
        result.extend(children.pop(task.pk, []))
    for orphans in children.values():  # a parent archived under a live sub-task
        result.extend(orphans)
    return result


def _task_values(task: Task, today: dt.date) -> dict[str, Any]:
    return {
        "number": task.number,
        "parent": task.parent.number if task.parent is not None else None,
        "title": task.title,
        "topic": task.topic.name if task.topic is not None else None,
        "phase": task.phase.name if task.phase is not None else None,
        "side": task.get_side_display(),
        "body": task.body.name if task.body is not None else None,
        "owner": _person(task.owner),
        "co_owners": "、".join(sorted(_person(u) for u in task.co_owners.all())),
        "start_date": task.start_date,
        "due_date": task.due_date,
        "status": task.get_status_display(),
        "progress": task.progress,
        "weight": task.weight,
        "deliverable": task.deliverable,
        "evidence_required": _("是") if task.evidence_required else _("否"),
        "completed_on": task.completed_on,
        "overdue": _("是") if task.is_overdue(today) else None,
        "notes": task.notes,
    }


def _choice_labels(choices: type[models.TextChoices]) -> list[str]:
    return [str(label) for label in choices.labels]


def _write_table(sheet: Any, plan: Plan) -> None:
    today = timezone.localdate()
    write_header(sheet, [(c.label, c.width, c.read_only) for c in COLUMNS])
    rows = _ordered_tasks(plan)
    for row_number, task in enumerate(rows, start=2):
        values = _task_values(task, today)
        for index, column in enumerate(COLUMNS, start=1):
            cell = put_cell(sheet, row_number, index, values[column.key])
            if column.key in DATE_KEYS:
                cell.number_format = DATE_FORMAT
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    list_validation(sheet, _choice_labels(ResponsibleSide), letters["side"])
    list_validation(sheet, _choice_labels(Task.Status), letters["status"])
    list_validation(sheet, [_("是"), _("否")], letters["evidence_required"])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"


def _write_instructions(sheet: Any, plan: Plan) -> None:
    read_only = "、".join(c.label for c in COLUMNS if c.read_only)
    lines: list[tuple[str, str]] = [
        (_("工作方案"), plan.title),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("", ""),
        (_("填写说明"), ""),
        (
            "1",
            _(
                "第一行是表头，请勿修改表头文字；列的顺序可以调整，"
                "不需要的列可以删除，但须保留“任务”列。"
            ),
        ),
        (
            "2",
            _(
                "“编号”标识已有任务，请勿修改。新增任务时在表格下方添加一行，"
                "“编号”留空，系统自动编号。"
            ),
        ),
        ("3", _("只读列（导入时忽略）：%(columns)s。") % {"columns": read_only}),
        ("4", _("日期请填写为 2025-03-31、2025/3/31 或 2025年3月31日。")),
        ("5", _("负责人、协同人填写姓名或用户名；多位协同人用“、”分隔。")),
        ("6", _("“上级编号”填写一级任务的编号，表示本行是它的子任务。")),
        (
            "7",
            _(
                "方案提交后内容即冻结：只能更新状态、完成日期、备注、负责人和协同人；"
                "如需修改其他内容，请先修订方案。"
            ),
        ),
        (
            "8",
            _(
                "已有任务的“责任方”“状态”“权重”“完成须上传佐证”留空表示不修改"
                "（新增任务取默认值）；其他列留空表示清空该项。"
            ),
        ),
        ("9", _("导入时只要有一处错误，就不做任何修改，并列出所有出错的行和列。")),
        ("", ""),
        (_("可填写的值"), ""),
        (_("责任方"), "、".join(_choice_labels(ResponsibleSide))),
        (_("状态"), "、".join(_choice_labels(Task.Status))),
        (_("完成须上传佐证"), f"{_('是')}、{_('否')}"),
        (
            _("阶段"),
            "、".join(plan.phases.filter(archived_at__isnull=True).values_list("name", flat=True)),
        ),
        (_("协作内容"), "、".join(queries.live_topics().values_list("name", flat=True))),
        (
            _("责任机构"),
            "、".join(
                Body.objects.filter(pairing=plan.pairing, archived_at__isnull=True).values_list(
                    "name", flat=True
                )
            ),
        ),
    ]
    write_instructions(sheet, lines)


def _sheet_title(text: str) -> str:
    return re.sub(r"[\\*?:/\[\]]", " ", text)[:31]


def tasks_workbook(plan: Plan) -> bytes:
    """The plan's division-of-labour table (header in row 1) and a sheet of instructions."""
    workbook = Workbook()
    table = workbook.active
    table.title = _sheet_title(_("任务分解表"))
    _write_table(table, plan)
    _write_instructions(workbook.create_sheet(_sheet_title(_("说明"))), plan)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- import: results and errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class CellError:
    """One bad cell: the sheet, the Excel row number, the column letter and its header."""

    sheet: str
    row: int
    column: str
    header: str
    message: str

    def __str__(self) -> str:
        if not self.header:
            return _("第 %(row)s 行：%(message)s") % {"row": self.row, "message": self.message}
        return _("第 %(row)s 行 %(column)s 列（%(header)s）：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
        }


# ---------------------------------------------------------------- import: reading cells


def _key(text: str) -> str:
    """Text compared loosely: full-width forms folded, case and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    return str(value).replace("\r\n", "\n").strip()


def _date(value: Any) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = DATE_TEXT.match(unicodedata.normalize("NFKC", _text(value)))
    if match is None:
        raise CellProblem(_("日期格式不正确，请填写如 2025-03-31 的日期。"))
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem(_("日期“%(value)s”不存在。") % {"value": _text(value)}) from None


def _positive_int(value: Any, message: str, limit: int | None = None) -> int:
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        number = int(text) if text.isascii() and text.isdigit() else None
    if number is None or number < 1 or (limit is not None and number > limit):
        raise CellProblem(message)
    return number


def _yes_no_words() -> dict[str, bool]:
    words = dict.fromkeys(YES_WORDS, True) | dict.fromkeys(NO_WORDS, False)
    for language in HEADER_LANGUAGES:
        with translation.override(language):
            words.setdefault(_key(_("是")), True)
            words.setdefault(_key(_("否")), False)
    return words


def _bool(value: Any, words: dict[str, bool]) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = _key(_text(value))
    if word not in words:
        raise CellProblem(_("请填写“是”或“否”。"))
    return words[word]


def _translations(msgid: str) -> set[str]:
    names = {_key(msgid)}
    for language in HEADER_LANGUAGES:
        with translation.override(language):
            names.add(_key(_(msgid)))
    return names


def _choice_map(choices: type[models.TextChoices]) -> dict[str, str]:
    """Label (in either language) or raw value → value."""
    mapping: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        mapping[_key(value)] = value
        for language in HEADER_LANGUAGES:
            with translation.override(language):
                mapping[_key(str(label))] = value
    return mapping


def _header_keys() -> dict[str, str]:
    """Header text (in either language) → column key."""
    names: dict[str, str] = {}
    for column in COLUMNS:
        for name in _translations(column.header):
            names.setdefault(name, column.key)
    return names


@dataclass(frozen=True)
class _Sheet:
    title: str
    rows: list[tuple[Any, ...]]


def _read_first_sheet(stream: IO[bytes]) -> _Sheet:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        message = _("无法读取该 Excel 文件，请确认它是未损坏的 .xlsx 文件。")
        raise Invalid(message, code="unreadable_file", fields={"file": [message]}) from exc
    try:
        if not workbook.worksheets:
            message = _("文件中没有工作表。")
            raise Invalid(message, code="empty_file", fields={"file": [message]})
        sheet = workbook.worksheets[0]
        # The stored dimensions may be wrong; read what is really there.
        sheet.reset_dimensions()
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        return _Sheet(title=str(sheet.title), rows=rows)
    except Invalid:
        raise
    except Exception as exc:
        message = _("无法读取该 Excel 文件，请确认它是未损坏的 .xlsx 文件。")
        raise Invalid(message, code="unreadable_file", fields={"file": [message]}) from exc
    finally:
        workbook.close()


# ---------------------------------------------------------------- import: rows


@dataclass
class _Row:
    line: int  # the Excel row number
    task: Task | None
    values: dict[str, Any]


def _group(items: Iterable[Any], *names: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        for key in {_key(str(getattr(item, name))) for name in names if getattr(item, name)}:
            grouped[key].append(item)
    return grouped


class _Importer:
    """Parses the sheet against the plan's current rows, then writes the rows one by one."""

    def __init__(self, actor: User, plan: Plan) -> None:
        self.actor = actor
        self.plan = plan
        self.sheet = _Sheet(title="", rows=[])
        self.errors: list[tuple[int, int, CellError]] = []
        self.columns: dict[str, int] = {}  # column key → 0-based index
        self.headers: dict[str, str] = {}  # column key → header text as written
        self.tasks = {
            t.number: t
            for t in plan.tasks.filter(archived_at__isnull=True)
            .select_related("owner", "phase", "topic", "body", "parent")
            .prefetch_related("co_owners")
        }
        for task in self.tasks.values():
            task.plan = plan
        self.phases = _group(plan.phases.filter(archived_at__isnull=True), "name")
        self.topics = _group(queries.live_topics(), "code", "name")
        self.bodies = _group(
            Body.objects.filter(pairing=plan.pairing, archived_at__isnull=True), "name"
        )
        users = list(tasks.plan_users(plan))
        self.usernames = _group(users, "username")
        self.full_names = _group(users, "full_name")
        self.statuses = _choice_map(Task.Status)
        self.sides = _choice_map(ResponsibleSide)
        self.yes_no = _yes_no_words()
        self.can_write = perms.can_write_plans(actor, plan.pairing)
        self.frozen: Conflict | None = None
        try:
            require_editable(plan)
        except Conflict as exc:
            self.frozen = exc

    def may_import(self) -> bool:
        """Plan writers, and people who may track at least one of its rows."""
        return self.can_write or any(perms.can_track(self.actor, t) for t in self.tasks.values())

    # ---- errors

    def add_error(self, line: int, index: int, message: str) -> None:
        first = self.sheet.rows[0] if self.sheet.rows else ()
        header = _text(first[index]) if index < len(first) else ""
        error = CellError(
            sheet=self.sheet.title,
            row=line,
            column=get_column_letter(index + 1),
            header=header,
            message=message,
        )
        self.errors.append((line, index, error))

    def row_error(self, line: int, message: str) -> None:
        """An error about a row (or the sheet) rather than one cell."""
        self.errors.append((line, 0, CellError(self.sheet.title, line, "A", "", message)))

    def cell_error(self, line: int, key: str, message: str) -> None:
        self.add_error(line, self.columns[key], message)

    def sorted_errors(self) -> list[CellError]:
        return [e for _line, _index, e in sorted(self.errors, key=lambda t: (t[0], t[1]))]

    # ---- header

    def read_header(self) -> bool:
        if not any(not is_blank(v) for row in self.sheet.rows for v in row):
            self.row_error(1, _("工作表是空的。"))
            return False
        names = _header_keys()
        for index, value in enumerate(self.sheet.rows[0]):
            key = names.get(_key(_text(value))) if not is_blank(value) else None
            if key is None:
                continue  # a column of the official's own: ignored
            if key in self.columns:
                self.add_error(1, index, _("“%(header)s”列重复。") % {"header": _text(value)})
                continue
            self.columns[key] = index
            self.headers[key] = _text(value)
        if "title" not in self.columns:
            self.row_error(1, _("缺少“%(header)s”列；表头须在第 1 行。") % {"header": _("任务")})
        return not self.errors

    # ---- cells

    def _users(self, text: str, current: set[int]) -> User:
        key = _key(text)
        candidates = self.usernames.get(key) or self.full_names.get(key) or []
        if len(candidates) > 1:
            # Several people share the name: the one already on the task is meant.
            candidates = [u for u in candidates if u.pk in current] or candidates
        if not candidates:
            raise CellProblem(_("“%(name)s”不是该结对双方的用户。") % {"name": text})
        if len(candidates) > 1:
            raise CellProblem(_("有多位用户的姓名为“%(name)s”，请改填用户名。") % {"name": text})
        user: User = candidates[0]
        return user

    def _one(self, groups: dict[str, list[Any]], text: str, missing: str, many: str) -> Any:
        found = groups.get(_key(text), [])
        if not found:
            raise CellProblem(missing % {"name": text})
        if len(found) > 1:
            raise CellProblem(many % {"name": text})
        return found[0]

    def parse(self, key: str, value: Any, task: Task | None) -> Any:
        """The cell as a value for `tasks.write_rows` (None for a blank cell)."""
        if key in DATE_KEYS:
            return _date(value)
        if key == "evidence_required":
            return _bool(value, self.yes_no)
        if is_blank(value):
            return [] if key == "co_owners" else ("" if key in {"deliverable", "notes"} else None)
        text = _text(value)
        if key in {"title", "deliverable", "notes"}:
            return text
        if key == "weight":
            return _positive_int(value, _("权重须为正整数。"), MAX_WEIGHT)
        if key == "parent":
            number = _positive_int(value, _("上级编号须为正整数。"))
            if number not in self.tasks:
                raise CellProblem(_("该方案中没有编号为 %(n)s 的任务。") % {"n": number})
            return self.tasks[number]
        if key in {"status", "side"}:
            mapping = self.statuses if key == "status" else self.sides
            if _key(text) not in mapping:
                labels = _choice_labels(Task.Status if key == "status" else ResponsibleSide)
                raise CellProblem(
                    _("“%(value)s”不是可选的值；可填：%(choices)s。")
                    % {"value": text, "choices": "、".join(labels)}
                )
            return mapping[_key(text)]
        if key == "topic":
            return self._one(
                self.topics,
                text,
                _("协作内容“%(name)s”不存在。"),
                _("有多项协作内容名为“%(name)s”。"),
            )
        if key == "phase":
            return self._one(
                self.phases,
                text,
                _("该方案中没有名为“%(name)s”的阶段。"),
                _("该方案中有多个名为“%(name)s”的阶段。"),
            )
        if key == "body":
            return self._one(
                self.bodies,
                text,
                _("该结对中没有名为“%(name)s”的责任机构。"),
                _("该结对中有多个名为“%(name)s”的责任机构。"),
            )
        if key == "owner":
            return self._users(text, {task.owner_id} if task and task.owner_id else set())
        if key == "co_owners":
            current = {u.pk for u in task.co_owners.all()} if task else set()
            people: dict[int, User] = {}
            for name in LIST_SEPARATORS.split(text):
                if name.strip():
                    user = self._users(name.strip(), current)
                    people.setdefault(user.pk, user)
            return list(people.values())
        raise AssertionError(key)  # pragma: no cover

    @staticmethod
    def _same(task: Task, key: str, value: Any) -> bool:
        if key == "co_owners":
            return {u.pk for u in value} == {u.pk for u in task.co_owners.all()}
        if key in REFERENCE_KEYS:
            return bool((value.pk if value is not None else None) == getattr(task, f"{key}_id"))
        current = getattr(task, key)
        if isinstance(current, str) and isinstance(value, str):
            return current.replace("\r\n", "\n").strip() == value
        return bool(current == value)

    def read_row(self, line: int, cells: tuple[Any, ...], seen: dict[int, int]) -> _Row | None:
        def cell(key: str) -> Any:
            index = self.columns[key]
            return cells[index] if index < len(cells) else None

        task: Task | None = None
        ok = True
        if "number" in self.columns and not is_blank(cell("number")):
            try:
                number = _positive_int(cell("number"), _("编号须为正整数。"))
                if number in seen:
                    raise CellProblem(
                        _("编号 %(n)s 与第 %(row)s 行重复。") % {"n": number, "row": seen[number]}
                    )
                seen[number] = line
                if number not in self.tasks:
                    raise CellProblem(_("该方案中没有编号为 %(n)s 的任务。") % {"n": number})
                task = self.tasks[number]
            except CellProblem as problem:
                self.cell_error(line, "number", problem.message)
                ok = False
        creating = ok and task is None
        parsed: dict[str, Any] = {}
        for key in self.columns:
            if key == "number" or COLUMN_BY_KEY[key].read_only:
                continue
            try:
                parsed[key] = self.parse(key, cell(key), task)
            except CellProblem as problem:
                self.cell_error(line, key, problem.message)
                ok = False
        if "title" in parsed and not parsed["title"] and (creating or task is not None):
            self.cell_error(line, "title", _("任务名称不能为空。"))
            ok = False
        if not ok:
            return None
        values: dict[str, Any] = {}
        for key, value in parsed.items():
            if key in DEFAULTED_KEYS and value is None:
                continue
            if creating:
                if value not in (None, "", []):
                    values[key] = value
            elif task is not None and not self._same(task, key, value):
                values[key] = value
        return _Row(line=line, task=task, values=values)

    # ---- writing

    def _blame(self, row: _Row, keys: Iterable[str], message: str) -> None:
        present = [k for k in keys if k in self.columns]
        if not present:
            present = ["title"]
        for key in dict.fromkeys(present):
            self.cell_error(row.line, key, message)

    def _service_error(self, row: _Row, exc: DomainError) -> None:
        if exc.fields:
            for name, messages in exc.fields.items():
                keys = [name] if name in self.columns else list(row.values)
                for message in messages:
                    self._blame(row, keys[:1] or ["title"], message)
            return
        definition = [k for k in row.values if k in tasks.DEFINITION_FIELDS]
        if exc.code == "plan_frozen" or (isinstance(exc, Forbidden) and not self.can_write):
            keys = definition or list(row.values)
        elif exc.code == "plan_not_current":
            keys = [k for k in row.values if k in {"status", "completed_on", "notes"}]
        else:
            keys = list(row.values)
        self._blame(row, sorted(keys, key=lambda k: self.columns.get(k, 0)), exc.message)

    def check_rules(self, row: _Row) -> bool:
        """Refusals known before writing, reported on every cell concerned."""
        if row.task is None and not self.can_write:
            self._blame(row, ["title"], _("只有结对双方的协调员和成员可以编写方案。"))
            return False
        if self.frozen is None:
            return True
        if row.task is None:
            self._blame(row, ["title"], self.frozen.message)
            return False
        # A frozen plan still takes tracking changes: report the others, go on checking these.
        for key in [k for k in row.values if k in tasks.DEFINITION_FIELDS]:
            self._blame(row, [key], self.frozen.message)
            del row.values[key]
        return bool(row.values)

    def write(self, row: _Row) -> tuple[int, int]:
        try:
            with transaction.atomic():
                return tasks.write_rows(self.actor, self.plan, [(row.task, row.values)])
        except (Invalid, Conflict, Forbidden) as exc:
            self._service_error(row, exc)
            return 0, 0


def import_tasks(*, actor: User, plan_id: int, stream: IO[bytes]) -> ImportResult:
    """Create and update the plan's rows from an uploaded workbook: all of it, or nothing.

    Raises `SpreadsheetInvalid` listing every bad cell; nothing is changed then.
    """
    with transaction.atomic():
        plan = queries.get_plan_for(actor, plan_id)
        plan = (
            Plan.objects.select_for_update(of=("self",))
            .select_related("pairing__leading_region", "pairing__partner_region")
            .get(pk=plan.pk)
        )
        importer = _Importer(actor, plan)
        require(importer.may_import(), _("只有结对双方的协调员和成员可以修改任务。"))
        check_upload(stream, SPREADSHEET_KINDS, field="file")
        sheet = importer.sheet = _read_first_sheet(stream)
        if not importer.read_header():
            raise SpreadsheetInvalid(importer.sorted_errors())
        seen: dict[int, int] = {}
        rows: list[_Row] = []
        for line, cells in enumerate(sheet.rows[1:], start=2):
            if all(is_blank(v) for v in cells):
                continue
            row = importer.read_row(line, cells, seen)
            if row is not None:
                rows.append(row)
        if not rows and not importer.errors:
            importer.row_error(2, _("表中没有任务行。"))
        created = updated = unchanged = 0
        for row in rows:
            if row.task is not None and not row.values:
                unchanged += 1
                continue
            if not importer.check_rules(row):
                continue
            made, changed = importer.write(row)
            created += made
            updated += changed
        if importer.errors:
            raise SpreadsheetInvalid(importer.sorted_errors())
        if created or updated:
            audit.record(
                actor=actor,
                action="import",
                target=plan,
                pairing=plan.pairing,
                note=gettext_noop("从 Excel 导入任务"),
                changes={"created": [0, created], "updated": [0, updated]},
            )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
