import pytest
from django.urls import reverse

from tisheng.certificates.models import Certificate
from tisheng.certificates.services import REVOKE_NEEDS_REASON, certificate_issue
from tisheng.certificates.tests.conftest import enroll
from tisheng.jobs.models import Job
from tisheng.jobs.services import jobs_run_pending


@pytest.fixture
def issued(world, approved_2):
    return [certificate_issue(actor=world.province_officer, enrollment=e, code="completion") for e in approved_2]


def test_a_teacher_downloads_their_own_certificate(client, world, issued, password):
    client.login(username=world.teacher.user.phone, password=password)

    response = client.get(reverse("certificates:pdf", args=[issued[0].number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_teacher_cannot_download_a_colleagues_certificate(client, world, issued, password):
    client.login(username=world.teacher.user.phone, password=password)

    assert client.get(reverse("certificates:pdf", args=[issued[2].number])).status_code == 404


def test_a_teacher_lists_only_their_own_certificates(client, world, issued, password):
    client.login(username=world.teacher.user.phone, password=password)

    html = client.get(reverse("certificates:list")).content.decode()

    assert issued[0].number in html
    assert issued[2].number not in html


def test_the_outsider_sees_no_certificate_of_another_county(client, world, issued, password):
    client.login(username=world.outsider.phone, password=password)

    html = client.get(reverse("certificates:list")).content.decode()

    assert all(c.number not in html for c in issued)
    assert client.get(reverse("certificates:pdf", args=[issued[0].number])).status_code == 404
    assert client.post(reverse("certificates:revoke", args=[issued[0].number]),
                       {"reason": "x"}).status_code == 404


def test_the_list_query_count_does_not_grow_with_rows(client, world, program_2, issued, password,
                                                      django_assert_max_num_queries):
    client.login(username=world.county_officer.phone, password=password)
    client.get(reverse("certificates:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("certificates:list"))
    enroll(program_2, world.teacher_b, online="25", practice="30")  # outside county A: not listed
    extra = [enroll(program_2, t, online="25", practice="30") for t in
             __import__("tisheng.people.tests.factories", fromlist=["TeacherFactory"]).TeacherFactory.create_batch(
                 5, school=world.school_a)]
    for e in extra:
        certificate_issue(actor=world.province_officer, enrollment=e, code="completion")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("certificates:list"))
    assert response.content.decode().count("FJ2024-350102-") >= 9


def test_a_county_office_may_not_revoke(client, world, issued, password):
    client.login(username=world.county_officer.phone, password=password)

    response = client.post(reverse("certificates:revoke", args=[issued[0].number]), {"reason": "错误"})

    assert response.status_code == 403
    assert not Certificate.objects.filter(revoked_at__isnull=False).exists()


def test_the_province_revokes_with_a_reason_and_not_without(client, world, issued, password):
    client.login(username=world.province_officer.phone, password=password)

    without = client.post(reverse("certificates:revoke", args=[issued[0].number]), {"reason": " "}, follow=True)
    assert str(REVOKE_NEEDS_REASON) in without.content.decode() or "撤销" in without.content.decode()
    assert not Certificate.objects.filter(revoked_at__isnull=False).exists()

    client.post(reverse("certificates:revoke", args=[issued[0].number]), {"reason": "重复发证"})
    issued[0].refresh_from_db()
    assert issued[0].revoked_reason == "重复发证"


class TestBatchIssue:
    def test_a_county_office_issues_its_county_as_a_job_with_a_progress_bar(self, client, world, program_2,
                                                                              password):
        ready = [enroll(program_2, t, online="25", practice="30") for t in world.teachers_a]
        enroll(program_2, world.teacher_a2, state="complete", online="25", practice="30")  # not approved yet
        enroll(program_2, world.teacher_b, online="25", practice="30")  # another county
        client.login(username=world.county_officer.phone, password=password)

        page = client.get(reverse("certificates:batch")).content.decode()
        assert "鼓楼区" in page
        assert "思明区" not in page
        response = client.post(reverse("certificates:batch"),
                               {"certificate": f"{program_2.pk}:completion", "region": world.county_a.pk})
        job = Job.objects.get()
        assert response.url == reverse("certificates:batch_job", args=[job.pk])
        queued = client.get(response.url).content.decode()
        assert "<progress" in queued

        jobs_run_pending()

        job.refresh_from_db()
        assert job.state == "done"
        assert job.result["issued"] == 3
        assert (job.done, job.total) == (3, 3)
        assert set(Certificate.objects.values_list("enrollment", flat=True)) == {e.pk for e in ready}
        done = client.get(response.url)
        assert done.context["job"].result["issued"] == 3
        assert 'data-testid="issued-count">3<' in done.content.decode()

    def test_a_retried_batch_reports_the_whole_job_not_its_last_attempt(self, world, program_2, approved_2):
        from tisheng.certificates.services import certificate_issue
        from tisheng.certificates.tasks import ISSUE_BATCH
        from tisheng.jobs.services import job_enqueue

        job = job_enqueue(actor=world.county_officer, kind=ISSUE_BATCH, scope_path=world.county_a.path,
                          args={"program": program_2.pk, "code": "completion", "region": world.county_a.pk})
        # The first attempt issued one certificate, then its worker died; the job runs again.
        certificate_issue(actor=world.county_officer, enrollment=approved_2[0], code="completion")
        Job.objects.filter(pk=job.pk).update(attempts=1)

        jobs_run_pending()

        job.refresh_from_db()
        assert (job.state, job.attempts) == ("done", 2)
        assert job.result["issued"] == 4
        assert job.result["issued_by_earlier_attempts"] == 1
        assert Certificate.objects.count() == 4

    def test_running_the_batch_again_issues_nothing_new(self, world, program_2, approved_2, client, password):
        from tisheng.certificates.services import certificates_issue_batch

        first = certificates_issue_batch(actor=world.county_officer, program=program_2, code="completion",
                                         region=world.county_a)
        again = certificates_issue_batch(actor=world.county_officer, program=program_2, code="completion",
                                         region=world.county_a)

        assert first["issued"] == 4
        assert again["eligible"] == 0
        assert Certificate.objects.count() == 4

    def test_the_outsider_cannot_start_a_batch_for_another_county(self, client, world, program_2, approved_2,
                                                                   password):
        client.login(username=world.outsider.phone, password=password)

        response = client.post(reverse("certificates:batch"),
                               {"certificate": f"{program_2.pk}:completion", "region": world.county_a.pk})

        assert response.status_code == 400
        assert not Job.objects.exists()

    def test_the_outsider_cannot_watch_another_countys_batch(self, client, world, program_2, password):
        from tisheng.jobs.services import job_enqueue

        job = job_enqueue(actor=world.county_officer, kind="certificates.issue_batch", scope_path=world.county_a.path,
                          args={"program": program_2.pk, "code": "completion", "region": world.county_a.pk})
        client.login(username=world.outsider.phone, password=password)

        assert client.get(reverse("certificates:batch_job", args=[job.pk])).status_code == 404

    def test_a_teacher_has_no_batch_page(self, client, world, password):
        client.login(username=world.teacher.user.phone, password=password)

        assert client.get(reverse("certificates:batch")).status_code == 403


def test_the_province_office_can_issue_for_the_whole_province_in_one_job(client, world, program_2, password):
    enroll(program_2, world.teacher, online="25", practice="30")
    enroll(program_2, world.teacher_b, online="25", practice="30")
    client.login(username=world.province_officer.phone, password=password)

    page = client.get(reverse("certificates:batch")).content.decode()
    client.post(reverse("certificates:batch"), {"certificate": f"{program_2.pk}:completion", "region": world.province.pk})
    jobs_run_pending()

    assert "福建省" in page
    assert "思明区" in page
    assert Job.objects.get().result["issued"] == 2
    assert sorted(Certificate.objects.values_list("number", flat=True)) == ["FJ2024-350102-000001",
                                                                             "FJ2024-350203-000001"]


def test_the_list_finds_a_certificate_by_number_or_name_and_by_status(client, world, issued, password):
    from tisheng.certificates.services import certificate_revoke

    certificate_revoke(actor=world.province_officer, certificate=issued[1], reason="重复")
    client.login(username=world.county_officer.phone, password=password)

    by_number = client.get(reverse("certificates:list"), {"q": issued[2].number.lower()}).context["page"]
    by_name = client.get(reverse("certificates:list"), {"q": "林晓燕"}).context["page"]
    revoked = client.get(reverse("certificates:list"), {"status": "revoked"}).context["page"]

    assert [c.number for c in by_number] == [issued[2].number]
    assert [c.number for c in by_name] == [issued[0].number]
    assert [c.number for c in revoked] == [issued[1].number]
