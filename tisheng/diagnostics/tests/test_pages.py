import re

import pytest

from tisheng.diagnostics.models import Attempt, ScoreBand
from tisheng.diagnostics.services import BAND_ORDER, attempt_submit
from tisheng.diagnostics.tests.conftest import answers_scoring

LOW, HIGH = 0, 3


def taken(teacher, instrument, choose=lambda it: LOW):
    return attempt_submit(actor=teacher.user, teacher=teacher, instrument=instrument,
                          answers=answers_scoring(instrument, choose))


def test_a_teacher_takes_the_test_on_one_page_and_lands_on_the_result(client, world, instrument_1, password):
    client.login(username=world.teacher.user.phone, password=password)
    page = client.get(f"/diagnostics/programs/{instrument_1.program_id}/take/")
    assert page.content.decode().count('type="radio"') == 20 * 4

    answers = {f"item-{pk}": str(i) for pk, i in answers_scoring(instrument_1, lambda it: LOW).items()}
    response = client.post(f"/diagnostics/programs/{instrument_1.program_id}/take/", answers)

    attempt = Attempt.objects.get(teacher=world.teacher)
    assert response.status_code == 302
    assert response["Location"] == f"/diagnostics/results/{attempt.pk}/"
    assert attempt.scores["I|技术素养"] == 0.0


def test_a_test_with_an_unanswered_question_is_shown_again_with_the_error(client, world, instrument_1, password):
    client.login(username=world.teacher.user.phone, password=password)

    response = client.post(f"/diagnostics/programs/{instrument_1.program_id}/take/", {})

    assert response.status_code == 400
    assert "请回答所有题目后再提交" in response.content.decode()
    assert not Attempt.objects.exists()


def test_the_result_shows_two_radar_charts_drawn_by_the_vendored_echarts_and_no_external_url(
        client, world, instrument_1, password):
    attempt = taken(world.teacher, instrument_1)
    client.login(username=world.teacher.user.phone, password=password)

    html = client.get(f"/diagnostics/results/{attempt.pk}/").content.decode()

    assert 'data-testid="radar-I"' in html
    assert 'data-testid="radar-II"' in html
    assert '<script src="/static/vendor/echarts/echarts.min.js"' in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert "建议先学习应用信息技术优化课堂教学（I）的专题" in html
    assert "T14 技术支持的总结与复习" in html


def test_another_teachers_result_is_not_found(client, world, instrument_1, password):
    attempt = taken(world.teachers_a[2], instrument_1)
    client.login(username=world.teacher.user.phone, password=password)

    assert client.get(f"/diagnostics/results/{attempt.pk}/").status_code == 404


def test_a_school_admin_sees_results_of_their_schools_teachers_only(client, world, instrument_1, password):
    own = taken(world.teacher, instrument_1)
    other_school = taken(world.teacher_a2, instrument_1)
    client.login(username=world.principal.phone, password=password)

    listing = client.get("/diagnostics/results/").content.decode()

    assert client.get(f"/diagnostics/results/{own.pk}/").status_code == 200
    assert client.get(f"/diagnostics/results/{other_school.pk}/").status_code == 404
    assert world.teacher.name in listing
    assert world.teacher_a2.name not in listing


def test_the_outsider_sees_no_result_of_another_county(client, world, instrument_1, password):
    attempt = taken(world.teacher, instrument_1)
    taken(world.teacher_b, instrument_1)
    client.login(username=world.outsider.phone, password=password)

    listing = client.get("/diagnostics/results/").content.decode()

    assert client.get(f"/diagnostics/results/{attempt.pk}/").status_code == 404
    assert world.teacher.name not in listing
    assert world.teacher_b.name in listing


def test_a_teacher_cannot_take_a_test_of_a_program_they_are_not_enrolled_in(client, world, program_2, instrument_1,
                                                                               password):
    from tisheng.diagnostics.services import instrument_create_default

    instrument_create_default(program=program_2)  # nobody is enrolled in program_2
    client.login(username=world.teacher.user.phone, password=password)

    assert client.get(f"/diagnostics/programs/{program_2.pk}/take/").status_code == 404


def test_the_result_list_costs_the_same_queries_for_more_results(client, world, instrument_1, password,
                                                                  django_assert_max_num_queries):
    client.login(username=world.county_officer.phone, password=password)
    taken(world.teacher, instrument_1)
    client.get("/diagnostics/results/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/diagnostics/results/")
    for teacher in world.teachers_a[1:] + [world.teacher_a2]:
        taken(teacher, instrument_1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get("/diagnostics/results/").content.decode()
    assert html.count("/diagnostics/results/") >= 4


def test_the_province_office_edits_a_band_and_the_outsider_cannot_open_the_editor(client, world, instrument_1,
                                                                                   password):
    band = instrument_1.bands.get()
    form = {"title": instrument_1.title, "allow_retake": "on", "items-count": "0", "bands-count": "2",
            "bands-0-id": str(band.pk), "bands-0-level": "", "bands-0-dimension": "", "bands-0-pass_min": "50",
            "bands-0-excellent_min": "80",
            "bands-1-level": "II", "bands-1-dimension": "评估与诊断", "bands-1-pass_min": "90",
            "bands-1-excellent_min": "70"}
    client.login(username=world.outsider.phone, password=password)
    assert client.get(f"/diagnostics/instruments/{instrument_1.pk}/").status_code == 404

    client.login(username=world.province_officer.phone, password=password)
    refused = client.post(f"/diagnostics/instruments/{instrument_1.pk}/", form)
    form["bands-1-excellent_min"] = "95"
    saved = client.post(f"/diagnostics/instruments/{instrument_1.pk}/", form)

    assert refused.status_code == 400
    assert BAND_ORDER not in refused.content.decode()  # shown in Chinese
    assert "合格线不得高于优秀线" in refused.content.decode()
    assert saved.status_code == 302
    assert sorted(ScoreBand.objects.values_list("level", "pass_min", "excellent_min")) == [("", 50, 80),
                                                                                            ("II", 90, 95)]
    assert instrument_1.items.count() == 20  # rows not posted are left as they are


@pytest.mark.parametrize("text", ["", "我能使用电子白板。"])
def test_the_province_office_adds_an_item_with_scored_choices(client, world, instrument_1, password, text):
    form = {"title": instrument_1.title, "items-count": "1", "bands-count": "0",
            "items-0-text": text, "items-0-level": "I", "items-0-dimension": "技术素养",
            "items-0-choices": "不能=0\n能=2"}
    client.login(username=world.province_officer.phone, password=password)

    client.post(f"/diagnostics/instruments/{instrument_1.pk}/", form)

    new = instrument_1.items.filter(text="我能使用电子白板。").first()
    assert (new is not None) == bool(text)
    if new:
        assert new.choices == [{"label": "不能", "score": 0}, {"label": "能", "score": 2}]
        assert not instrument_1.__class__.objects.get(pk=instrument_1.pk).allow_retake
