"""The published ranking of the institutions' evaluation goes out in the bulletins: the province's
bulletin lists every institution, a county's those contracted over it, nothing before publishing,
and a bulletin already issued keeps what it said."""

import datetime as dt

import pytest
from django.utils import timezone

from tisheng.institutions.models import EvaluationPeriod
from tisheng.institutions.services import evaluation as svc
from tisheng.learning.tests.factories import contract, enroll, institution
from tisheng.monitoring.services.bulletins import bulletin_issue
from tisheng.monitoring.services.rollups import rollups_refresh


@pytest.fixture
def published(world, served):
    period = svc.period_open(actor=world.province_officer, region=world.province, year=timezone.localdate().year,
                             ends_on=timezone.localdate() + dt.timedelta(days=30))
    svc.weights_set(actor=world.province_officer, period=period, weights={"completion": "100"})
    svc.ranking_publish(actor=world.province_officer, period=period)
    period.refresh_from_db()
    return period


def test_the_province_bulletin_shows_the_published_ranking_in_its_page_and_pdf(world, served, published, settings):
    rollups_refresh(served.program)
    bulletin = bulletin_issue(program=served.program, node_path=world.province.path, actor=world.province_officer)
    section = bulletin.numbers["sections"][0]
    assert section["title"] == "培训机构考评结果"
    assert [row[:3] for row in section["rows"]] == [["1", served.inst_a.name, "66.7"],
                                                    ["2", served.inst_b.name, "0.0"]]
    assert 'data-testid="bulletin-section-institution-ranking"' in bulletin.html
    assert "培训机构考评结果" in bulletin.html
    assert served.inst_a.name in bulletin.html
    assert "综合得分" in bulletin.html
    pdf = (settings.PRIVATE_MEDIA_ROOT / bulletin.pdf_file).read_bytes()
    assert pdf.startswith(b"%PDF")


def test_a_county_bulletin_lists_only_the_institutions_contracted_over_it(world, served, published):
    outside, _staff = institution(world, "INSTC", "厦门某培训公司", "13600000013")
    contract(served.program, outside, world.city_b)
    enroll(served.program, world.teacher_b)
    EvaluationPeriod.objects.filter(pk=published.pk).update(ranking=[*published.ranking, {
        "institution_id": outside.pk, "name": outside.name, "components": {}, "composite": None}])
    rollups_refresh(served.program)
    ours = bulletin_issue(program=served.program, node_path=world.county_a.path)
    names = [row[1] for row in ours.numbers["sections"][0]["rows"]]
    assert names == [served.inst_a.name, served.inst_b.name]
    theirs = bulletin_issue(program=served.program, node_path=world.county_b.path)
    assert [row[:2] for row in theirs.numbers["sections"][0]["rows"]][-1] == ["未排名", outside.name]


def test_no_ranking_in_a_bulletin_before_it_is_published_and_an_issued_bulletin_keeps_its_own(world, served):
    rollups_refresh(served.program)
    before = bulletin_issue(program=served.program, node_path=world.province.path)
    assert before.numbers["sections"] == []
    assert "培训机构考评结果" not in before.html
