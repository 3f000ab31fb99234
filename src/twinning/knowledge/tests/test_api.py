"""The knowledge base API: documents (multipart uploads, versions, text, downloads), model cases
with their review and adoptions, and compilations with their exports — each happy path and each
refusal (404 outsider, 403 reader, 422 bad file or input with nothing stored, 409 stale)."""

import importlib
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pydantic import BaseModel

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.knowledge import compile as compiling
from twinning.knowledge import schemas as knowledge_schemas
from twinning.knowledge import services
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    CompilationItem,
    Document,
    DocumentVersion,
    ModelCase,
    Visibility,
)
from twinning.knowledge.tests import files
from twinning.pairings.models import Pairing
from twinning.search.models import SearchEntry

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
TEXT = "天津市生活垃圾分类管理条例\n第一条 为了推进撤桶并点工作，制定本条例。\n"


def state() -> dict[str, Any]:
    """Every row a knowledge route can write, the audit trail, the index and the stored files."""
    return {
        "documents": list(Document.objects.order_by("pk").values()),
        "versions": list(DocumentVersion.objects.order_by("pk").values()),
        "cases": list(ModelCase.objects.order_by("pk").values()),
        "adoptions": list(CaseAdoption.objects.order_by("pk").values()),
        "compilations": list(Compilation.objects.order_by("pk").values()),
        "items": list(CompilationItem.objects.order_by("pk").values()),
        "entries": list(SearchEntry.objects.order_by("pk").values("kind", "object_id", "title")),
        "audit": AuditEntry.objects.exclude(target_type="accounts.apitoken").count(),
        "files": stored_files(),
    }


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()}


def txt(name: str = "条例.txt", text: str = TEXT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def make_document(
    actor: User, title: str = "天津市生活垃圾分类管理条例", **fields: Any
) -> Document:
    return services.create_document(
        actor, file=txt(), name="条例.txt", title=title, kind="regulation", **fields
    )


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run the callbacks queued at commit (text extraction) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def document(tianjin: User, django_capture_on_commit_callbacks: Any) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        return make_document(tianjin, issuing_body="天津市人大常委会", number="津人大〔2020〕1号")


@pytest.fixture
def pair_document(tianjin: User, tianjin_henan: Pairing) -> Document:
    return make_document(
        tianjin, title="天津河南结对内部资料", visibility=Visibility.PAIR, pairing=tianjin_henan
    )


@pytest.fixture
def case(henan: User) -> ModelCase:
    return services.create_case(
        henan,
        title="郑州市撤桶并点试点",
        problem="小区垃圾桶过多，混投严重。",
        approach="撤桶并点，定时定点投放。",
        results="分类准确率提高到 85%。",
    )


@pytest.fixture
def nominated(case: ModelCase, henan: User) -> ModelCase:
    return services.nominate_case(henan, case)


def upload(client: Client, file: SimpleUploadedFile, **fields: Any) -> Any:
    return client.post(f"{V1}/documents", {"file": file, **fields})


# ---------------------------------------------------------------- documents


def test_uploading_a_document_stores_version_1_and_reads_its_text(
    api: ClientFor, tianjin: User, on_commit: Callable[[], Any]
) -> None:
    client = api(tianjin)

    with on_commit():
        response = upload(
            client,
            txt(),
            kind="regulation",
            issuing_body="天津市人大常委会",
            number="津人大〔2020〕1号",
            issued_on="2020-12-01",
            topics=["laws_standards", "sorted_disposal"],
            summary="条例全文",
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "条例"  # the file name without its extension
    assert (body["kind"], body["kind_label"]) == ("regulation", "法规规章")
    assert body["region"]["code"] == "120000"  # the uploader's own region by default
    assert body["topics"] == ["laws_standards", "sorted_disposal"]
    assert body["visibility"] == "programme" and body["lock_version"] == 1
    [version] = body["versions"]
    assert (version["number"], version["original_name"], version["extension"]) == (
        1,
        "条例.txt",
        "txt",
    )
    text = client.get(f"{V1}/documents/{body['id']}/text").json()
    assert text["text_status"] == "done" and "撤桶并点" in text["text"]
    assert SearchEntry.objects.filter(kind="document", object_id=body["id"]).exists()


def test_the_title_sent_wins_over_the_file_name(api: ClientFor, tianjin: User) -> None:
    response = upload(api(tianjin), txt(), title="天津市条例", visibility="programme")

    assert response.status_code == 201
    assert response.json()["title"] == "天津市条例"


@pytest.mark.parametrize("label", sorted(files.bad_uploads()))
def test_a_bad_file_is_refused_with_its_code_and_nothing_is_stored(
    label: str, api: ClientFor, tianjin: User
) -> None:
    data, name, code = files.bad_uploads()[label]
    before = state()

    response = upload(api(tianjin), SimpleUploadedFile(name, data), title="坏文件")

    body = assert_problem(response, 422, code)
    assert body["errors"]["file"]
    assert state() == before


def test_an_oversize_file_is_refused_and_nothing_is_stored(
    api: ClientFor, tianjin: User, settings: Any
) -> None:
    settings.TWINNING_MAX_UPLOAD_BYTES = 100
    before = state()

    response = upload(api(tianjin), txt(text="垃圾分类" * 100))

    assert_problem(response, 422, "file_too_large")
    assert state() == before


def test_an_upload_without_a_file_is_refused(api: ClientFor, tianjin: User) -> None:
    before = state()

    response = api(tianjin).post(f"{V1}/documents", {"title": "没有文件"})

    assert_problem(response, 422, "invalid_input")
    assert state() == before


def test_pair_visibility_needs_a_pair(api: ClientFor, tianjin: User) -> None:
    before = state()

    response = upload(api(tianjin), txt(), visibility="pair")

    body = assert_problem(response, 422, "pairing_required")
    assert "pairing" in body["errors"]
    assert state() == before


def test_only_the_ministry_makes_ministry_only_documents(api: ClientFor, tianjin: User) -> None:
    before = state()

    response = upload(api(tianjin), txt(), visibility="ministry")

    assert_problem(response, 403, "forbidden")
    assert state() == before


def test_an_expert_may_not_upload(api: ClientFor, henan_expert: User) -> None:
    before = state()

    response = upload(api(henan_expert), txt())

    assert_problem(response, 403, "forbidden")
    assert state() == before


def test_an_unknown_region_or_topic_is_named(api: ClientFor, supervisor: User) -> None:
    client = api(supervisor)
    before = state()

    region = upload(client, txt(), region="999999")
    topic = upload(client, txt(), topics=["no_such_topic"])

    assert "region" in assert_problem(region, 422, "unknown_region")["errors"]
    assert "topics" in assert_problem(topic, 422, "unknown_topic")["errors"]
    assert state() == before


def test_the_list_filters_and_pages(api: ClientFor, tianjin: User, document: Document) -> None:
    services.create_document(
        tianjin, file=txt("方案.txt"), name="方案.txt", title="工作方案", kind="work_plan"
    )
    client = api(tianjin)

    everything = client.get(f"{V1}/documents").json()
    plans = client.get(f"{V1}/documents", {"kind": "work_plan"}).json()
    by_number = client.get(f"{V1}/documents", {"q": "津人大"}).json()
    first_page = client.get(f"{V1}/documents", {"page_size": "1", "sort": "title"}).json()

    assert everything["count"] == 2
    assert [d["title"] for d in plans["items"]] == ["工作方案"]
    assert [d["id"] for d in by_number["items"]] == [document.pk]
    assert first_page["count"] == 2 and len(first_page["items"]) == 1
    assert everything["items"][0]["text_status"] in ("done", "pending")


def test_an_outsider_never_sees_a_pair_document(
    api: ClientFor, jiangxi: User, pair_document: Document
) -> None:
    client = api(jiangxi)
    url = f"{V1}/documents/{pair_document.pk}"

    listed = client.get(f"{V1}/documents").json()

    assert pair_document.pk not in [d["id"] for d in listed["items"]]
    for path in ("", "/versions", "/versions/1/file", "/text", "/history"):
        response = client.get(url + path)
        body = assert_problem(response, 404, "not_found")
        assert "结对内部资料" not in str(body)


def test_both_sides_of_the_pair_see_a_pair_document(
    api: ClientFor, henan: User, pair_document: Document
) -> None:
    response = api(henan).get(f"{V1}/documents/{pair_document.pk}")

    assert response.status_code == 200
    assert response.json()["pairing_id"] == pair_document.pairing_id


def test_editing_metadata_needs_the_current_lock_version(
    api: ClientFor, tianjin: User, document: Document
) -> None:
    client = api(tianjin)
    url = f"{V1}/documents/{document.pk}"

    changed = client.patch(url, {"summary": "第二次修订", "lock_version": 1}, "application/json")
    before = state()
    stale = client.patch(url, {"summary": "旧的修改", "lock_version": 1}, "application/json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["summary"] == "第二次修订" and changed.json()["lock_version"] == 2
    assert_problem(stale, 409, "stale_version")
    assert state() == before


def test_another_region_may_read_but_not_edit(
    api: ClientFor, henan: User, document: Document
) -> None:
    client = api(henan)
    before = state()

    read = client.get(f"{V1}/documents/{document.pk}")
    edit = client.patch(
        f"{V1}/documents/{document.pk}", {"title": "改名", "lock_version": 1}, "application/json"
    )

    assert read.status_code == 200
    assert_problem(edit, 403, "forbidden")
    assert state() == before


def test_a_patch_without_lock_version_is_refused(
    api: ClientFor, tianjin: User, document: Document
) -> None:
    response = api(tianjin).patch(
        f"{V1}/documents/{document.pk}", {"title": "改名"}, "application/json"
    )

    assert "lock_version" in assert_problem(response, 422, "invalid_input")["errors"]


def test_a_new_version_keeps_the_old_one_and_both_download(
    api: ClientFor, tianjin: User, document: Document, on_commit: Callable[[], Any]
) -> None:
    client = api(tianjin)
    url = f"{V1}/documents/{document.pk}"

    with on_commit():
        added = client.post(
            f"{url}/versions",
            {"file": txt("条例（修订）.txt", "修订后的条例：厨余垃圾"), "note": "修订"},
        )
    versions = client.get(f"{url}/versions").json()
    old = client.get(f"{url}/versions/1/file")
    new = client.get(f"{url}/versions/2/file")
    text = client.get(f"{url}/text").json()
    old_text = client.get(f"{url}/text", {"version": 1}).json()

    assert added.status_code == 201, added.content
    assert added.json()["number"] == 2 and added.json()["note"] == "修订"
    assert [v["number"] for v in versions] == [2, 1]
    assert b"".join(old.streaming_content).decode() == TEXT  # type: ignore[attr-defined]
    assert "厨余垃圾" in b"".join(new.streaming_content).decode()  # type: ignore[attr-defined]
    assert new["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%9D%A1%E4%BE%8B%EF%BC%88%E4%BF%AE%E8%AE%A2%EF%BC%89.txt"
    )
    assert (text["version"], old_text["version"]) == (2, 1)
    assert "厨余垃圾" in text["text"] and "撤桶并点" in old_text["text"]


def test_a_bad_new_version_stores_nothing(
    api: ClientFor, tianjin: User, document: Document
) -> None:
    before = state()

    response = api(tianjin).post(
        f"{V1}/documents/{document.pk}/versions",
        {"file": SimpleUploadedFile("方案.pdf", files.EXECUTABLE)},
    )

    assert_problem(response, 422, "content_mismatch")
    assert state() == before


def test_a_missing_version_is_404(api: ClientFor, tianjin: User, document: Document) -> None:
    client = api(tianjin)

    assert_problem(client.get(f"{V1}/documents/{document.pk}/versions/9/file"), 404, "not_found")
    assert_problem(client.get(f"{V1}/documents/{document.pk}/text?version=9"), 404, "not_found")


def test_an_unreadable_file_says_why_and_stays_downloadable(
    api: ClientFor, tianjin: User, on_commit: Callable[[], Any]
) -> None:
    client = api(tianjin)

    with on_commit():
        created = upload(client, SimpleUploadedFile("扫描件.pdf", files.scanned_pdf()))
    document_id = created.json()["id"]
    text = client.get(f"{V1}/documents/{document_id}/text").json()
    download = client.get(f"{V1}/documents/{document_id}/versions/1/file")

    assert text["text_status"] == "empty" and "扫描件" in text["text_error"]
    assert download.status_code == 200


def test_archiving_takes_a_document_out_of_the_list_and_the_index(
    api: ClientFor, tianjin: User, document: Document
) -> None:
    client = api(tianjin)
    url = f"{V1}/documents/{document.pk}"

    archived = client.post(f"{url}/archive")
    live = client.get(f"{V1}/documents").json()
    in_archive = client.get(f"{V1}/documents", {"archived": "true"}).json()
    gone_from_index = not SearchEntry.objects.filter(object_id=document.pk, kind="document")
    again = client.post(f"{url}/archive")
    restored = client.post(f"{url}/restore")

    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert live["count"] == 0 and in_archive["count"] == 1
    assert gone_from_index
    assert again.status_code == 409
    assert restored.json()["archived"] is False
    assert SearchEntry.objects.filter(object_id=document.pk, kind="document").exists()


def test_the_history_lists_the_document_and_its_versions(
    api: ClientFor, tianjin: User, document: Document
) -> None:
    client = api(tianjin)
    client.patch(
        f"{V1}/documents/{document.pk}",
        {"summary": "新摘要", "lock_version": 1},
        "application/json",
    )

    history = client.get(f"{V1}/documents/{document.pk}/history").json()

    assert [h["action"] for h in history][:1] == ["update"]
    assert {h["target_type"] for h in history} >= {
        "knowledge.document",
        "knowledge.documentversion",
    }


# ---------------------------------------------------------------- model cases

CASE_IN = {
    "title": "许昌市定时定点投放",
    "region": "411000",
    "problem": "居民投放时间分散。",
    "approach": "早晚两次定时定点，专人督导。",
    "results": "参与率达到 90%。",
    "figures": "参与率 90%",
}


def test_a_case_is_written_reviewed_and_promoted(
    api: ClientFor, henan: User, supervisor: User
) -> None:
    region = api(henan)
    ministry = api(supervisor)

    created = region.post(
        f"{V1}/cases", {**CASE_IN, "topic": "sorted_disposal"}, "application/json"
    )
    case_id = created.json()["id"]
    nominated = region.post(f"{V1}/cases/{case_id}/nominate")
    locked = region.patch(
        f"{V1}/cases/{case_id}", {"title": "改", "lock_version": 2}, "application/json"
    )
    promoted = ministry.post(f"{V1}/cases/{case_id}/promote", {"note": "典型"}, "application/json")

    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft" and created.json()["topic"] == "sorted_disposal"
    assert created.json()["region"]["code"] == "411000"
    assert nominated.json()["status"] == "nominated"
    assert nominated.json()["nominated_by"] is not None
    assert_problem(locked, 409, "case_locked")
    assert promoted.status_code == 200, promoted.content
    assert (promoted.json()["status"], promoted.json()["review_note"]) == ("promoted", "典型")


def test_a_returned_case_can_be_edited_and_nominated_again(
    api: ClientFor, henan: User, supervisor: User, nominated: ModelCase
) -> None:
    url = f"{V1}/cases/{nominated.pk}"
    before = state()

    without_note = api(supervisor).post(f"{url}/return", {}, "application/json")
    unchanged = state() == before
    returned = api(supervisor).post(f"{url}/return", {"note": "请补充数据"}, "application/json")
    lock = returned.json()["lock_version"]
    edited = api(henan).patch(
        url, {"figures": "准确率 85%", "lock_version": lock}, "application/json"
    )
    again = api(henan).post(f"{url}/nominate")

    assert "note" in assert_problem(without_note, 422, "note_required")["errors"]
    assert unchanged
    assert returned.json()["status"] == "returned"
    assert edited.status_code == 200 and edited.json()["figures"] == "准确率 85%"
    assert again.json()["status"] == "nominated"


def test_only_the_ministry_reviews_and_only_coordinators_nominate(
    api: ClientFor, henan: User, henan_member: User, case: ModelCase
) -> None:
    before = state()

    member = api(henan_member).post(f"{V1}/cases/{case.pk}/nominate")
    promote = api(henan).post(f"{V1}/cases/{case.pk}/promote", {}, "application/json")

    assert_problem(member, 403, "forbidden")
    assert_problem(promote, 403, "forbidden")
    assert state() == before


def test_a_draft_cannot_be_promoted(api: ClientFor, supervisor: User, case: ModelCase) -> None:
    before = state()

    response = api(supervisor).post(f"{V1}/cases/{case.pk}/promote", {}, "application/json")

    assert_problem(response, 409, "invalid_transition")
    assert state() == before


def test_a_stale_case_edit_is_refused(api: ClientFor, henan: User, case: ModelCase) -> None:
    client = api(henan)
    url = f"{V1}/cases/{case.pk}"
    client.patch(url, {"figures": "一", "lock_version": 1}, "application/json")
    before = state()

    stale = client.patch(url, {"figures": "二", "lock_version": 1}, "application/json")

    assert_problem(stale, 409, "stale_version")
    assert state() == before


def test_a_case_links_only_documents_the_writer_may_see(
    api: ClientFor, jiangxi: User, pair_document: Document, document: Document
) -> None:
    client = api(jiangxi)
    before = state()

    refused = client.post(
        f"{V1}/cases",
        {**CASE_IN, "region": "360000", "documents": [pair_document.pk]},
        "application/json",
    )
    unchanged = state() == before
    linked = client.post(
        f"{V1}/cases",
        {**CASE_IN, "region": "360000", "documents": [document.pk]},
        "application/json",
    )

    assert "documents" in assert_problem(refused, 422, "document_not_available")["errors"]
    assert unchanged
    assert linked.json()["documents"] == [document.pk]


def test_adoptions_are_recorded_once_and_withdrawn(
    api: ClientFor, tianjin: User, case: ModelCase
) -> None:
    client = api(tianjin)
    url = f"{V1}/cases/{case.pk}/adoptions"

    recorded = client.post(url, {"region": "120000", "note": "借鉴撤桶并点"}, "application/json")
    twice = client.post(url, {"region": "120000"}, "application/json")
    listed = client.get(url).json()
    adoption_id = recorded.json()["id"]
    detail = client.get(f"{V1}/cases/{case.pk}").json()
    withdrawn = client.post(f"{url}/{adoption_id}/withdraw")
    live = client.get(url).json()
    everything = client.get(url, {"withdrawn": "true"}).json()

    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["region"]["code"] == "120000"
    assert_problem(twice, 409, "already_adopted")
    assert [a["id"] for a in listed] == [adoption_id]
    assert [a["region"]["code"] for a in detail["adoptions"]] == ["120000"]
    assert withdrawn.json()["withdrawn"] is True
    assert live == [] and [a["id"] for a in everything] == [adoption_id]


def test_an_adoption_is_recorded_only_for_ones_own_region(
    api: ClientFor, jiangxi: User, case: ModelCase
) -> None:
    before = state()

    response = api(jiangxi).post(
        f"{V1}/cases/{case.pk}/adoptions", {"region": "120000"}, "application/json"
    )

    assert_problem(response, 403, "forbidden")
    assert state() == before


def test_an_adoption_of_another_case_is_404(
    api: ClientFor, tianjin: User, henan: User, case: ModelCase
) -> None:
    other = services.create_case(
        henan, title="另一个案例", problem="问", approach="做", results="成"
    )
    adoption = services.record_adoption(tianjin, case, region="120000")

    response = api(tianjin).post(f"{V1}/cases/{other.pk}/adoptions/{adoption.pk}/withdraw")

    assert_problem(response, 404, "not_found")


def test_cases_list_filters_by_status(
    api: ClientFor, henan: User, case: ModelCase, nominated: ModelCase
) -> None:
    services.create_case(henan, title="草稿二", problem="问", approach="做", results="成")

    drafts = api(henan).get(f"{V1}/cases", {"status": "draft"}).json()
    nominees = api(henan).get(f"{V1}/cases", {"status": "nominated"}).json()

    assert [c["title"] for c in drafts["items"]] == ["草稿二"]
    assert [c["id"] for c in nominees["items"]] == [case.pk]


def test_archiving_and_restoring_a_case(api: ClientFor, henan: User, case: ModelCase) -> None:
    client = api(henan)

    archived = client.post(f"{V1}/cases/{case.pk}/archive")
    restored = client.post(f"{V1}/cases/{case.pk}/restore")
    history = client.get(f"{V1}/cases/{case.pk}/history").json()

    assert archived.json()["archived"] is True and restored.json()["archived"] is False
    assert len(history) >= 3


# ---------------------------------------------------------------- compilations


@pytest.fixture
def three(tianjin: User, document: Document) -> list[Document]:
    others = [
        services.create_document(
            tianjin, file=txt(f"{n}.txt", f"{n}的正文"), name=f"{n}.txt", title=n
        )
        for n in ("实施方案", "考核办法")
    ]
    return [document, *others]


@pytest.fixture
def compilation(tianjin: User, three: list[Document]) -> Compilation:
    return services.create_compilation(
        tianjin,
        title="天津市垃圾分类政策文件汇编",
        preface="供河南参考",
        document_ids=[d.pk for d in three],
    )


def test_a_compilation_is_made_and_reordered(
    api: ClientFor, tianjin: User, three: list[Document]
) -> None:
    client = api(tianjin)
    ids = [d.pk for d in three]

    created = client.post(
        f"{V1}/compilations",
        {"title": "政策文件汇编", "preface": "前言", "documents": ids},
        "application/json",
    )
    url = f"{V1}/compilations/{created.json()['id']}"
    reordered = client.put(
        f"{url}/documents", {"documents": ids[::-1], "lock_version": 1}, "application/json"
    )
    before = state()
    stale = client.put(
        f"{url}/documents", {"documents": ids, "lock_version": 1}, "application/json"
    )

    assert created.status_code == 201, created.content
    assert [d["document_id"] for d in created.json()["documents"]] == ids
    assert [d["document_id"] for d in reordered.json()["documents"]] == ids[::-1]
    assert [d["position"] for d in reordered.json()["documents"]] == [1, 2, 3]
    assert_problem(stale, 409, "stale_version")
    assert state() == before


def test_a_compilation_takes_only_visible_live_documents(
    api: ClientFor, jiangxi: User, pair_document: Document
) -> None:
    before = state()

    response = api(jiangxi).post(
        f"{V1}/compilations",
        {"title": "汇编", "documents": [pair_document.pk]},
        "application/json",
    )

    assert response.status_code == 422
    assert state() == before


def test_a_compilation_is_edited_with_its_lock_version(
    api: ClientFor, tianjin: User, henan: User, compilation: Compilation
) -> None:
    url = f"{V1}/compilations/{compilation.pk}"
    before = state()

    other_region = api(henan).patch(url, {"title": "改", "lock_version": 1}, "application/json")
    unchanged = state() == before
    edited = api(tianjin).patch(url, {"preface": "新前言", "lock_version": 1}, "application/json")

    assert_problem(other_region, 403, "forbidden")
    assert unchanged
    assert edited.json()["preface"] == "新前言" and edited.json()["lock_version"] == 2


def test_a_compilation_exports_as_docx_and_zip(
    api: ClientFor, henan: User, compilation: Compilation
) -> None:
    client = api(henan)
    url = f"{V1}/compilations/{compilation.pk}/export"

    word = client.get(url, {"format": "docx"})
    archive = client.get(url, {"format": "zip"})

    assert word.status_code == 200
    assert word["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in word["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(word.content)) as docx:
        assert "撤桶并点" in docx.read("word/document.xml").decode()
    with zipfile.ZipFile(io.BytesIO(archive.content)) as originals:
        assert len(originals.namelist()) == 3
        assert originals.namelist()[0].startswith("01-")


def test_a_pdf_export_without_libreoffice_says_so(
    api: ClientFor, henan: User, compilation: Compilation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiling, "soffice_path", lambda: None)

    response = api(henan).get(f"{V1}/compilations/{compilation.pk}/export", {"format": "pdf"})

    assert "LibreOffice" in assert_problem(response, 409, "pdf_unavailable")["detail"]


def test_an_unknown_export_format_is_refused(
    api: ClientFor, henan: User, compilation: Compilation
) -> None:
    response = api(henan).get(f"{V1}/compilations/{compilation.pk}/export", {"format": "odt"})

    assert_problem(response, 422, "invalid_input")


def test_a_compilation_never_shows_documents_the_reader_may_not_see(
    api: ClientFor,
    tianjin: User,
    jiangxi: User,
    tianjin_henan: Pairing,
    pair_document: Document,
    document: Document,
) -> None:
    """A pair compilation holds the pair's document; the Ministry-wide reader (admin) sees both,
    an outsider does not even see the compilation."""
    compilation = services.create_compilation(
        tianjin,
        title="结对内部汇编",
        visibility=Visibility.PAIR,
        pairing=tianjin_henan,
        document_ids=[document.pk, pair_document.pk],
    )

    response = api(jiangxi).get(f"{V1}/compilations/{compilation.pk}")
    export = api(jiangxi).get(f"{V1}/compilations/{compilation.pk}/export")

    assert_problem(response, 404, "not_found")
    assert_problem(export, 404, "not_found")


def test_a_document_made_private_later_leaves_the_outsiders_view_of_a_compilation(
    api: ClientFor,
    tianjin: User,
    jiangxi: User,
    tianjin_henan: Pairing,
    compilation: Compilation,
    three: list[Document],
) -> None:
    services.update_document(
        tianjin, three[0], lock_version=1, visibility=Visibility.PAIR, pairing=tianjin_henan
    )
    client = api(jiangxi)

    detail = client.get(f"{V1}/compilations/{compilation.pk}").json()
    archive = client.get(f"{V1}/compilations/{compilation.pk}/export", {"format": "zip"})
    word = client.get(f"{V1}/compilations/{compilation.pk}/export", {"format": "docx"})

    assert [d["document_id"] for d in detail["documents"]] == [d.pk for d in three[1:]]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as originals:
        assert len(originals.namelist()) == 2
    with zipfile.ZipFile(io.BytesIO(word.content)) as docx:
        assert "撤桶并点" not in docx.read("word/document.xml").decode()


def test_archiving_and_restoring_a_compilation(
    api: ClientFor, tianjin: User, compilation: Compilation
) -> None:
    client = api(tianjin)
    url = f"{V1}/compilations/{compilation.pk}"

    archived = client.post(f"{url}/archive")
    listed = client.get(f"{V1}/compilations").json()
    restored = client.post(f"{url}/restore")
    history = client.get(f"{url}/history").json()

    assert archived.json()["archived"] is True and listed["count"] == 0
    assert restored.json()["archived"] is False
    assert [h["action"] for h in history][:2] == ["restore", "archive"]


# ---------------------------------------------------------------- lists


def list_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{V1}/{path}", {"page_size": "100"})
        assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["documents", "cases", "compilations"])
def test_lists_do_not_query_per_row(
    path: str, api: ClientFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)
    client.get(f"{V1}/{path}")  # the token is authenticated once, not counted

    def grow(count: int) -> None:
        for _ in range(count):
            document = make_document(
                tianjin, visibility=Visibility.PAIR, pairing=tianjin_henan, topics=["training"]
            )
            services.create_case(
                tianjin,
                title="案例",
                topic="training",
                problem="问",
                approach="做",
                results="成",
                documents=[document.pk],
            )
            services.create_compilation(
                tianjin,
                title="汇编",
                visibility=Visibility.PAIR,
                pairing=tianjin_henan,
                document_ids=[document.pk],
            )

    grow(1)
    few = list_queries(client, path)
    grow(5)
    many = list_queries(client, path)

    assert many == few


# ---------------------------------------------------------------- the published contract


def test_no_schema_shares_its_name_with_another_apps() -> None:
    """The OpenAPI components are keyed by class name: a second `FileOut` would silently
    replace the exchanges' one in the published schema."""

    def models_of(module: Any) -> dict[str, type]:
        return {
            name: value
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, BaseModel)
        }

    ours = models_of(knowledge_schemas) | models_of(
        importlib.import_module("twinning.knowledge.api")
    )
    clashes = []
    for app in ("regions", "pairings", "plans", "exchanges", "consultations", "notifications",
                "indicators", "search", "accounts"):  # fmt: skip
        for module_name in (f"twinning.{app}.schemas", f"twinning.{app}.api"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            clashes += [
                f"{module_name}.{name}"
                for name, value in models_of(module).items()
                if name in ours and value is not ours[name]
            ]

    assert clashes == []


def test_every_operation_is_documented(client: Client) -> None:
    schema = client.get(f"{V1}/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith((f"{V1}/documents", f"{V1}/cases", f"{V1}/compilations"))
        for method, operation in methods.items()
    ]

    assert len(operations) == 34
    assert all(op.get("summary") for _p, _m, op in operations)
    assert all(op["tags"] == ["knowledge"] for _p, _m, op in operations)
    upload_op = schema["paths"][f"{V1}/documents"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert "content_mismatch" in upload_op["description"]


def test_requests_without_a_token_are_refused(client: Client) -> None:
    assert_problem(client.get(f"{V1}/documents"), 401, "unauthenticated")


@pytest.fixture(autouse=True)
def _no_leftover_files() -> Iterator[None]:
    """Stored files of a test are removed after it (the database is rolled back)."""
    before = stored_files()
    yield
    for name in stored_files() - before:
        Path(name).unlink(missing_ok=True)
