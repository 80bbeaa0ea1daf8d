from django.core.management import call_command

from tisheng.diagnostics.models import Instrument, MicroAbility, Topic
from tisheng.diagnostics.services import attempt_submit, catalogue_load
from tisheng.diagnostics.tests.conftest import answers_scoring
from tisheng.diagnostics.topics import DIMENSIONS, MICRO_ABILITIES, TOPICS


def test_the_shipped_catalogue_has_27_topics_over_both_levels_and_all_dimensions_and_30_micro_abilities(db):
    catalogue_load()

    assert list(Topic.objects.values_list("code", flat=True)) == [f"T{i}" for i in range(1, 28)]
    assert set(Topic.objects.values_list("level", flat=True)) == {"I", "II"}
    for level in ("I", "II"):
        assert set(Topic.objects.filter(level=level).values_list("dimension", flat=True)) == set(DIMENSIONS)
    assert MicroAbility.objects.count() == 30 == len(MICRO_ABILITIES)
    assert TOPICS["T5"] == "多媒体课件制作"
    assert set(MicroAbility.objects.filter(confirmed=True).values_list("code", flat=True)) == {"A1", "A3", "B6"}


def test_loading_again_keeps_the_provinces_edits(db):
    catalogue_load()
    Topic.objects.filter(code="T1").update(name="信息技术与教育变革（省修订）")

    assert catalogue_load() == (0, 0)
    assert Topic.objects.get(code="T1").name == "信息技术与教育变革（省修订）"


def test_the_load_command_gives_each_program_its_default_test(world, program_1, program_2):
    call_command("diagnostics_load", stdout=open("/dev/null", "w"))  # noqa: SIM115

    kinds = dict(Instrument.objects.values_list("program__code", "kind"))
    assert kinds == {"fujian-2015": "standard_2014", "tisheng-2": "micro_2019"}
    assert Instrument.objects.get(kind="standard_2014").items.count() == 20


def test_the_province_office_creates_a_programs_default_test_and_the_county_cannot(client, world, program_1,
                                                                                   password):
    client.login(username=world.county_officer.phone, password=password)
    assert client.post("/diagnostics/instruments/", {"program": program_1.pk}).status_code == 404

    client.login(username=world.province_officer.phone, password=password)
    response = client.post("/diagnostics/instruments/", {"program": program_1.pk})

    instrument = Instrument.objects.get(program=program_1)
    assert response["Location"] == f"/diagnostics/instruments/{instrument.pk}/"


def test_a_teacher_sees_their_programs_tests_and_whether_they_took_them(client, world, instrument_1, instrument_2,
                                                                         password):
    attempt_submit(actor=world.teacher.user, teacher=world.teacher, instrument=instrument_2,
                   answers=answers_scoring(instrument_2, lambda it: 1))
    client.login(username=world.teacher.user.phone, password=password)

    html = client.get("/diagnostics/").content.decode()

    assert f"/diagnostics/programs/{instrument_1.program_id}/take/" in html
    assert f"/diagnostics/programs/{instrument_2.program_id}/take/" not in html
    assert "查看结果" in html
    assert "诊断测评结果" not in html  # no list of others' results for a teacher


def test_a_2_0_result_shows_one_radar_of_the_four_dimensions_and_the_micro_abilities(client, world, instrument_2,
                                                                                     password):
    attempt = attempt_submit(actor=world.teacher.user, teacher=world.teacher, instrument=instrument_2,
                             answers=answers_scoring(instrument_2, lambda it: 0 if it.dimension == "学情分析" else 3))
    client.login(username=world.teacher.user.phone, password=password)

    html = client.get(f"/diagnostics/results/{attempt.pk}/").content.decode()

    assert 'data-testid="radar-micro"' in html
    assert 'data-testid="radar-I"' not in html
    assert "A1 技术支持的学情分析" in html  # school_a's environment is unset: group A


def test_the_province_office_corrects_a_topic_and_an_invalid_dimension_is_refused(client, world, password):
    catalogue_load()
    client.login(username=world.outsider.phone, password=password)
    assert client.get("/diagnostics/topics/").status_code == 404

    client.login(username=world.province_officer.phone, password=password)
    form = {"T25-name": "中小学教师信息技术应用能力标准解读", "T25-level": "II", "T25-dimension": "学习与发展",
            "T25-confirmed": "1"}
    saved = client.post("/diagnostics/topics/", form)
    refused = client.post("/diagnostics/topics/", dict(form, **{"T25-dimension": "其他"}))

    t25 = Topic.objects.get(code="T25")
    assert saved.status_code == 302
    assert (t25.level, t25.dimension, t25.confirmed) == ("II", "学习与发展", True)
    assert refused.status_code == 400
    assert "专题需要名称、层级" in refused.content.decode()
