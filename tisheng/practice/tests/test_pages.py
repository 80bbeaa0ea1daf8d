import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.people.tests.factories import TeacherFactory
from tisheng.practice import services
from tisheng.practice.models import PointResult, SchoolPlan, Submission
from tisheng.practice.services.evidence import small_docx, small_pdf
from tisheng.practice.tests.conftest import MP4, SCHEDULE, point, submit_point

pytestmark = pytest.mark.django_db


def q(program):
    return f"?program={program.code}"


def test_the_province_edits_a_point_in_the_page_and_sees_the_history(client, world, catalogue, program_2):
    client.force_login(world.province_officer)
    url = reverse("practice:point_edit", args=["A3"])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {
        "name": "演示文稿设计与制作", "confirmed": "on", "note": "补充评价标准", "task_count": "2",
        "task-0-title": "演示文稿", "task-0-guide": "新指南", "task-0-kinds": ["slides"],
        "task-0-rubric_excellent": "优", "task-0-rubric_pass": "合", "task-1-title": ""})
    assert response.status_code == 302
    detail = client.get(reverse("practice:point", args=["A3"]))
    assert "v2" in detail.content.decode()
    assert "补充评价标准" in detail.content.decode()


def test_a_county_officer_cannot_open_the_catalogue_editor(client, world, catalogue):
    client.force_login(world.county_officer)
    assert client.get(reverse("practice:point_edit", args=["A3"])).status_code == 403
    assert client.get(reverse("practice:catalogue")).status_code == 200


def test_the_principal_submits_and_the_county_approves_in_the_pages(client, world, program_2, catalogue):
    client.force_login(world.principal)
    url = reverse("practice:school_plan", args=[world.school_a.pk]) + q(program_2)
    response = client.post(url, {"goals": "课堂常态化应用", "environment": "B", "research_topics": "混合学习\n小组合作",
                                 "schedule_date": ["2025-03-01", ""], "schedule_title": ["全员培训", ""],
                                 "schedule_kind": ["校本研修", ""], "action": "submit"})
    assert response.status_code == 302
    plan = SchoolPlan.objects.get(school=world.school_a)
    assert (plan.status, plan.research_topics) == ("submitted", ["混合学习", "小组合作"])
    client.force_login(world.county_officer)
    listing = client.get(reverse("practice:plans") + q(program_2))
    assert world.school_a.name in listing.content.decode()
    client.post(reverse("practice:plan_decide", args=[plan.pk]), {"action": "approve"})
    plan.refresh_from_db()
    assert plan.status == "approved"


def test_the_outsider_gets_404_on_another_countys_plans_queue_and_evidence(client, world, program_2, chosen):
    submission = submit_point(world, program_2, "A1")[0]
    plan = SchoolPlan.objects.get(school=world.school_a)
    client.force_login(world.outsider)
    assert client.get(reverse("practice:school_plan", args=[world.school_a.pk]) + q(program_2)).status_code == 404
    assert client.get(reverse("practice:queue", args=[world.school_a.pk]) + q(program_2)).status_code == 404
    assert client.get(reverse("practice:evidence_file", args=[submission.pk])).status_code == 404
    assert client.get(reverse("practice:grade", args=[world.teacher.pk, "A1"]) + q(program_2)).status_code == 404
    assert client.post(reverse("practice:plan_decide", args=[plan.pk]), {"action": "return"}).status_code == 404
    listing = client.get(reverse("practice:plans") + q(program_2))
    assert world.school_a.name not in listing.content.decode()


def test_a_colleague_cannot_open_a_teachers_evidence_but_the_assigned_peer_can(client, world, program_2, chosen):
    submission = submit_point(world, program_2, "A1")[0]
    colleague = world.teachers_a[2]
    client.force_login(colleague.user)
    url = reverse("practice:evidence_file", args=[submission.pk])
    assert client.get(url).status_code == 404
    colleague.subject = world.teacher.subject
    colleague.save()
    services.peer_assign(actor=world.principal, program=program_2, teacher=world.teacher, reviewer=colleague,
                         point=point("A1"))
    assert client.get(url).status_code == 200


def test_a_pdf_opens_inline_and_a_docx_downloads(client, world, program_2, chosen):
    task = chosen[0].point_version.tasks.first()
    docx = services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program_2, task=task,
                                      upload=SimpleUploadedFile("方案.docx", small_docx("方案")))
    client.force_login(world.county_officer)
    response = client.get(reverse("practice:evidence_file", args=[docx.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    pdf = services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program_2, task=task,
                                     upload=SimpleUploadedFile("方案.pdf", small_pdf("方案")))
    response = client.get(reverse("practice:evidence_file", args=[pdf.pk]))
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"


def test_a_video_is_served_in_ranges(client, world, program_2, chosen):
    choice = next(c for c in chosen if c.point.code == "A5")
    task = choice.point_version.tasks.get(title="课堂实录片段")
    video = services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program_2, task=task,
                                       upload=SimpleUploadedFile("实录.mp4", MP4))
    client.force_login(world.principal)
    response = client.get(reverse("practice:evidence_file", args=[video.pk]), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-9/{len(MP4)}"
    assert b"".join(response.streaming_content) == MP4[:10]


def test_the_teacher_chooses_uploads_and_sees_the_shortfall(client, world, program_2, plan):
    client.force_login(world.teacher.user)
    page = client.get(reverse("practice:my") + q(program_2))
    assert page.status_code == 200
    response = client.post(reverse("practice:my_choose") + q(program_2), {"points": ["A1", "A5"]}, follow=True)
    assert "还需选择 1 个能力点" in response.content.decode()
    client.post(reverse("practice:my_choose") + q(program_2), {"points": ["A1", "A5", "A10"]})
    task = services.current_version(point("A1")).tasks.first()
    client.post(reverse("practice:my_upload", args=[task.pk]) + q(program_2),
                {"file": SimpleUploadedFile("方案.docx", small_docx("学情分析方案"))})
    assert Submission.objects.filter(teacher=world.teacher, task=task).count() == 1
    page = client.get(reverse("practice:my") + q(program_2))
    assert "方案.docx" in page.content.decode()


def test_the_team_grades_each_item_and_decides_the_point(client, world, program_2, chosen, assessor):
    submissions = submit_point(world, program_2, "A10")
    client.force_login(assessor)
    url = reverse("practice:grade", args=[world.teacher.pk, "A10"]) + q(program_2)
    assert client.get(url).status_code == 200
    for s in submissions:
        client.post(url, {"submission": s.pk, "grade": "excellent", "comment": "符合优秀标准"})
    page = client.get(url)
    assert 'data-testid="preview"' in page.content.decode()
    client.post(reverse("practice:decide", args=[world.teacher.pk, "A10"]) + q(program_2), {"recommended": "on"})
    result = PointResult.objects.get(teacher=world.teacher, point__code="A10")
    assert (result.result, result.recommended) == ("excellent", True)


def test_the_queue_query_count_does_not_grow_with_teachers(client, world, program_2, chosen, assessor,
                                                          django_assert_max_num_queries):
    submit_point(world, program_2, "A1")
    client.force_login(assessor)
    url = reverse("practice:queue", args=[world.school_a.pk]) + q(program_2) + "&show=all"
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        response = client.get(url)
    assert response.status_code == 200
    baseline = len(few.captured_queries)
    for i in range(6):
        t = TeacherFactory(school=world.school_a, name=f"新教师{i}", subject=world.teacher.subject)
        services.choices_save(actor=t.user, teacher=t, program=program_2, point_codes=["A1", "A5", "A10"])
    with django_assert_max_num_queries(baseline) as more:
        response = client.get(url)
    assert response.content.decode().count("新教师") == 18
    assert len(more.captured_queries) == baseline


def test_a_teacher_sees_choices_closed_before_approval(client, world, program_2, catalogue):
    services.plan_save(actor=world.principal, school=world.school_a, program=program_2, goals="g", environment="A",
                       research_topics=["t"], training_schedule=SCHEDULE)
    client.force_login(world.teacher.user)
    page = client.get(reverse("practice:my") + q(program_2))
    assert 'data-testid="closed"' in page.content.decode()


def test_the_county_sees_the_queue_and_the_grades_but_cannot_grade(client, world, program_2, chosen):
    submission = submit_point(world, program_2, "A1")[0]
    client.force_login(world.county_officer)
    queue = client.get(reverse("practice:queue", args=[world.school_a.pk]) + q(program_2) + "&show=all")
    assert world.teacher.name in queue.content.decode()
    url = reverse("practice:grade", args=[world.teacher.pk, "A1"]) + q(program_2)
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="grade-form"' not in page.content.decode()
    assert client.post(url, {"submission": submission.pk, "grade": "pass"}).status_code == 403


def test_the_assigned_peer_reviews_from_the_peer_page(client, world, program_2, chosen):
    submissions = submit_point(world, program_2, "A1")
    peer = world.teachers_a[2]
    peer.subject = world.teacher.subject
    peer.save()
    assignment = services.peer_assign(actor=world.principal, program=program_2, teacher=world.teacher,
                                      reviewer=peer, point=point("A1"))
    client.force_login(peer.user)
    listing = client.get(reverse("practice:peer") + q(program_2))
    assert world.teacher.name in listing.content.decode()
    url = reverse("practice:peer_review", args=[assignment.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"submission": submissions[0].pk, "grade": "pass", "comment": "设计完整"})
    assert submissions[0].reviews.filter(stage="peer", grade="pass").exists()
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_the_spot_check_reviewer_opens_the_evidence_of_the_point_they_check(client, world, program_2, chosen,
                                                                           assessor):
    from tisheng.practice.checks.models import SpotCheck, SpotCheckItem

    submissions = submit_point(world, program_2, "A1")
    for s in submissions:
        services.review_team(actor=assessor, submission=s, grade="pass")
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher,
                                          point=point("A1"))
    url = reverse("practice:evidence_file", args=[submissions[0].pk])
    client.force_login(world.teacher_b.user)
    assert client.get(url).status_code == 404
    check = SpotCheck.objects.create(program=program_2, region=world.county_a, region_path=world.county_a.path,
                                     share="0.1", fail_threshold="0.3", seed=1, created_by=world.county_officer)
    SpotCheckItem.objects.create(spot_check=check, result=result, school=world.school_a, org_path=result.org_path,
                                 reviewer=world.teacher_b.user)
    assert client.get(url).status_code == 200


def test_the_practice_home_explains_when_no_program_has_practice(client, world, program_1, catalogue):
    client.force_login(world.county_officer)
    page = client.get(reverse("practice:home"))
    assert page.status_code == 200
    assert 'data-testid="no-program"' in page.content.decode()


def test_the_grading_page_flags_evidence_whose_copied_share_reaches_the_programs_rule(client, world, program_2,
                                                                                      chosen, assessor):
    from tisheng.practice.checks.models import SimilarityMatch, SubmissionSignature

    first, second, *_ = submit_point(world, program_2, "A1")
    SubmissionSignature.objects.create(submission=second, teacher=world.teacher, hashvalues=b"", copied_share=0.91)
    SubmissionSignature.objects.create(submission=first, teacher=world.teacher, hashvalues=b"", copied_share=0.3)
    SimilarityMatch.objects.create(submission=second, other=first, jaccard=0.6, containment=0.91)
    client.force_login(assessor)
    page = client.get(reverse("practice:grade", args=[world.teacher.pk, "A1"]) + q(program_2)).content.decode()
    assert page.count('data-testid="similar-flag"') == 1  # 0.3 is under the 2.0 rule's 0.5
    assert reverse("practice:checks_similarity", args=[second.pk]) in page
    assert "复制比 91 %" in page
