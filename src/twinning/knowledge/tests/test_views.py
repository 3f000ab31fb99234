"""The knowledge base's pages: lists, details, forms, downloads and exports, as each persona
sees them. Outsiders get 404 on pair-private records; read-only experts get 403 on writes and
nothing changes; bad uploads are refused beside the file field with nothing stored."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from twinning.accounts.models import User
from twinning.knowledge import services
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    Document,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.knowledge.tests import files
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
TEXT = "天津市生活垃圾分类管理条例\n第一条 为了推进撤桶并点工作，制定本条例。\n"


def txt(name: str = "条例.txt", text: str = TEXT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def make_document(
    actor: User, title: str = "天津市生活垃圾分类管理条例", **fields: Any
) -> Document:
    fields.setdefault("visibility", Visibility.PROGRAMME)
    return services.create_document(
        actor, file=txt(), name="条例.txt", title=title, kind="regulation", **fields
    )


@pytest.fixture
def document(tianjin: User, django_capture_on_commit_callbacks: Any) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        return make_document(tianjin, issuing_body="天津市人大常委会", number="津人大〔2020〕1号")


@pytest.fixture
def pair_document(tianjin: User, tianjin_henan: Pairing) -> Document:
    return make_document(
        tianjin, title="天津河南结对内部资料", visibility=Visibility.PAIR, pairing=tianjin_henan
    )


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()}


def counts() -> tuple[int, int, int, int]:
    return (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        ModelCase.objects.count(),
        Compilation.objects.count(),
    )


# ---------------------------------------------------------------- documents


def test_navigation_has_the_knowledge_base(login: Login, tianjin: User) -> None:
    body = login(tianjin).get(reverse("overview")).content.decode()
    assert 'href="/knowledge/"' in body and "知识库" in body


def test_document_list_shows_visible_documents_and_an_empty_state(
    login: Login, document: Document, pair_document: Document, jiangxi: User, henan_expert: User
) -> None:
    body = login(jiangxi).get(reverse("knowledge:documents")).content.decode()
    assert document.title in body and pair_document.title not in body
    assert "上传文档" in body  # a coordinator contributes
    expert = login(henan_expert).get(reverse("knowledge:documents")).content.decode()
    assert pair_document.title in expert and "上传文档" not in expert
    empty = login(jiangxi).get(reverse("knowledge:documents"), {"q": "不存在的标题"})
    assert "没有符合条件的文档。" in empty.content.decode()


def test_document_list_filters_and_htmx_partial(
    login: Login, document: Document, tianjin: User
) -> None:
    client = login(tianjin)
    assert (
        document.title
        in client.get(reverse("knowledge:documents"), {"kind": "regulation"}).content.decode()
    )
    assert (
        document.title
        not in client.get(reverse("knowledge:documents"), {"kind": "law"}).content.decode()
    )
    partial = client.get(reverse("knowledge:documents"), {"sort": "title"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and document.title in partial.content.decode()
    archived = client.get(reverse("knowledge:documents"), {"archived": "1"}).content.decode()
    assert document.title not in archived


def test_upload_a_document_and_see_its_text(
    login: Login, tianjin: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(tianjin)
    assert client.get(reverse("knowledge:document_new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("knowledge:document_new"),
            {
                "file": txt("撤桶并点工作方案.txt"),
                "title": "撤桶并点工作方案",
                "kind": "work_plan",
                "region": "120000",
                "visibility": Visibility.PROGRAMME,
            },
        )
    document = Document.objects.get(title="撤桶并点工作方案")
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:document", args=[document.pk])
    body = client.get(response["Location"]).content.decode()
    assert "撤桶并点工作方案.txt" in body
    assert str(TextStatus.DONE.label) in body
    assert "第一条 为了推进撤桶并点工作" in body  # the extracted text's preview


@pytest.mark.parametrize("case", sorted(files.bad_uploads()))
def test_bad_uploads_are_refused_beside_the_field_and_nothing_is_stored(
    login: Login, tianjin: User, case: str
) -> None:
    content, name, _code = files.bad_uploads()[case]
    before = counts()
    stored_before = stored_files()
    response = login(tianjin).post(
        reverse("knowledge:document_new"),
        {
            "file": SimpleUploadedFile(name, content),
            "title": "坏文件",
            "kind": "other",
            "visibility": Visibility.PROGRAMME,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    errors = body.split('id="id_file_errors"', 1)
    assert len(errors) == 2, body  # the message sits beside the file field
    field_message = errors[1].split("</div>", 1)[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in field_message)  # said in Chinese
    assert 'value="坏文件"' in body  # the typed metadata stays
    assert counts() == before
    assert stored_files() == stored_before


def test_a_file_over_the_size_limit_is_refused(login: Login, tianjin: User, settings: Any) -> None:
    settings.TWINNING_MAX_UPLOAD_BYTES = 1000
    before = counts()
    response = login(tianjin).post(
        reverse("knowledge:document_new"),
        {
            "file": files.upload(files.text("垃圾分类" * 500), "大文件.txt"),
            "title": "大文件",
            "kind": "other",
            "visibility": Visibility.PROGRAMME,
        },
    )
    assert response.status_code == 200 and 'id="id_file_errors"' in response.content.decode()
    assert counts() == before


def test_outsider_gets_404_on_a_pair_private_document(
    login: Login, pair_document: Document, jiangxi: User, henan: User
) -> None:
    outsider = login(jiangxi)
    version = pair_document.versions.get()
    for url in (
        reverse("knowledge:document", args=[pair_document.pk]),
        reverse("knowledge:document_edit", args=[pair_document.pk]),
        reverse("knowledge:version_file", args=[pair_document.pk, version.number]),
    ):
        assert outsider.get(url).status_code == 404
    assert (
        outsider.post(reverse("knowledge:document_archive", args=[pair_document.pk])).status_code
        == 404
    )
    assert (
        login(henan).get(reverse("knowledge:document", args=[pair_document.pk])).status_code == 200
    )


def test_read_only_expert_gets_403_on_writes_and_nothing_changes(
    login: Login, document: Document, henan_expert: User, tianjin: User
) -> None:
    expert = login(henan_expert)
    assert expert.get(reverse("knowledge:document", args=[document.pk])).status_code == 200
    before = counts()
    lock = document.lock_version
    assert expert.get(reverse("knowledge:document_new")).status_code == 403
    assert (
        expert.post(
            reverse("knowledge:document_new"),
            {"file": txt(), "title": "专家上传", "kind": "other", "visibility": "programme"},
        ).status_code
        == 403
    )
    assert expert.get(reverse("knowledge:document_edit", args=[document.pk])).status_code == 403
    assert (
        expert.post(
            reverse("knowledge:document_edit", args=[document.pk]),
            {"title": "改掉", "kind": "law", "visibility": "programme", "lock_version": lock},
        ).status_code
        == 403
    )
    assert (
        expert.post(
            reverse("knowledge:document_version", args=[document.pk]), {"file": txt()}
        ).status_code
        == 403
    )
    assert expert.post(reverse("knowledge:document_archive", args=[document.pk])).status_code == 403
    assert expert.get(reverse("knowledge:case_new")).status_code == 403
    assert expert.get(reverse("knowledge:compilation_new")).status_code == 403
    assert counts() == before
    document.refresh_from_db()
    assert document.title == "天津市生活垃圾分类管理条例" and document.archived_at is None
    page = expert.get(reverse("knowledge:document", args=[document.pk])).content.decode()
    assert 'id="edit-document"' not in page and 'id="archive-document"' not in page
    assert (
        'id="edit-document"'
        in login(tianjin).get(reverse("knowledge:document", args=[document.pk])).content.decode()
    )


def test_edit_metadata_shows_in_the_history(
    login: Login, document: Document, tianjin: User
) -> None:
    client = login(tianjin)
    form = client.get(reverse("knowledge:document_edit", args=[document.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("knowledge:document_edit", args=[document.pk]),
        {
            "title": "天津市生活垃圾管理条例（修订）",
            "kind": "regulation",
            "region": "120000",
            "visibility": "programme",
            "lock_version": document.lock_version,
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("knowledge:document", args=[document.pk])).content.decode()
    history = body.split('id="history"', 1)[1]
    assert "天津市生活垃圾分类管理条例" in history and "天津市生活垃圾管理条例（修订）" in history


def test_a_stale_edit_is_refused_and_keeps_the_typed_values(
    login: Login, document: Document, tianjin: User
) -> None:
    stale = document.lock_version
    services.update_document(tianjin, document, lock_version=stale, summary="别人先改了")
    response = login(tianjin).post(
        reverse("knowledge:document_edit", args=[document.pk]),
        {
            "title": "我的标题",
            "kind": "regulation",
            "visibility": "programme",
            "lock_version": stale,
        },
    )
    assert response.status_code == 200
    assert "我的标题" in response.content.decode()
    document.refresh_from_db()
    assert document.title == "天津市生活垃圾分类管理条例"


def test_download_streams_the_original_with_its_name(
    login: Login, document: Document, tianjin: User
) -> None:
    version = document.versions.get()
    response = login(tianjin).get(reverse("knowledge:version_file", args=[document.pk, 1]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TEXT.encode()  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith(version.content_type.split(";")[0])
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%9D%A1%E4%BE%8B.txt" in disposition


def test_a_new_version_keeps_the_old_one(
    login: Login, document: Document, tianjin: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(tianjin)
    assert client.get(reverse("knowledge:document_version", args=[document.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("knowledge:document_version", args=[document.pk]),
            {"file": txt("条例2021.txt", "修订后的条文"), "note": "2021 年修订"},
        )
    assert response.status_code == 302
    body = client.get(reverse("knowledge:document", args=[document.pk])).content.decode()
    assert "条例2021.txt" in body and "条例.txt" in body and "2021 年修订" in body
    assert client.get(reverse("knowledge:version_file", args=[document.pk, 1])).status_code == 200
    assert client.get(reverse("knowledge:version_file", args=[document.pk, 2])).status_code == 200
    assert client.get(reverse("knowledge:version_file", args=[document.pk, 3])).status_code == 404
    bad = client.post(
        reverse("knowledge:document_version", args=[document.pk]),
        {"file": SimpleUploadedFile("空.txt", b"")},
    )
    assert bad.status_code == 200 and 'id="id_file_errors"' in bad.content.decode()
    assert document.versions.count() == 2


def test_archive_and_restore_a_document(login: Login, document: Document, tianjin: User) -> None:
    client = login(tianjin)
    client.post(reverse("knowledge:document_archive", args=[document.pk]))
    document.refresh_from_db()
    assert document.archived_at is not None
    assert (
        'id="restore-document"'
        in client.get(reverse("knowledge:document", args=[document.pk])).content.decode()
    )
    client.post(reverse("knowledge:document_archive", args=[document.pk]), {"restore": "1"})
    document.refresh_from_db()
    assert document.archived_at is None


# ---------------------------------------------------------------- model cases


CASE = {
    "title": "南开区撤桶并点经验",
    "region": "120000",
    "problem": "楼道垃圾桶多，分类难以监督。",
    "approach": "撤桶并点，定时定点投放，志愿者值守。",
    "results": "分类准确率由 40% 提高到 85%。",
    "figures": "准确率 85%",
    "visibility": "programme",
}


def test_case_flow_create_nominate_promote_adopt(
    login: Login,
    tianjin: User,
    supervisor: User,
    henan: User,
    henan_expert: User,
    document: Document,
) -> None:
    writer = login(tianjin)
    assert writer.get(reverse("knowledge:case_new")).status_code == 200
    response = writer.post(reverse("knowledge:case_new"), {**CASE, "documents": [document.pk]})
    case = ModelCase.objects.get(title=CASE["title"])
    assert response.status_code == 302
    body = writer.get(reverse("knowledge:case", args=[case.pk])).content.decode()
    assert 'id="nominate-case"' in body and document.title in body
    edit_form = writer.get(reverse("knowledge:case_edit", args=[case.pk])).content.decode()
    assert f'<option value="{document.pk}" selected>{document.title}</option>' in edit_form
    assert writer.get(reverse("knowledge:cases")).content.decode().count(CASE["title"]) == 1
    # The read-only expert can read but not nominate.
    expert = login(henan_expert)
    assert expert.post(reverse("knowledge:case_nominate", args=[case.pk])).status_code == 403
    writer.post(reverse("knowledge:case_nominate", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == ModelCase.Status.NOMINATED
    ministry = login(supervisor)
    assert (
        'id="promote-case"'
        in ministry.get(reverse("knowledge:case", args=[case.pk])).content.decode()
    )
    ministry.post(reverse("knowledge:case_review", args=[case.pk]), {"decision": "promote"})
    case.refresh_from_db()
    assert case.status == ModelCase.Status.PROMOTED
    overview = login(henan).get(reverse("overview")).content.decode()
    assert CASE["title"] in overview and 'id="featured-cases"' in overview
    # 河南 records that it reused the case, then withdraws it.
    partner = login(henan)
    partner.post(
        reverse("knowledge:case_adopt", args=[case.pk]), {"region": "410000", "note": "许昌试点"}
    )
    adoption = CaseAdoption.objects.get(case=case, region_id="410000")
    page = partner.get(reverse("knowledge:case", args=[case.pk])).content.decode()
    assert "许昌试点" in page
    partner.post(reverse("knowledge:adoption_withdraw", args=[adoption.pk]))
    adoption.refresh_from_db()
    assert adoption.archived_at is not None
    history = partner.get(reverse("knowledge:case", args=[case.pk])).content.decode()
    assert history.split('id="history"', 1)[1].count("<tr>") >= 4


def test_returning_a_case_needs_a_note(login: Login, tianjin: User, supervisor: User) -> None:
    case = services.create_case(tianjin, **CASE)
    services.nominate_case(tianjin, case)
    ministry = login(supervisor)
    response = ministry.post(
        reverse("knowledge:case_review", args=[case.pk]), {"decision": "return"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == ModelCase.Status.NOMINATED
    assert "退回案例时请写明意见。" in ministry.get(response["Location"]).content.decode()
    ministry.post(
        reverse("knowledge:case_review", args=[case.pk]),
        {"decision": "return", "note": "请补充数据"},
    )
    case.refresh_from_db()
    assert case.status == ModelCase.Status.RETURNED
    page = login(tianjin).get(reverse("knowledge:case", args=[case.pk])).content.decode()
    assert "请补充数据" in page and 'id="edit-case"' in page and 'id="nominate-case"' in page


def test_case_edit_and_archive(login: Login, tianjin: User, jiangxi: User) -> None:
    case = services.create_case(tianjin, **CASE)
    client = login(tianjin)
    assert client.get(reverse("knowledge:case_edit", args=[case.pk])).status_code == 200
    response = client.post(
        reverse("knowledge:case_edit", args=[case.pk]),
        {**CASE, "title": "南开区撤桶并点经验（修订）", "lock_version": case.lock_version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "南开区撤桶并点经验（修订）"
    # Another region reads a programme-wide case but may not change it.
    assert login(jiangxi).get(reverse("knowledge:case_edit", args=[case.pk])).status_code == 403
    client.post(reverse("knowledge:case_archive", args=[case.pk]))
    case.refresh_from_db()
    assert case.archived_at is not None


def test_outsider_gets_404_on_a_pair_private_case(
    login: Login, tianjin: User, jiangxi: User, tianjin_henan: Pairing
) -> None:
    case = services.create_case(tianjin, **{**CASE, "visibility": "pair", "pairing": tianjin_henan})
    assert login(jiangxi).get(reverse("knowledge:case", args=[case.pk])).status_code == 404
    assert (
        login(jiangxi).post(reverse("knowledge:case_nominate", args=[case.pk])).status_code == 404
    )
    assert CASE["title"] not in login(jiangxi).get(reverse("knowledge:cases")).content.decode()


# ---------------------------------------------------------------- compilations


@pytest.fixture
def three_documents(tianjin: User, django_capture_on_commit_callbacks: Any) -> list[Document]:
    with django_capture_on_commit_callbacks(execute=True):
        return [make_document(tianjin, title=f"文件{n}") for n in ("甲", "乙", "丙")]


def test_compilation_build_reorder_and_export(
    login: Login, tianjin: User, three_documents: list[Document], henan_expert: User
) -> None:
    client = login(tianjin)
    assert client.get(reverse("knowledge:compilation_new")).status_code == 200
    response = client.post(
        reverse("knowledge:compilation_new"),
        {
            "title": "天津市垃圾分类政策文件汇编",
            "preface": "供河南参考。",
            "region": "120000",
            "visibility": "programme",
        },
    )
    compilation = Compilation.objects.get(title="天津市垃圾分类政策文件汇编")
    assert response.status_code == 302
    url = reverse("knowledge:compilation_documents", args=[compilation.pk])
    for document in three_documents:
        compilation.refresh_from_db()
        client.post(
            url,
            {"action": "add", "document": document.pk, "lock_version": compilation.lock_version},
        )

    def order() -> list[str]:
        return list(
            compilation.items.order_by("position").values_list("document__title", flat=True)
        )

    assert order() == ["文件甲", "文件乙", "文件丙"]
    compilation.refresh_from_db()
    client.post(
        url,
        {
            "action": "up",
            "document": three_documents[2].pk,
            "lock_version": compilation.lock_version,
        },
    )
    assert order() == ["文件甲", "文件丙", "文件乙"]
    compilation.refresh_from_db()
    client.post(
        url,
        {
            "action": "down",
            "document": three_documents[0].pk,
            "lock_version": compilation.lock_version,
        },
    )
    assert order() == ["文件丙", "文件甲", "文件乙"]
    # A stale order is refused.
    client.post(url, {"action": "remove", "document": three_documents[0].pk, "lock_version": 1})
    assert order() == ["文件丙", "文件甲", "文件乙"]
    page = client.get(reverse("knowledge:compilation", args=[compilation.pk])).content.decode()
    assert 'id="export-docx"' in page and 'id="export-zip"' in page
    # The expert reads and exports, but may not change the order.
    expert = login(henan_expert)
    expert_page = expert.get(
        reverse("knowledge:compilation", args=[compilation.pk])
    ).content.decode()
    assert 'id="add-document-form"' not in expert_page and 'id="export-docx"' in expert_page
    compilation.refresh_from_db()
    assert (
        expert.post(
            url,
            {
                "action": "remove",
                "document": three_documents[0].pk,
                "lock_version": compilation.lock_version,
            },
        ).status_code
        == 403
    )
    docx = expert.get(reverse("knowledge:compilation_export", args=[compilation.pk, "docx"]))
    assert docx.status_code == 200 and docx["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''" in docx["Content-Disposition"]
    import docx as python_docx

    text = "\n".join(p.text for p in python_docx.Document(io.BytesIO(docx.content)).paragraphs)
    for title in ("文件甲", "文件乙", "文件丙"):
        assert title in text
    archive = expert.get(reverse("knowledge:compilation_export", args=[compilation.pk, "zip"]))
    assert archive.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 3
    assert (
        expert.get(
            reverse("knowledge:compilation_export", args=[compilation.pk, "exe"])
        ).status_code
        == 404
    )
    compilation.refresh_from_db()
    client.post(
        url,
        {
            "action": "remove",
            "document": three_documents[0].pk,
            "lock_version": compilation.lock_version,
        },
    )
    assert order() == ["文件丙", "文件乙"]
    body = client.get(reverse("knowledge:compilation", args=[compilation.pk])).content.decode()
    assert body.split('id="history"', 1)[1].count("<tr>") >= 2


def test_compilation_list_edit_and_archive(
    login: Login, tianjin: User, jiangxi: User, tianjin_henan: Pairing
) -> None:
    public = services.create_compilation(tianjin, title="公开汇编", visibility="programme")
    private = services.create_compilation(
        tianjin, title="结对汇编", visibility="pair", pairing=tianjin_henan
    )
    outsider = login(jiangxi)
    listing = outsider.get(reverse("knowledge:compilations")).content.decode()
    assert "公开汇编" in listing and "结对汇编" not in listing
    assert outsider.get(reverse("knowledge:compilation", args=[private.pk])).status_code == 404
    assert (
        outsider.get(reverse("knowledge:compilation_export", args=[private.pk, "docx"])).status_code
        == 404
    )
    assert outsider.get(reverse("knowledge:compilation_edit", args=[public.pk])).status_code == 403
    client = login(tianjin)
    response = client.post(
        reverse("knowledge:compilation_edit", args=[public.pk]),
        {
            "title": "公开汇编（第二版）",
            "region": "120000",
            "visibility": "programme",
            "lock_version": public.lock_version,
        },
    )
    assert response.status_code == 302
    client.post(reverse("knowledge:compilation_archive", args=[public.pk]))
    public.refresh_from_db()
    assert public.title == "公开汇编（第二版）" and public.archived_at is not None
    assert (
        "没有符合条件的汇编。" in outsider.get(reverse("knowledge:compilations")).content.decode()
    )
