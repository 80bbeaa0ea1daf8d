"""A course's 学时 are backed by its content: an institution cannot publish a course whose
lessons add up to less than its 学时 at the program's minutes per 学时 (45 in the shipped
rules), and an uploaded video is as long as the lesson says."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.learning import services
from tisheng.learning.models import Course, Lesson
from tisheng.learning.tests.factories import course, institution, mp4_bytes


@pytest.fixture
def inst(world):
    return institution(world, "INST-A", "甲机构", "13600000001")


def draft(program, org, *, hours: str, minutes: list[int]) -> Course:
    c = course(program, org, "H1", status="draft", lessons=0, hours=hours)
    for i, m in enumerate(minutes, start=1):
        Lesson.objects.create(course=c, order=i, title=f"第{i}讲", duration_seconds=m * 60,
                              video_url=f"https://video.fjnu.edu.cn/H1/{i}.mp4")
    return c


def test_a_course_whose_lessons_are_shorter_than_its_hours_is_not_published(world, program_2, inst):
    org, user = inst
    c = draft(program_2, org, hours="2", minutes=[45, 40])  # 85 minutes for 2 学时 of 45

    with pytest.raises(ValidationError) as exc:
        services.course_publish(actor=user, course=c)

    c.refresh_from_db()
    assert c.status == Course.Status.DRAFT
    message = exc.value.messages[0]
    assert message == services.COURSE_TOO_SHORT % {"content": "85", "needed": "90", "hours": "2", "per_hour": 45}


def test_a_course_whose_lessons_add_up_to_its_hours_is_published(world, program_2, inst):
    org, user = inst
    c = draft(program_2, org, hours="2", minutes=[45, 45])

    services.course_publish(actor=user, course=c)

    assert c.status == Course.Status.PUBLISHED


def test_the_minutes_per_hour_come_from_the_programs_rule_set(world, program_2, inst):
    org, user = inst
    program_2.rules = {**program_2.rules, "minutes_per_hour": 40}
    program_2.save()
    c = draft(program_2, org, hours="1.5", minutes=[30, 30])  # 60 minutes = 1.5 学时 of 40

    services.course_publish(actor=user, course=c)

    assert c.status == Course.Status.PUBLISHED


def test_publishing_a_short_course_from_its_page_says_why_in_chinese(client, world, program_2, inst, password):
    org, user = inst
    c = draft(program_2, org, hours="10", minutes=[45, 45])
    client.login(username=user.phone, password=password)

    page = client.post(reverse("learning:publish", args=[c.pk]), {"action": "publish"}, follow=True)

    text = page.content.decode()
    assert "课时内容合计 90 分钟" in text
    assert "10 学时需要 450 分钟" in text
    c.refresh_from_db()
    assert c.status == Course.Status.DRAFT


def test_the_course_page_shows_how_much_content_backs_the_hours(client, world, program_2, inst, password):
    org, user = inst
    c = draft(program_2, org, hours="2", minutes=[45, 40])
    client.login(username=user.phone, password=password)

    text = client.get(reverse("learning:institution_course", args=[c.pk])).content.decode()

    assert 'data-testid="content-minutes"' in text
    assert "85 / 90" in text


def test_another_institution_gets_404_on_publishing_a_course(client, world, program_2, inst, password):
    org, _ = inst
    c = draft(program_2, org, hours="1", minutes=[45])
    _other, other_user = institution(world, "INST-B", "乙机构", "13600000002")
    client.login(username=other_user.phone, password=password)

    assert client.post(reverse("learning:publish", args=[c.pk]), {"action": "publish"}).status_code == 404
    c.refresh_from_db()
    assert c.status == Course.Status.DRAFT


def test_an_uploaded_video_shorter_than_the_lesson_says_is_refused(world, program_2, inst, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    org, user = inst
    c = course(program_2, org, "U1", status="draft", lessons=0)

    with pytest.raises(ValidationError) as exc:
        services.lesson_add(actor=user, course=c, title="第一讲", duration_seconds=45 * 60,
                            upload=SimpleUploadedFile("a.mp4", mp4_bytes(tmp_path, 5), content_type="video/mp4"))

    assert exc.value.messages == [services.VIDEO_SHORTER % {"media": "0:05", "declared": "45:00"}]
    assert not c.lessons.exists()


def test_an_uploaded_video_as_long_as_the_lesson_says_is_added(world, program_2, inst, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    org, user = inst
    c = course(program_2, org, "U1", status="draft", lessons=0)

    lesson = services.lesson_add(actor=user, course=c, title="第一讲", duration_seconds=5,
                                 upload=SimpleUploadedFile("a.mp4", mp4_bytes(tmp_path, 5), content_type="video/mp4"))

    assert lesson.video_file.startswith("videos/")


def test_an_mp4_whose_length_cannot_be_read_is_refused(world, program_2, inst, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    org, user = inst
    c = course(program_2, org, "U1", status="draft", lessons=0)
    only_a_header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64

    with pytest.raises(ValidationError) as exc:
        services.lesson_add(actor=user, course=c, title="第一讲", duration_seconds=60,
                            upload=SimpleUploadedFile("a.mp4", only_a_header, content_type="video/mp4"))

    assert exc.value.messages == [services.VIDEO_NO_DURATION]
