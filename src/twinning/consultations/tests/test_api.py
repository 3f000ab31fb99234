"""The REST API: every operation once, and its refusals as problem+json."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from twinning.consultations.models import ExpertTopic, Problem
from twinning.consultations.tests.conftest import EXE, PDF
from twinning.core.testing import assert_problem

BASE = "/api/v1/consultations"


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_the_whole_life_of_a_problem(api, henan, tianjin, leading_expert, tianjin_henan):
    asker, leader, expert = api(henan), api(tianjin), api(leading_expert)
    created = _post(
        asker,
        BASE,
        {
            "pairing_id": tianjin_henan.pk,
            "title": "厨余垃圾分出率低",
            "description": "居民参与度低",
            "topic": "sorted_disposal",
            "urgency": "urgent",
            "response_days": 14,
        },
    )
    assert created.status_code == 201, created.content
    problem = created.json()
    pid = problem["id"]
    assert (problem["status"], problem["topic"], problem["asked_by"]) == (
        "open",
        "sorted_disposal",
        "henan",
    )
    assert leader.get(f"{BASE}?status=open").json()["count"] == 1
    patched = asker.patch(
        f"{BASE}/{pid}",
        json.dumps({"title": "厨余垃圾分出率偏低", "lock_version": problem["lock_version"]}),
        content_type="application/json",
    )
    assert patched.json()["title"] == "厨余垃圾分出率偏低"
    stale = asker.patch(
        f"{BASE}/{pid}",
        json.dumps({"title": "x", "lock_version": problem["lock_version"]}),
        content_type="application/json",
    )
    assert_problem(stale, 409, "stale_version")

    assigned = _post(leader, f"{BASE}/{pid}/assign", {"expert": "tj_expert"})
    assert assigned.status_code == 201 and assigned.json()["expert"] == "tj_expert"
    answered = _post(expert, f"{BASE}/{pid}/answers", {"body": "设督导员"})
    assert answered.status_code == 201
    aid = answered.json()["id"]
    files = expert.post(
        f"{BASE}/{pid}/attachments",
        {"files": [SimpleUploadedFile("方案.pdf", PDF)], "answer_id": aid},
    )
    assert files.status_code == 201, files.content
    assert files.json()[0]["answer_id"] == aid
    comment = _post(asker, f"{BASE}/{pid}/comments", {"body": "谢谢", "answer_id": aid})
    assert comment.status_code == 201
    accepted = _post(asker, f"{BASE}/{pid}/answers/{aid}/accept")
    assert accepted.json()["accepted"] is True
    rated = _post(asker, f"{BASE}/{pid}/rate", {"rating": 5, "comment": "好"})
    assert rated.json()["rating"] == 5
    solved = _post(asker, f"{BASE}/{pid}/solved")
    assert solved.json()["solved_in_practice_at"]
    closed = _post(asker, f"{BASE}/{pid}/close", {"reason": "已解决"})
    assert closed.json()["status"] == "closed"
    assert_problem(_post(expert, f"{BASE}/{pid}/answers", {"body": "再答"}), 409, "problem_closed")
    reopened = _post(asker, f"{BASE}/{pid}/reopen", {"note": "又出现了"})
    assert reopened.json()["status"] == "answered"

    detail = leader.get(f"{BASE}/{pid}").json()
    assert [a["expert"] for a in detail["assignments"]] == ["tj_expert"]
    assert detail["answers"][0]["attachments"][0]["original_name"] == "方案.pdf"
    assert detail["answers"][0]["comments"][0]["body"] == "谢谢"
    history = leader.get(f"{BASE}/{pid}/history").json()
    assert {"create", "transition", "update"} <= {e["action"] for e in history}
    similar = leader.get(f"{BASE}/similar", {"q": "厨余垃圾分出率怎么提高"}).json()
    assert similar[0]["id"] == pid


def test_refusals_are_problem_documents(api, henan, tianjin, jiangxi, tianjin_henan, ask):
    body = {"pairing_id": tianjin_henan.pk, "title": "t", "description": "d"}
    assert_problem(_post(api(tianjin), BASE, body), 403, "forbidden")
    assert_problem(_post(api(jiangxi), BASE, body), 422, "unknown_pairing")
    assert_problem(_post(api(henan), BASE, {**body, "topic": "nope"}), 422, "unknown_topic")
    assert_problem(
        _post(api(henan), BASE, {**body, "response_days": 61}), 422, "invalid_response_days"
    )
    problem = ask()
    assert_problem(api(jiangxi).get(f"{BASE}/{problem.pk}"), 404, "not_found")
    assert_problem(
        _post(api(jiangxi), f"{BASE}/{problem.pk}/comments", {"body": "x"}), 404, "not_found"
    )
    disguised = api(henan).post(
        f"{BASE}/{problem.pk}/attachments", {"files": [SimpleUploadedFile("a.pdf", EXE)]}
    )
    assert_problem(disguised, 422, "unsupported_file_type")
    assert_problem(
        _post(api(henan), f"{BASE}/{problem.pk}/rate", {"rating": 9}), 422, "invalid_input"
    )
    assert Problem.objects.count() == 1


def test_the_expert_pool(api, admin_user, tianjin, gansu_expert, sorting_topic):
    admin = api(admin_user)
    added = _post(admin, "/api/v1/expert-pool", {"user": "gs_expert", "topic": "sorted_disposal"})
    assert added.status_code == 201 and added.json()["active"] is True
    assert [r["user"] for r in admin.get("/api/v1/expert-pool").json()] == ["gs_expert"]
    removed = admin.delete(f"/api/v1/expert-pool/{added.json()['id']}")
    assert removed.json()["active"] is False
    assert ExpertTopic.objects.filter(active=False).count() == 1
    assert_problem(api(tianjin).get("/api/v1/expert-pool"), 403, "forbidden")
