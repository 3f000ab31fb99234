"""Writing the knowledge base: documents and versions, extraction, cases, adoptions and
compilations — outcomes, audit entries, index entries and refusals."""

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import timezone

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.knowledge import queries, services
from twinning.knowledge.models import (
    CaseAdoption,
    CompilationItem,
    DocumentKind,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.knowledge.tests import files
from twinning.knowledge.tests.factories import (
    make_case,
    make_compilation,
    make_document,
    state,
)
from twinning.search.models import SearchEntry

pytestmark = pytest.mark.django_db

Status = ModelCase.Status


def _audit(obj: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            target_type=obj._meta.label_lower, target_id=str(obj.pk)
        ).order_by("id")
    )


def _entry(kind: str, pk: int) -> SearchEntry | None:
    return SearchEntry.objects.filter(kind=kind, object_id=pk).first()


# ---------------------------------------------------------------- documents


class TestCreateDocument:
    def test_document_and_first_version(self, henan: Any, tianjin_henan: Any) -> None:
        data = files.pdf(["许昌市生活垃圾分类工作方案", "撤桶并点"])
        document = services.create_document(
            henan,
            file=files.upload(data, "许昌方案.pdf"),
            name="许昌方案.pdf",
            title=" 许昌市生活垃圾分类工作方案 ",
            kind=DocumentKind.WORK_PLAN,
            issuing_body="许昌市人民政府",
            region="411000",
            number="许政〔2021〕8号",
            issued_on=dt.date(2021, 3, 1),
            topics=["sorted_disposal", "institutions"],
            summary="方案摘要",
            visibility=Visibility.PAIR,
            pairing=tianjin_henan.pk,
            note="首次上传",
        )
        assert document.title == "许昌市生活垃圾分类工作方案"
        assert document.region_id == "411000"
        assert document.pairing == tianjin_henan
        assert document.created_by == henan
        assert sorted(t.code for t in document.topics.all()) == ["institutions", "sorted_disposal"]
        version = document.versions.get()
        assert version.number == 1
        assert version.original_name == "许昌方案.pdf"
        assert version.extension == "pdf"
        assert version.content_type == "application/pdf"
        assert version.size == len(data)
        assert version.sha256 == hashlib.sha256(data).hexdigest()
        assert version.note == "首次上传"
        assert version.uploaded_by == henan
        assert version.text_status == TextStatus.PENDING
        with version.file.open("rb") as handle:
            assert handle.read() == data
        assert "许昌方案" not in version.file.name  # stored under a random name

    @pytest.mark.parametrize(
        ("data", "name"),
        [(files.long_pdf(20), "大文件.pdf"), (files.docx(["临时文件里的段落"]), "大文件.docx")],
    )
    def test_large_uploads_spooled_to_disk(self, henan: Any, data: bytes, name: str) -> None:
        """Uploads over Django's memory limit arrive as temporary files on disk."""
        upload = TemporaryUploadedFile(name, "application/octet-stream", len(data), None)
        upload.write(data)
        upload.seek(0)
        document = services.create_document(henan, file=upload, name=name, title="大文件")
        version = services.run_extraction(document.versions.get().pk)
        assert version.sha256 == hashlib.sha256(data).hexdigest()
        assert version.text_status == TextStatus.DONE
        with version.file.open("rb") as handle:
            assert handle.read() == data

    def test_audited_with_changes(self, henan: Any) -> None:
        document = make_document(henan, title="垃圾分类宣传手册", number="豫建〔2021〕1号")
        entries = _audit(document)
        assert [e.action for e in entries] == [AuditEntry.Action.CREATE]
        changes = entries[0].changes
        assert changes["title"] == [None, "垃圾分类宣传手册"]
        assert changes["number"] == [None, "豫建〔2021〕1号"]
        assert changes["region"] == [None, "河南省"]
        version = document.versions.get()
        version_changes = _audit(version)[0].changes
        assert version_changes["number"] == [None, 1]
        assert version_changes["sha256"] == [None, version.sha256]

    def test_region_defaults_to_the_uploaders(self, xuchang: Any) -> None:
        assert make_document(xuchang).region_id == "411000"

    def test_title_defaults_to_the_file_name(self, henan: Any) -> None:
        document = services.create_document(
            henan,
            file=files.upload(files.text(), "厨余垃圾处理指南.txt"),
            name="厨余垃圾处理指南.txt",
        )
        assert document.title == "厨余垃圾处理指南"

    def test_indexed_for_search(self, henan: Any) -> None:
        document = make_document(henan, title="定时定点投放指引", extract=False)
        entry = _entry("document", document.pk)
        assert entry is not None and entry.title == "定时定点投放指引"

    def test_extraction_runs_after_commit_and_reindexes(
        self, henan: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            document = services.create_document(
                henan,
                file=files.upload(files.docx(["湿垃圾就是厨余垃圾"]), "指南.docx"),
                name="指南.docx",
                title="分类指南",
            )
            version = document.versions.get()
            assert version.text_status == TextStatus.PENDING
        assert len(callbacks) == 1
        version.refresh_from_db()
        assert version.text_status == TextStatus.DONE
        assert version.text == "湿垃圾就是厨余垃圾"
        assert version.extracted_at is not None
        entry = _entry("document", document.pk)
        assert entry is not None and "湿垃圾就是厨余垃圾" in entry.body

    def test_images_are_attachments_without_extraction(
        self, henan: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            document = make_document(henan, data=files.png(), name="照片.png", extract=False)
        assert callbacks == []
        assert document.versions.get().text_status == TextStatus.NOT_TEXT

    def test_pair_visibility_needs_a_pairing(self, henan: Any) -> None:
        before = state()
        with pytest.raises(Invalid) as exc:
            make_document(henan, visibility=Visibility.PAIR)
        assert exc.value.code == "pairing_required"
        assert state() == before

    def test_unknown_topic_and_region(self, henan: Any) -> None:
        with pytest.raises(Invalid) as exc:
            make_document(henan, topics=["no_such_topic"])
        assert exc.value.fields.keys() == {"topics"}
        with pytest.raises(Invalid) as exc:
            make_document(henan, region="999999")
        assert exc.value.code == "unknown_region"


class TestExtraction:
    def test_scanned_pdf_is_empty_and_still_downloadable(self, henan: Any) -> None:
        data = files.scanned_pdf(2)
        document = make_document(henan, data=data, name="扫描件.pdf")
        version = document.versions.get()
        assert version.text_status == TextStatus.EMPTY
        assert version.pages == 2
        assert "扫描件" in version.text_error
        with version.file.open("rb") as handle:
            assert handle.read() == data

    def test_long_pdf_word_found_in_the_index(self, henan: Any) -> None:
        document = make_document(henan, data=files.long_pdf(100), name="长文.pdf")
        version = document.versions.get()
        assert version.pages == 100
        assert "蒲公英计划" in version.text
        entry = _entry("document", document.pk)
        assert entry is not None and "蒲公英计划" in entry.body

    def test_unreadable_stored_file_fails_with_a_reason(self, henan: Any) -> None:
        document = make_document(henan, data=files.docx(["原文"]), name="a.docx", extract=False)
        version = document.versions.get()
        # The stored bytes were damaged after the upload check.
        with version.file.storage.open(version.file.name, "wb") as handle:
            handle.write(b"PK\x03\x04 damaged")
        result = services.run_extraction(version.pk)
        assert result.text_status == TextStatus.FAILED
        assert result.text_error.startswith("文件已损坏") or result.text_error.startswith("无法")
        assert result.text == ""

    def test_missing_stored_file_fails_with_a_reason(self, henan: Any) -> None:
        document = make_document(henan, extract=False)
        version = document.versions.get()
        version.file.storage.delete(version.file.name)
        result = services.run_extraction(version.pk)
        assert result.text_status == TextStatus.FAILED
        assert "找不到" in result.text_error

    def test_unknown_version(self) -> None:
        with pytest.raises(NotFound):
            services.run_extraction(987654)

    def test_task_runs_the_extraction(self, henan: Any) -> None:
        from twinning.knowledge.tasks import extract_version

        document = make_document(henan, extract=False)
        version = document.versions.get()
        extract_version.call(version.pk)
        version.refresh_from_db()
        assert version.text_status == TextStatus.DONE


class TestVersions:
    def test_new_version_keeps_the_old_ones(self, henan: Any) -> None:
        document = make_document(henan, data=files.text("第一版"), name="v1.txt")
        second = services.add_version(
            henan, document, file=files.upload(files.pdf("第二版"), "v2.pdf"), note="修订"
        )
        third = services.add_version(
            henan, document.pk, file=files.upload(files.text("第三版"), "v3.txt")
        )
        assert (second.number, third.number) == (2, 3)
        assert second.note == "修订" and second.extension == "pdf"
        versions = queries.versions_of(queries.get_document(henan, document.pk))
        assert [v.number for v in versions] == [3, 2, 1]
        with versions[2].file.open("rb") as handle:
            assert handle.read() == "第一版".encode()
        document.refresh_from_db()
        assert document.lock_version == 3
        assert document.current_version is not None
        assert document.current_version.number == 3
        assert [e.action for e in _audit(second)] == [AuditEntry.Action.CREATE]

    def test_reindexed_with_the_current_text(self, henan: Any) -> None:
        document = make_document(henan, data=files.text("旧的内容"), name="a.txt")
        version = services.add_version(
            henan, document, file=files.upload(files.text("新的内容"), "b.txt")
        )
        services.run_extraction(version.pk)
        entry = _entry("document", document.pk)
        assert entry is not None and "新的内容" in entry.body

    def test_archived_document_takes_no_version(self, henan: Any) -> None:
        document = make_document(henan)
        services.archive_document(henan, document)
        with pytest.raises(Conflict):
            services.add_version(henan, document, file=files.upload(files.text(), "b.txt"))


class TestUpdateDocument:
    def test_changes_are_audited(self, henan: Any) -> None:
        document = make_document(henan, title="旧标题")
        updated = services.update_document(
            henan,
            document,
            lock_version=1,
            title="新标题",
            kind=DocumentKind.POLICY,
            topics=["recycling"],
        )
        assert updated.lock_version == 2
        entry = _audit(document)[-1]
        assert entry.action == AuditEntry.Action.UPDATE
        assert entry.changes == {
            "title": ["旧标题", "新标题"],
            "kind": ["other", "policy"],
            "topics": [[], ["回收利用"]],
        }
        search_entry = _entry("document", document.pk)
        assert search_entry is not None and search_entry.title == "新标题"

    def test_stale_lock_version_is_a_conflict(self, henan: Any, henan_member: Any) -> None:
        document = make_document(henan)
        services.update_document(henan_member, document, lock_version=1, title="甲改的")
        before = state()
        with pytest.raises(Conflict) as exc:
            services.update_document(henan, document, lock_version=1, title="乙改的")
        assert exc.value.code == "stale_version"
        assert state() == before
        document.refresh_from_db()
        assert document.title == "甲改的"

    def test_unknown_field_and_blank_title(self, henan: Any) -> None:
        document = make_document(henan)
        with pytest.raises(Invalid):
            services.update_document(henan, document, lock_version=1, file="x")
        with pytest.raises(Invalid):
            services.update_document(henan, document, lock_version=1, title="  ")

    def test_archived_document_is_not_edited(self, henan: Any) -> None:
        document = make_document(henan)
        services.archive_document(henan, document)
        with pytest.raises(Conflict):
            services.update_document(henan, document, lock_version=None, title="x")


class TestArchiveDocument:
    def test_archive_and_restore(self, henan: Any) -> None:
        document = make_document(henan)
        archived = services.archive_document(henan, document)
        assert archived.is_archived and archived.archived_by == henan
        assert _entry("document", document.pk) is None  # out of search
        with pytest.raises(Conflict):
            services.archive_document(henan, document)
        restored = services.restore_document(henan, document)
        assert not restored.is_archived
        assert _entry("document", document.pk) is not None
        assert [e.action for e in _audit(document)][-2:] == ["archive", "restore"]
        # Archived, the document stays readable (and downloadable).
        assert queries.get_document(henan, document.pk) == document

    def test_restoring_a_live_document_is_a_conflict(self, henan: Any) -> None:
        with pytest.raises(Conflict):
            services.restore_document(henan, make_document(henan))


# ---------------------------------------------------------------- cases


class TestCaseWorkflow:
    def test_create_draft(self, henan: Any) -> None:
        document = make_document(henan)
        case = make_case(henan, topic="sorted_disposal", documents=[document.pk])
        assert case.status == Status.DRAFT
        assert case.region_id == "410000"
        assert case.topic is not None and case.topic.code == "sorted_disposal"
        assert list(case.documents.all()) == [document]
        assert _audit(case)[0].changes["title"] == [None, "许昌市撤桶并点试点"]
        assert _entry("case", case.pk) is not None  # drafts are indexed too

    def test_required_fields(self, henan: Any) -> None:
        before = state()
        with pytest.raises(Invalid) as exc:
            make_case(henan, problem="", approach="")
        assert {"problem", "approach"} <= exc.value.fields.keys()
        assert state() == before

    def test_nominate_promote(self, henan: Any, supervisor: Any) -> None:
        case = make_case(henan)
        nominated = services.nominate_case(henan, case)
        assert nominated.status == Status.NOMINATED
        assert nominated.nominated_by == henan and nominated.nominated_at is not None
        promoted = services.promote_case(supervisor, case, note="经验可复制")
        assert promoted.status == Status.PROMOTED
        assert promoted.reviewed_by == supervisor and promoted.review_note == "经验可复制"
        transitions = [e for e in _audit(case) if e.action == AuditEntry.Action.TRANSITION]
        assert [e.changes["status"] for e in transitions] == [
            ["draft", "nominated"],
            ["nominated", "promoted"],
        ]
        assert queries.featured_cases(henan)[0] == case

    def test_return_and_renominate(self, henan: Any, supervisor: Any) -> None:
        case = make_case(henan)
        services.nominate_case(henan, case)
        with pytest.raises(Invalid) as exc:
            services.return_case(supervisor, case, "  ")
        assert exc.value.code == "note_required"
        returned = services.return_case(supervisor, case, "请补充数据来源")
        assert returned.status == Status.RETURNED and returned.review_note == "请补充数据来源"
        edited = services.update_case(
            henan, case, lock_version=returned.lock_version, figures="分出率35%（2021年统计）"
        )
        assert edited.figures == "分出率35%（2021年统计）"
        assert services.nominate_case(henan, case).status == Status.NOMINATED

    def test_promoted_case_can_be_returned(self, henan: Any, supervisor: Any) -> None:
        case = make_case(henan)
        services.nominate_case(henan, case)
        services.promote_case(supervisor, case)
        assert services.return_case(supervisor, case, "数据有误").status == Status.RETURNED
        assert case not in queries.featured_cases(henan)

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (Status.NOMINATED, "nominate"),
            (Status.PROMOTED, "nominate"),
            (Status.DRAFT, "promote"),
            (Status.RETURNED, "promote"),
            (Status.PROMOTED, "promote"),
            (Status.DRAFT, "return"),
            (Status.RETURNED, "return"),
        ],
    )
    def test_illegal_transitions(
        self, henan: Any, supervisor: Any, status: str, action: str
    ) -> None:
        case = make_case(henan)
        ModelCase.objects.filter(pk=case.pk).update(status=status)
        before = state()
        with pytest.raises(Conflict) as exc:
            if action == "nominate":
                services.nominate_case(supervisor, case)
            elif action == "promote":
                services.promote_case(supervisor, case)
            else:
                services.return_case(supervisor, case, "意见")
        assert exc.value.code == "invalid_transition"
        assert state() == before
        case.refresh_from_db()
        assert case.status == status

    def test_transitions_by_role(
        self, henan: Any, henan_member: Any, henan_expert: Any, jiangxi: Any, supervisor: Any
    ) -> None:
        case = make_case(henan)
        for actor in (henan_member, henan_expert, jiangxi):
            with pytest.raises(Forbidden):
                services.nominate_case(actor, case)
        services.nominate_case(henan, case)
        for actor in (henan, henan_member, jiangxi):
            with pytest.raises(Forbidden):
                services.promote_case(actor, case)
            with pytest.raises(Forbidden):
                services.return_case(actor, case, "意见")
        assert services.promote_case(supervisor, case).status == Status.PROMOTED

    def test_ministry_nominates_too(self, henan: Any, supervisor: Any) -> None:
        case = make_case(henan)
        assert services.nominate_case(supervisor, case).status == Status.NOMINATED

    def test_nominated_case_is_locked_for_its_region(self, henan: Any, supervisor: Any) -> None:
        case = make_case(henan)
        case = services.nominate_case(henan, case)
        with pytest.raises(Conflict) as exc:
            services.update_case(henan, case, lock_version=case.lock_version, title="改")
        assert exc.value.code == "case_locked"
        changed = services.update_case(
            supervisor, case, lock_version=case.lock_version, title="住建部修改"
        )
        assert changed.title == "住建部修改"

    def test_stale_case_edit(self, henan: Any) -> None:
        case = make_case(henan)
        services.update_case(henan, case, lock_version=1, title="第一次")
        with pytest.raises(Conflict):
            services.update_case(henan, case, lock_version=1, title="第二次")

    def test_archive_and_restore_case(self, henan: Any) -> None:
        case = make_case(henan)
        services.archive_case(henan, case)
        assert _entry("case", case.pk) is None
        with pytest.raises(Conflict):
            services.nominate_case(henan, case)
        services.restore_case(henan, case)
        assert _entry("case", case.pk) is not None

    def test_linked_documents_must_be_visible_and_live(
        self, henan: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        private = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        with pytest.raises(Invalid) as exc:
            make_case(jiangxi, documents=[private.pk])
        assert exc.value.code == "document_not_available"
        archived = make_document(henan)
        services.archive_document(henan, archived)
        with pytest.raises(Invalid):
            make_case(henan, documents=[archived.pk])


class TestAdoptions:
    def test_record_and_uniqueness(self, henan: Any, jiangxi: Any) -> None:
        case = make_case(henan)
        adoption = services.record_adoption(
            jiangxi, case, region="360000", note="南昌市借鉴", adopted_on=dt.date(2021, 6, 1)
        )
        assert adoption.region_id == "360000" and adoption.recorded_by == jiangxi
        assert _audit(adoption)[0].changes["region"] == [None, "江西省"]
        before = state()
        with pytest.raises(Conflict) as exc:
            services.record_adoption(jiangxi, case, region="360000")
        assert exc.value.code == "already_adopted"
        assert state() == before
        assert [a.region_id for a in queries.adoptions_of(case)] == ["360000"]

    def test_withdraw_then_record_again(self, henan: Any, jiangxi: Any) -> None:
        case = make_case(henan)
        adoption = services.record_adoption(jiangxi, case, region="360000")
        withdrawn = services.withdraw_adoption(jiangxi, adoption)
        assert withdrawn.archived_at is not None
        with pytest.raises(Conflict):
            services.withdraw_adoption(jiangxi, adoption)
        again = services.record_adoption(jiangxi, case, region="360000")
        assert again.pk != adoption.pk
        assert CaseAdoption.objects.filter(case=case).count() == 2
        assert len(queries.adoptions_of(case)) == 1
        assert len(queries.adoptions_of(case, include_withdrawn=True)) == 2

    def test_only_for_the_actors_region(
        self, henan: Any, jiangxi: Any, henan_expert: Any, supervisor: Any
    ) -> None:
        case = make_case(henan, region="411000")
        with pytest.raises(Forbidden):
            services.record_adoption(jiangxi, case, region="410000")
        with pytest.raises(Forbidden):
            services.record_adoption(henan_expert, case, region="410000")
        adoption = services.record_adoption(supervisor, case, region="620000")
        with pytest.raises(Forbidden):
            services.withdraw_adoption(jiangxi, adoption)

    def test_own_region_and_future_date(self, henan: Any, jiangxi: Any) -> None:
        case = make_case(henan)
        with pytest.raises(Invalid) as exc:
            services.record_adoption(henan, case, region="410000")
        assert exc.value.code == "own_case"
        with pytest.raises(Invalid) as exc:
            services.record_adoption(
                jiangxi,
                case,
                region="360000",
                adopted_on=timezone.localdate() + dt.timedelta(days=3),
            )
        assert exc.value.code == "future_date"

    def test_invisible_case(self, henan: Any, jiangxi: Any, tianjin_henan: Any) -> None:
        case = make_case(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        with pytest.raises(NotFound):
            services.record_adoption(jiangxi, case, region="360000")


# ---------------------------------------------------------------- compilations


class TestCompilations:
    def test_ordered_items(self, henan: Any) -> None:
        a, b, c = (make_document(henan, title=t) for t in ("甲", "乙", "丙"))
        compilation = make_compilation(henan, [c, a, b], preface="前言")
        items = CompilationItem.objects.filter(compilation=compilation).order_by("position")
        assert [(i.position, i.document.title) for i in items] == [(1, "丙"), (2, "甲"), (3, "乙")]
        assert compilation.region_id == "410000"
        assert _audit(compilation)[0].changes["documents"] == [None, ["丙", "甲", "乙"]]

    def test_reorder_with_lock(self, henan: Any) -> None:
        a, b, c = (make_document(henan, title=t) for t in ("甲", "乙", "丙"))
        compilation = make_compilation(henan, [a, b])
        changed = services.set_compilation_documents(
            henan, compilation, document_ids=[c.pk, b.pk, a.pk], lock_version=1
        )
        assert [d.title for d in queries.documents_of(changed)] == ["丙", "乙", "甲"]
        assert _audit(compilation)[-1].changes == {"documents": [["甲", "乙"], ["丙", "乙", "甲"]]}
        with pytest.raises(Conflict):
            services.set_compilation_documents(
                henan, compilation, document_ids=[a.pk], lock_version=1
            )
        assert len(queries.documents_of(compilation)) == 3

    def test_documents_must_be_visible_live_and_distinct(
        self, henan: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        mine = make_document(jiangxi)
        private = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        archived = make_document(jiangxi)
        services.archive_document(jiangxi, archived)
        before = state()
        for ids, code in (
            ([mine.pk, private.pk], "document_not_available"),
            ([archived.pk], "document_not_available"),
            ([mine.pk, mine.pk], "duplicate_document"),
            ([987654], "document_not_available"),
        ):
            with pytest.raises(Invalid) as exc:
                services.create_compilation(
                    jiangxi, title="汇编", visibility=Visibility.PROGRAMME, document_ids=ids
                )
            assert exc.value.code == code
        assert state() == before

    def test_documents_at_least_as_visible_as_the_compilation(
        self, henan: Any, tianjin_henan: Any, nankai_xuchang: Any
    ) -> None:
        public = make_document(henan)
        private = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        with pytest.raises(Invalid) as exc:
            make_compilation(henan, [public, private])
        assert exc.value.code == "document_narrower"
        pair = make_compilation(
            henan, [public, private], visibility=Visibility.PAIR, pairing=tianjin_henan
        )
        assert len(queries.documents_of(pair)) == 2
        with pytest.raises(Invalid) as exc:
            services.update_compilation(
                henan, pair, lock_version=pair.lock_version, visibility=Visibility.PROGRAMME
            )
        assert exc.value.code == "document_narrower"
        with pytest.raises(Invalid):
            make_compilation(henan, [private], visibility=Visibility.PAIR, pairing=nankai_xuchang)

    def test_update_archive_restore(self, henan: Any, jiangxi: Any) -> None:
        compilation = make_compilation(henan, [make_document(henan)])
        changed = services.update_compilation(
            henan, compilation, lock_version=1, title="新汇编", preface="新前言"
        )
        assert changed.title == "新汇编" and changed.lock_version == 2
        with pytest.raises(Forbidden):
            services.update_compilation(jiangxi, compilation, lock_version=2, title="外省改")
        services.archive_compilation(henan, compilation)
        with pytest.raises(Conflict):
            services.update_compilation(henan, compilation, lock_version=None, title="x")
        assert not services.restore_compilation(henan, compilation).is_archived


# ---------------------------------------------------------------- the platform itself


class TestSystemActor:
    """`actor=None` is the platform (the starting-data loaders): no permission applies."""

    def test_loader_can_do_everything(self, tianjin_henan: Any) -> None:
        document = make_document(
            None,
            region="110000",
            visibility=Visibility.PAIR,
            pairing=tianjin_henan,
            is_demo=True,
        )
        assert document.is_demo and document.created_by is None
        case = make_case(None, region="510500", documents=[document.pk], is_demo=True)
        services.nominate_case(None, case)
        assert services.promote_case(None, case, note="示范").status == Status.PROMOTED
        adoption = services.record_adoption(None, case, region="360000")
        assert adoption.recorded_by is None
        compilation = make_compilation(
            None, [document], visibility=Visibility.PAIR, pairing=tianjin_henan, is_demo=True
        )
        assert compilation.is_demo
        assert _audit(document)[0].actor is None

    def test_version_rows_unchanged_for_system(self) -> None:
        document = make_document(None, region="110000")
        assert DocumentVersion.objects.filter(document=document).count() == 1
