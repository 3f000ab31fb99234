"""Keeping the search index in step with the records.

Services call `index_object` inside the transaction that changed a record, so the index changes
(or is rolled back) with it. `reindex` rebuilds whole kinds in batches (`twinning reindex`, and
after a dictionary change): entries are bulk-inserted, their topics too, and the backend's words
written with one `executemany` per batch.
"""

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from twinning.search import segment
from twinning.search.backends import IndexRow, chunks, get_backend
from twinning.search.models import IndexState, SearchEntry, SourceKind
from twinning.search.sources import SOURCES, EntryData

BATCH_SIZE = 500
Topics = SearchEntry.topics.through


def _year(data: EntryData) -> int | None:
    return data.dated.year if data.dated else None


def _entry(kind: str, object_id: int, data: EntryData) -> SearchEntry:
    return SearchEntry(
        kind=kind,
        object_id=object_id,
        title=data.title[:300],
        body=data.body,
        url=data.url[:300],
        subkind=data.subkind,
        region_id=data.region_id,
        year=_year(data),
        dated=data.dated,
        indexed_at=timezone.now(),
        visibility=data.visibility,
        pairing_id=data.pairing_id,
    )


def _row(entry_id: int, data: EntryData) -> IndexRow:
    return IndexRow(
        entry_id=entry_id,
        title_tokens=segment.index_tokens(data.title),
        body_tokens=segment.index_tokens(data.body),
    )


def _check_kind(kind: str) -> str:
    if kind not in SOURCES:
        raise ValueError(f"Unknown search kind {kind!r}")
    return str(SourceKind(kind).value)


def remove(kind: str, object_id: int) -> None:
    """Take a record out of the index (archived, deleted)."""
    kind = _check_kind(kind)
    ids = list(
        SearchEntry.objects.filter(kind=kind, object_id=object_id).values_list("pk", flat=True)
    )
    _delete_entries(ids)


def changed() -> None:
    """Mark the index as changed (see IndexState); called by every write below."""
    token = uuid.uuid4().hex
    if not IndexState.objects.filter(pk=1).update(token=token):
        IndexState.objects.create(pk=1, token=token)


def _delete_entries(ids: list[int]) -> None:
    if not ids:
        return
    changed()
    get_backend().delete(ids)
    for part in chunks(ids):
        Topics.objects.filter(searchentry_id__in=part).delete()
        SearchEntry.objects.filter(pk__in=part)._raw_delete(SearchEntry.objects.db)


@transaction.atomic
def index_object(kind: str, object_id: int) -> None:
    """Add or refresh one record's entry, or remove it when the record is archived or gone."""
    index_many(kind, [object_id])


@transaction.atomic
def index_many(kind: str, ids: Iterable[int]) -> int:
    """Index the given records of one kind (those archived or gone are removed); returns how
    many are in the index now."""
    kind = _check_kind(kind)
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return 0
    segment.ensure_current()
    indexed = 0
    for part in chunks(wanted, BATCH_SIZE):
        objects = list(SOURCES[kind].live_queryset().filter(pk__in=part))
        found = {o.pk for o in objects}
        gone = [i for i in part if i not in found]
        if gone:
            stale = SearchEntry.objects.filter(kind=kind, object_id__in=gone)
            _delete_entries(list(stale.values_list("pk", flat=True)))
        indexed += _write(kind, objects)
    return indexed


def _write(kind: str, objects: list[Any]) -> int:
    """Replace the entries of `objects` (all live, one kind) with fresh ones."""
    if not objects:
        return 0
    source = SOURCES[kind]
    data = {o.pk: source.entry(o) for o in objects}
    # Entries of these records are replaced, not updated: one bulk insert, no per-row UPDATE.
    stale = list(
        SearchEntry.objects.filter(kind=kind, object_id__in=list(data)).values_list("pk", flat=True)
    )
    _delete_entries(stale)
    entries = [_entry(kind, object_id, item) for object_id, item in data.items()]
    SearchEntry.objects.bulk_create(entries)
    Topics.objects.bulk_create(
        [
            Topics(searchentry_id=e.pk, topic_id=topic_id)
            for e in entries
            for topic_id in dict.fromkeys(data[e.object_id].topic_ids)
        ]
    )
    get_backend().replace([_row(e.pk, data[e.object_id]) for e in entries])
    changed()
    return len(entries)


def reindex(
    kinds: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the index of the given kinds (all by default) from the live records; returns the
    number of entries written. `progress(done, total)` is called after every batch."""
    chosen = [_check_kind(k) for k in (kinds or list(SOURCES))]
    segment.ensure_current()
    done = 0
    with transaction.atomic():
        if set(chosen) == set(SOURCES):
            # Everything goes: also any words left behind by entries deleted elsewhere.
            get_backend().clear()
            changed()
            Topics.objects.all()._raw_delete(Topics.objects.db)
            SearchEntry.objects.all()._raw_delete(SearchEntry.objects.db)
        for kind in chosen:
            ids = list(SearchEntry.objects.filter(kind=kind).values_list("pk", flat=True))
            _delete_entries(ids)
        totals = {k: SOURCES[k].live_queryset().order_by().count() for k in chosen}
        total = sum(totals.values())
        if progress:
            progress(0, total)
        for kind in chosen:
            last = 0
            while True:
                objects = list(
                    SOURCES[kind].live_queryset().filter(pk__gt=last).order_by("pk")[:BATCH_SIZE]
                )
                if not objects:
                    break
                last = objects[-1].pk
                done += _write(kind, objects)
                if progress:
                    progress(done, total)
        get_backend().refreshed()
    return done
