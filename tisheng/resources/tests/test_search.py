"""Searching the library in Chinese: substring semantics for 2 to 10 characters over title,
description and the files' text, facets, and how the index is written."""

import pytest
from django.urls import reverse

from tisheng.resources.search import query_runs, tsquery_literal, tsvector_literal
from tisheng.resources.selectors import Filters, library_search
from tisheng.resources.tests.conftest import make_resource


def titles(world, **filters) -> list[str]:
    return sorted(r.title for r in library_search(world.teacher_b.user, Filters(**filters)).rows)


@pytest.fixture
def shelf(world):
    make_resource(world, title="分数的初步认识", text="课前用问卷星收集学生对分数的理解，希沃白板课堂活动导入。",
                  stage="primary", subject="数学", points=("A1",))
    make_resource(world, title="荷塘月色", text="借助剪映制作朗读视频，PPT2019 呈现意境。", stage="senior",
                  subject="语文", points=("B2",))
    make_resource(world, title="小数的意义", text="用几何画板演示数轴。", stage="primary", subject="数学",
                  points=("A6",), publish=False)


def test_a_two_character_query_finds_it_in_the_files_text_and_only_published_ones(world, shelf):
    assert titles(world, q="白板") == ["分数的初步认识"]
    assert titles(world, q="几何") == []  # only in an unpublished resource


def test_a_ten_character_query_matches_where_it_occurs_as_written_not_its_characters_scattered(world, shelf):
    assert titles(world, q="希沃白板课堂活动导入") == ["分数的初步认识"]
    assert titles(world, q="分数认识") == []  # the characters occur, not in this order
    assert titles(world, q="分数 认识") == ["分数的初步认识"]  # two words: both must occur


def test_a_latin_word_matches_as_a_prefix_in_any_case_and_full_width(world, shelf):
    assert titles(world, q="ppt") == ["荷塘月色"]
    assert titles(world, q="ＰＰＴ") == ["荷塘月色"]


def test_a_single_character_matches_the_title(world, shelf):
    assert titles(world, q="荷") == ["荷塘月色"]


def test_facets_narrow_the_results(world, shelf):
    assert titles(world, stage="primary", subject="数学") == ["分数的初步认识"]
    assert titles(world, point="B2") == ["荷塘月色"]
    assert titles(world, q="导入", stage="senior") == []
    assert titles(world, library=world.school_a.path, subject="语文") == ["荷塘月色"]


def test_the_library_page_searches_with_the_query_and_filters_it_was_given(client, world, shelf):
    client.force_login(world.teacher_b.user)
    page = client.get(reverse("resources:library"), {"q": "问卷星", "stage": "primary"}).content.decode()
    assert "分数的初步认识" in page
    assert "荷塘月色" not in page
    assert "共 1 份资源" in page
    assert "资源如何排序" in page  # the formula is stated on the page


def test_the_index_keeps_runs_apart_and_quotes_what_it_must():
    vector = tsvector_literal("希沃白板，PPT")
    assert vector == "'希沃':1 '沃白':2 '白板':3 'ppt':5"
    assert tsquery_literal(query_runs("白板 PPT")) == "('白板') & 'ppt':*"
    assert tsquery_literal(query_runs("希沃白板")) == "('希沃' <-> '沃白' <-> '白板')"
    assert query_runs("'; DROP TABLE x; --") == ["drop", "table", "x"]
