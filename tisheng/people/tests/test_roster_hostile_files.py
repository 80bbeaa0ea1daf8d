"""A hostile roster is refused by the Office-file guard before python-calamine sees a byte
(calamine would allocate the sheet's whole rectangle and abort the worker)."""

import pytest
import python_calamine

from tisheng.core.tests import hostile_files as hostile
from tisheng.people.models import RosterImport
from tisheng.people.services.roster_files import RosterFileError, read_roster
from tisheng.people.services.roster_import import roster_file_run
from tisheng.people.tests.test_roster_helpers import row_cells, xlsx_bytes


@pytest.fixture
def calamine_calls(monkeypatch) -> list:
    """Every call that would have reached calamine (none must, for a hostile file)."""
    calls: list = []

    def spy(*args, **kwargs):
        calls.append(args)
        raise AssertionError("calamine was asked to open a hostile file")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", spy)
    return calls


def reason(content: bytes) -> str:
    with pytest.raises(RosterFileError) as caught:
        read_roster(content, "花名册.xlsx")
    return caught.value.message


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", None, "A1:B2"])
def test_a_1_6_kb_roster_with_cells_at_a1_and_xfd1048576_is_refused_before_calamine(calamine_calls, dimension):
    content = hostile.corner_cells_xlsx(dimension=dimension)
    assert len(content) < 2048

    message = reason(content)

    assert message.startswith("表格范围过大（1,048,576 行 × 16,384 列）")
    assert calamine_calls == []


def test_a_zip_bomb_roster_is_refused_before_calamine(calamine_calls):
    assert reason(hostile.zip_bomb(megabytes=64)).startswith("文件中有部件压缩比异常")
    assert calamine_calls == []


def test_a_polyglot_roster_is_refused_before_calamine(calamine_calls):
    content = xlsx_bytes([row_cells()]) + b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert reason(content).startswith("文件已损坏")
    assert calamine_calls == []


def test_a_zip_that_is_not_a_workbook_is_refused_before_calamine(calamine_calls):
    from tisheng.practice.services.evidence import small_docx

    assert reason(small_docx("不是花名册")) == "文件不是有效的 .xlsx 工作簿"
    assert calamine_calls == []


@pytest.mark.django_db
def test_the_import_service_refuses_the_hostile_roster_and_records_nothing(world, calamine_calls):
    with pytest.raises(RosterFileError) as caught:
        roster_file_run(actor=world.county_officer, content=hostile.corner_cells_xlsx(), filename="roster.xlsx",
                        mode=RosterImport.Mode.DRY_RUN, store=True)

    assert caught.value.message.startswith("表格范围过大")
    assert not RosterImport.objects.exists()
    assert calamine_calls == []


def test_an_ordinary_roster_is_still_read():
    parsed = read_roster(xlsx_bytes([row_cells(seq=1), row_cells(seq=2)]), "花名册.xlsx")
    assert len(parsed.rows) == 2
