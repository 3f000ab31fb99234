"""The vocabulary services: platform admins only, validated, audited, effective at once."""

from typing import Any

import pytest

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.search import queries, services
from twinning.search.models import DictionaryWord, SearchEntry, SynonymGroup
from twinning.search.segment import index_token_list, parse_query
from twinning.search.tests.conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["supervisor", "tianjin", "henan_expert", "jiangxi"])
def test_only_platform_admins_change_the_vocabulary(
    persona: str, request: pytest.FixtureRequest, admin_user: Any
) -> None:
    actor = request.getfixturevalue(persona)
    word = DictionaryWord.objects.get(word="撤桶并点")
    group = SynonymGroup.objects.order_by("id").first()
    assert group is not None
    with pytest.raises(Forbidden):
        services.add_word(actor=actor, word="垃圾屋")
    with pytest.raises(Forbidden):
        services.archive_word(actor=actor, word=word)
    with pytest.raises(Forbidden):
        services.add_synonym_group(actor=actor, words="垃圾房 垃圾屋")
    with pytest.raises(Forbidden):
        services.archive_synonym_group(actor=actor, group=group)
    assert not DictionaryWord.objects.filter(word="垃圾屋").exists()


def test_adding_a_word_is_audited_and_used_at_once(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert "渗沥液导排" not in index_token_list("渗沥液导排系统")
    with django_capture_on_commit_callbacks(execute=True):
        word = services.add_word(actor=admin_user, word=" 渗沥液导排 ", note="填埋场术语")
    assert word.word == "渗沥液导排" and word.created_by == admin_user
    assert "渗沥液导排" in index_token_list("渗沥液导排系统")
    entry = AuditEntry.objects.get(target_type="search.dictionaryword", target_id=str(word.pk))
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == admin_user

    with django_capture_on_commit_callbacks(execute=True):
        services.archive_word(actor=admin_user, word=word.pk)
    word.refresh_from_db()
    assert word.archived_at is not None and word.archived_by == admin_user
    assert "渗沥液导排" not in index_token_list("渗沥液导排系统")
    with pytest.raises(Conflict) as caught:
        services.add_word(actor=admin_user, word="渗沥液导排")
    assert caught.value.code == "duplicate"
    services.restore_word(actor=admin_user, word=word)
    word.refresh_from_db()
    assert word.archived_at is None
    actions = list(
        AuditEntry.objects.filter(target_type="search.dictionaryword", target_id=str(word.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "archive", "restore"]


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("垃" * 31, "too_long"),
        ("撤桶 并点", "bad_word"),
        ("撤桶，并点", "bad_word"),
        ("a_b", "bad_word"),
        ("<script>", "bad_word"),
    ],
)
def test_bad_words_are_refused(admin_user: Any, word: str, code: str) -> None:
    before = DictionaryWord.objects.count()
    with pytest.raises(Invalid) as caught:
        services.add_word(actor=admin_user, word=word)
    assert caught.value.code == code
    assert "word" in caught.value.fields
    assert DictionaryWord.objects.count() == before


def test_a_duplicate_word_is_a_conflict(admin_user: Any) -> None:
    with pytest.raises(Conflict):
        services.add_word(actor=admin_user, word="撤桶并点")
    with pytest.raises(NotFound):
        services.archive_word(actor=admin_user, word=987_654)


def test_a_synonym_group_finds_texts_with_the_other_word(
    admin_user: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_document("小区清洁屋改造方案", "对老旧小区清洁屋进行改造。")
    assert queries.search(supervisor, "垃圾房").total == 0
    indexed_before = SearchEntry.objects.get(title="小区清洁屋改造方案").indexed_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        group = services.add_synonym_group(actor=admin_user, words="垃圾房，清洁屋 垃圾房")
    assert group.words == "垃圾房 清洁屋"
    assert len(callbacks) >= 2  # the vocabulary reload and the reindex
    # The whole index was rebuilt after the commit (the immediate task backend in tests).
    assert SearchEntry.objects.get(title="小区清洁屋改造方案").indexed_at > indexed_before
    page = queries.search(supervisor, "垃圾房")
    assert [h.title for h in page.hits] == ["小区清洁屋改造方案"]
    assert "<mark>清洁屋</mark>" in page.hits[0].snippet
    assert AuditEntry.objects.filter(
        target_type="search.synonymgroup", target_id=str(group.pk), action="create"
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.archive_synonym_group(actor=admin_user, group=group)
    assert queries.search(supervisor, "垃圾房").total == 0
    assert "清洁屋" not in parse_query("垃圾房").words
    with django_capture_on_commit_callbacks(execute=True):
        services.restore_synonym_group(actor=admin_user, group=group.pk)
    assert queries.search(supervisor, "垃圾房").total == 1


@pytest.mark.parametrize(
    ("words", "code"),
    [
        ("垃圾房", "too_few_words"),
        ("垃圾房 垃圾房", "too_few_words"),
        ("", "too_few_words"),
        ("垃圾房 垃圾.屋", "bad_word"),
        ("垃圾房 " + "屋" * 31, "too_long"),
    ],
)
def test_bad_synonym_groups_are_refused(admin_user: Any, words: str, code: str) -> None:
    before = SynonymGroup.objects.count()
    with pytest.raises(Invalid) as caught:
        services.add_synonym_group(actor=admin_user, words=words)
    assert caught.value.code == code
    assert SynonymGroup.objects.count() == before


def test_a_duplicate_synonym_group_is_a_conflict(admin_user: Any) -> None:
    with pytest.raises(Conflict):
        services.add_synonym_group(actor=admin_user, words=["厨余垃圾", "湿垃圾", "易腐垃圾"])
