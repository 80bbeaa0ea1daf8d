import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.learning import selectors, services
from tisheng.learning.models import Course, CourseSelection
from tisheng.learning.tests.factories import course, institution, mp4_bytes

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64


@pytest.fixture
def inst(world):
    return institution(world, "INST-A", "甲机构", "13600000001")


def _draft(program, org) -> Course:
    return course(program, org, "D1", status="draft", lessons=0)


def test_an_institution_creates_a_course_with_topics(world, program_1, inst):
    org, user = inst

    c = services.course_create(actor=user, institution=org, program=program_1, code="K1", title="微课设计",
                               hours="10", topics=["T5"], subjects=["语文"], stages=["primary"])

    assert c.status == Course.Status.DRAFT
    assert c.search_tags == "|T5|语文|primary|"


def test_a_course_with_an_unknown_topic_is_refused(world, program_1, inst):
    org, user = inst

    with pytest.raises(ValidationError) as exc:
        services.course_create(actor=user, institution=org, program=program_1, code="K1", title="x", hours="10",
                               topics=["T28"])
    assert "T28" in exc.value.messages[0]


def test_a_user_of_another_institution_cannot_create_its_courses(world, program_1, inst):
    org, _ = inst
    _other, other_user = institution(world, "INST-B", "乙机构", "13600000002")

    with pytest.raises(Exception, match=str(services.NOT_YOUR_INSTITUTION)):
        services.course_create(actor=other_user, institution=org, program=program_1, code="K1", title="x",
                               hours="10", topics=["T1"])


def test_an_uploaded_mp4_is_stored_under_private_media(world, program_1, inst, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    org, user = inst
    c = _draft(program_1, org)

    video = mp4_bytes(tmp_path, 3)

    lesson = services.lesson_add(actor=user, course=c, title="第一讲", duration_seconds=3,
                                 upload=SimpleUploadedFile("a.mp4", video, content_type="video/mp4"))

    assert lesson.video_file.startswith("videos/")
    assert (tmp_path / lesson.video_file).read_bytes() == video


def test_a_file_without_an_ftyp_box_is_not_accepted_as_video(world, program_1, inst, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    org, user = inst
    c = _draft(program_1, org)

    with pytest.raises(ValidationError) as exc:
        services.lesson_add(actor=user, course=c, title="x", duration_seconds=60,
                            upload=SimpleUploadedFile("a.mp4", b"<html>not a video</html>"))
    assert services.VIDEO_NOT_MP4 in exc.value.messages


def test_a_video_over_the_size_limit_is_refused(world, program_1, inst, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.LEARNING_MAX_VIDEO_BYTES = 50
    org, user = inst
    c = _draft(program_1, org)

    with pytest.raises(ValidationError):
        services.lesson_add(actor=user, course=c, title="x", duration_seconds=60,
                            upload=SimpleUploadedFile("a.mp4", MP4_HEAD))


def test_an_external_video_must_be_https(world, program_1, inst):
    org, user = inst
    c = _draft(program_1, org)

    with pytest.raises(ValidationError) as exc:
        services.lesson_add(actor=user, course=c, title="x", duration_seconds=60,
                            video_url="http://cdn.example.com/a.mp4")
    assert services.VIDEO_NOT_HTTPS in exc.value.messages


def test_a_course_without_lessons_cannot_be_published(world, program_1, inst):
    org, user = inst
    c = _draft(program_1, org)

    with pytest.raises(ValidationError) as exc:
        services.course_publish(actor=user, course=c)
    assert services.NEEDS_LESSONS in exc.value.messages


def test_a_quiz_is_passed_at_its_pass_mark(world, program_1, inst):
    org, user = inst
    c = course(program_1, org, "Q1", status="draft")
    quiz = services.quiz_set(actor=user, course=c, pass_mark=50,
                             text="1+1=?\n*2\n3\n\n首都是？\n上海\n*北京")
    assert not selectors.quiz_passed(world.teacher, c)

    attempt = services.quiz_attempt_submit(teacher=world.teacher, quiz=quiz, answers=[0, 0])

    assert attempt.score == 50
    assert selectors.quiz_passed(world.teacher, c)


def test_a_course_without_a_quiz_counts_as_passed(world, program_1, inst):
    org, _ = inst
    assert selectors.quiz_passed(world.teacher, course(program_1, org, "N1"))


def test_the_institution_publishes_from_its_course_page(client, world, program_1, inst, password):
    org, user = inst
    c = course(program_1, org, "P1", status="draft", hours="0.4")  # two lessons of 10 minutes
    client.login(username=user.phone, password=password)

    client.post(reverse("learning:publish", args=[c.pk]), {"action": "publish"})

    c.refresh_from_db()
    assert c.status == Course.Status.PUBLISHED
    assert "课程P1" in client.get(reverse("learning:institution_courses")).content.decode()


def test_another_institution_gets_404_on_a_course_page(client, world, program_1, inst, password):
    org, _ = inst
    c = course(program_1, org, "P1", status="draft")
    _other, other_user = institution(world, "INST-B", "乙机构", "13600000002")
    client.login(username=other_user.phone, password=password)

    assert client.get(reverse("learning:institution_course", args=[c.pk])).status_code == 404


def test_a_county_office_gets_403_on_the_institution_pages(client, world, password):
    client.login(username=world.county_officer.phone, password=password)

    assert client.get(reverse("learning:institution_courses")).status_code == 403


def test_passing_the_quiz_after_the_last_lesson_credits_the_course_once(world, program_1, inst):
    from tisheng.learning.tests.factories import enroll
    from tisheng.ledger.models import LedgerEntry
    from tisheng.playback.models import LessonCompletion

    org, user = inst
    enroll(program_1, world.teacher)
    c = course(program_1, org, "Q2", status="draft", hours="8")
    CourseSelection.objects.create(teacher=world.teacher, program=program_1, course=c)  # hours need it
    quiz = services.quiz_set(actor=user, course=c, pass_mark=100, text="1+1=?\n*2\n3")
    for lesson in c.lessons.all():
        LessonCompletion.objects.create(teacher=world.teacher, lesson=lesson, course=c)

    services.quiz_attempt_submit(teacher=world.teacher, quiz=quiz, answers=[1])
    assert not LedgerEntry.objects.filter(teacher=world.teacher, source_kind="course").exists()
    services.quiz_attempt_submit(teacher=world.teacher, quiz=quiz, answers=[0])
    services.quiz_attempt_submit(teacher=world.teacher, quiz=quiz, answers=[0])

    credits = LedgerEntry.objects.filter(teacher=world.teacher, source_kind="course", source_id=str(c.pk))
    assert [e.hours for e in credits] == [8]


def test_the_institution_uploads_a_lesson_video_from_its_course_page(client, world, program_1, inst, password,
                                                                      settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    org, user = inst
    c = _draft(program_1, org)
    client.login(username=user.phone, password=password)

    client.post(reverse("learning:lesson_add", args=[c.pk]), {
        "title": "第一讲", "duration_minutes": "2", "video": SimpleUploadedFile("a.mp4", mp4_bytes(tmp_path, 120))})

    lesson = c.lessons.get()
    assert lesson.duration_seconds == 120
    assert (tmp_path / lesson.video_file).exists()


def test_another_institution_cannot_add_lessons_to_a_course(client, world, program_1, inst, password):
    org, _ = inst
    c = _draft(program_1, org)
    _other, other_user = institution(world, "INST-B", "乙机构", "13600000002")
    client.login(username=other_user.phone, password=password)

    response = client.post(reverse("learning:lesson_add", args=[c.pk]), {
        "title": "x", "duration_minutes": "2", "video_url": "https://cdn.example.com/x.mp4"})

    assert response.status_code == 404
    assert not c.lessons.exists()


def test_the_institution_creates_a_draft_course_from_its_page(client, world, program_2, inst, password):
    org, user = inst
    client.login(username=user.phone, password=password)

    response = client.post(reverse("learning:institution_courses"), {
        "program": str(program_2.pk), "code": "N1", "title": "新课程", "hours": "6", "micro_abilities": "a1, B3",
        "stages": ["primary"], "subjects": ["语文"]})

    c = Course.objects.get(code="N1")
    assert response.status_code == 302
    assert (c.institution, c.micro_abilities, c.status) == (org, ["A1", "B3"], Course.Status.DRAFT)
