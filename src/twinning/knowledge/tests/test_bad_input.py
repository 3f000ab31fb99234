"""Bad uploads through the services: a clear message, nothing half stored, no server error.

After every refusal the counts of documents, versions, audit entries and stored files are the
same as before."""

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from twinning.core.errors import Invalid
from twinning.knowledge import services
from twinning.knowledge.models import Document
from twinning.knowledge.tests import files
from twinning.knowledge.tests.factories import make_document, state

pytestmark = pytest.mark.django_db


def _create(actor: Any, data: bytes, name: str) -> Document:
    return services.create_document(
        actor, file=files.upload(data, name), name=name, title="测试文档", visibility="programme"
    )


@pytest.mark.parametrize("label", sorted(files.bad_uploads()))
def test_bad_upload_is_refused_and_nothing_is_stored(henan: Any, label: str) -> None:
    data, name, code = files.bad_uploads()[label]
    before = state()
    with pytest.raises(Invalid) as exc:
        _create(henan, data, name)
    assert exc.value.code == code
    assert "file" in exc.value.fields
    assert state() == before


@pytest.mark.parametrize("label", sorted(files.bad_uploads()))
def test_bad_new_version_is_refused_and_nothing_changes(henan: Any, label: str) -> None:
    document = make_document(henan)
    data, name, code = files.bad_uploads()[label]
    before = state()
    with pytest.raises(Invalid) as exc:
        services.add_version(henan, document, file=files.upload(data, name), name=name)
    assert exc.value.code == code
    assert state() == before
    document.refresh_from_db()
    assert document.lock_version == 1
    assert [v.number for v in document.versions.all()] == [1]


@override_settings(TWINNING_MAX_UPLOAD_BYTES=1024 * 1024)
def test_file_over_the_size_limit(henan: Any) -> None:
    data = files.long_pdf(100) * 20  # well over 1 MB
    assert len(data) > 1024 * 1024
    before = state()
    with pytest.raises(Invalid) as exc:
        _create(henan, data, "过大.pdf")
    assert exc.value.code == "file_too_large"
    assert "1 MB" in exc.value.message
    assert state() == before


@override_settings(TWINNING_MAX_UPLOAD_BYTES=1024 * 1024)
def test_file_just_under_the_limit_is_accepted(henan: Any) -> None:
    document = _create(henan, files.text("甲" * 300_000), "刚好.txt")
    assert document.versions.get().size == 900_000


def test_empty_file_message(henan: Any) -> None:
    with pytest.raises(Invalid) as exc:
        _create(henan, b"", "空.docx")
    assert exc.value.message == "文件是空的。"


def test_no_file_at_all(henan: Any) -> None:
    before = state()
    with pytest.raises(Invalid) as exc:
        services.create_document(henan, file=None, name="", title="无文件")
    assert exc.value.fields.keys() == {"file"}
    assert state() == before


def test_invalid_metadata_stores_no_file(henan: Any) -> None:
    before = state()
    with pytest.raises(Invalid) as exc:
        services.create_document(
            henan,
            file=files.upload(files.text(), "a.txt"),
            name="a.txt",
            title="日期颠倒",
            issued_on=dt.date(2021, 5, 1),
            effective_on=dt.date(2021, 4, 1),
        )
    assert exc.value.code == "invalid_dates"
    assert state() == before


def test_a_failure_after_storing_removes_the_file(
    henan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If anything fails after the file was written, the transaction rolls back and the file
    is deleted again: no orphan in storage."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "_version_audit", broken)
    before = state()
    with pytest.raises(RuntimeError):
        _create(henan, files.pdf("会被回滚的文件"), "回滚.pdf")
    assert state() == before


def test_a_failed_new_version_removes_its_file(henan: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    document = make_document(henan)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(services, "_index", broken)
    before = state()
    with pytest.raises(RuntimeError):
        services.add_version(henan, document, file=files.upload(files.text("v2"), "b.txt"))
    assert state() == before
