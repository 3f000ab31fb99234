"""Changing the search vocabulary: the domain dictionary and the synonym groups.

Platform administrators only; every change is audited. After a change the segmenter reloads its
vocabulary and the whole index is rebuilt in the background (texts are cut differently now)."""

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import require
from twinning.core.validation import invalid
from twinning.search import segment, tasks
from twinning.search.models import DictionaryWord, SynonymGroup

MAX_WORD_CHARS = 30
MAX_GROUP_CHARS = 300
_WORD = re.compile(r"[^\W_]+")
Row = TypeVar("Row", DictionaryWord, SynonymGroup)


def _require_admin(actor: User) -> None:
    require(
        bool(getattr(actor, "is_authenticated", False) and actor.is_platform_admin),
        _("只有平台管理员可以维护检索词典。"),
    )


def _changed() -> None:
    """Reload the vocabulary now and after the commit, and rebuild the index after the commit."""
    segment.reload_vocabulary()
    transaction.on_commit(segment.reload_vocabulary)
    transaction.on_commit(tasks.enqueue_reindex)


def _clean_word(value: str, field: str) -> str:
    word = (value or "").strip()
    if not word:
        raise invalid(field, _("请填写词语。"), code="required")
    if len(word) > MAX_WORD_CHARS:
        raise invalid(
            field,
            _("词语过长：最多 %(max)d 个字。") % {"max": MAX_WORD_CHARS},
            code="too_long",
        )
    if not _WORD.fullmatch(word):
        raise invalid(
            field,
            _("词语“%(word)s”只能由汉字、字母和数字组成，不能有空格或标点。") % {"word": word},
            code="bad_word",
        )
    return word


def _locked_row(model: type[Row], value: Row | int | str, missing: str) -> Row:
    pk: Any = value.pk if isinstance(value, model) else value
    found = model.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(missing)
    return found


def _word_obj(word: DictionaryWord | int | str) -> DictionaryWord:
    return _locked_row(DictionaryWord, word, _("词语不存在。"))


def _group_obj(group: SynonymGroup | int | str) -> SynonymGroup:
    return _locked_row(SynonymGroup, group, _("同义词组不存在。"))


def _set_archived(actor: User, found: DictionaryWord | SynonymGroup, archived: bool) -> None:
    """Archive or restore `found`; nothing happens (and nothing is audited) if it already is."""
    if (found.archived_at is not None) == archived:
        return
    found.archived_at, found.archived_by = (timezone.now(), actor) if archived else (None, None)
    found.save(update_fields=["archived_at", "archived_by"])
    action = AuditEntry.Action.ARCHIVE if archived else AuditEntry.Action.RESTORE
    audit.record(actor=actor, action=action, target=found)
    _changed()


def _record_creation(actor: User, created: DictionaryWord | SynonymGroup, field: str) -> None:
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=created,
        changes={field: [None, getattr(created, field)]},
        note=created.note,
    )
    _changed()


@transaction.atomic
def add_word(actor: User, *, word: str, note: str = "") -> DictionaryWord:
    """Add a word the segmenter keeps whole (撤桶并点)."""
    _require_admin(actor)
    cleaned = _clean_word(word, "word")
    existing = DictionaryWord.objects.filter(word=cleaned).first()
    if existing is not None:
        message = (
            _("词语“%(word)s”已在词典中。")
            if existing.archived_at is None
            else _("词语“%(word)s”已停用，请恢复它。")
        )
        raise Conflict(
            message % {"word": cleaned},
            code="duplicate",
            fields={"word": [message % {"word": cleaned}]},
        )
    created = DictionaryWord.objects.create(
        word=cleaned, note=(note or "").strip()[:200], created_by=actor
    )
    _record_creation(actor, created, "word")
    return created


@transaction.atomic
def archive_word(actor: User, *, word: DictionaryWord | int | str) -> DictionaryWord:
    """Stop using a word (texts are cut without it after the rebuild)."""
    _require_admin(actor)
    found = _word_obj(word)
    _set_archived(actor, found, archived=True)
    return found


@transaction.atomic
def restore_word(actor: User, *, word: DictionaryWord | int | str) -> DictionaryWord:
    _require_admin(actor)
    found = _word_obj(word)
    _set_archived(actor, found, archived=False)
    return found


def _clean_group(words: str | Iterable[str]) -> list[str]:
    if isinstance(words, str):
        items = re.split(r"[\s,，、;；=＝]+", words)
    else:
        items = [w for value in words for w in re.split(r"[\s,，、;；=＝]+", value or "")]
    cleaned = [_clean_word(w, "words") for w in items if w.strip()]
    distinct = list(dict.fromkeys(cleaned))
    if len(distinct) < 2:
        raise invalid("words", _("同义词组至少要有两个不同的词语。"), code="too_few_words")
    if len(" ".join(distinct)) > MAX_GROUP_CHARS:
        raise invalid(
            "words",
            _("同义词组过长：最多 %(max)d 个字。") % {"max": MAX_GROUP_CHARS},
            code="too_long",
        )
    return distinct


@transaction.atomic
def add_synonym_group(actor: User, *, words: str | Iterable[str], note: str = "") -> SynonymGroup:
    """Add words that mean the same thing (湿垃圾 厨余垃圾 易腐垃圾)."""
    _require_admin(actor)
    distinct = _clean_group(words)
    wanted = frozenset(distinct)
    for group in SynonymGroup.objects.filter(archived_at__isnull=True):
        if frozenset(group.word_list) == wanted:
            message = _("这组同义词已经存在。")
            raise Conflict(message, code="duplicate", fields={"words": [message]})
    created = SynonymGroup.objects.create(
        words=" ".join(distinct), note=(note or "").strip()[:200], created_by=actor
    )
    _record_creation(actor, created, "words")
    return created


@transaction.atomic
def archive_synonym_group(actor: User, *, group: SynonymGroup | int | str) -> SynonymGroup:
    _require_admin(actor)
    found = _group_obj(group)
    _set_archived(actor, found, archived=True)
    return found


@transaction.atomic
def restore_synonym_group(actor: User, *, group: SynonymGroup | int | str) -> SynonymGroup:
    _require_admin(actor)
    found = _group_obj(group)
    _set_archived(actor, found, archived=False)
    return found
