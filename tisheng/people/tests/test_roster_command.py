import json

from django.core.management import call_command

from tisheng.people.models import RosterImport, Teacher
from tisheng.people.tests.test_roster_helpers import csv_bytes, make_id, row_cells, xlsx_bytes


def run(capsys, *args) -> tuple[int, str, str]:
    code = 0
    try:
        call_command("import_roster", *[str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_imports_a_roster_and_prints_one_json_object(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([row_cells(seq=1), row_cells(seq=2, name="王芳")]))

    code, out, _err = run(capsys, path, "--json")

    assert code == 0
    assert json.loads(out) == {"rows": 2, "created": 2, "updated": 0, "transferred": 0, "errors": []}
    assert Teacher.objects.filter(name="王芳").exists()
    history = RosterImport.objects.get()
    assert (history.committed, history.created) == (True, 2)


def test_one_bad_row_means_nothing_is_written_and_a_nonzero_exit(world, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    bad = make_id(2)[:-1] + ("0" if make_id(2)[-1] != "0" else "1")
    path.write_bytes(csv_bytes([row_cells(seq=1), row_cells(seq=2, national_id=bad, name="王芳")]))

    code, out, _err = run(capsys, path, "--json")

    assert code == 1
    result = json.loads(out)
    assert result == {"rows": 2, "created": 0, "updated": 0, "transferred": 0,
                      "errors": [{"row": 3, "column": "身份证号", "reason": "身份证号校验位错误"}]}
    assert not Teacher.objects.filter(name="李明").exists()
    assert not RosterImport.objects.exists()


def test_valid_only_imports_the_good_rows(world, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([row_cells(seq=1), row_cells(seq=2, school="9999999999", name="王芳")]))

    code, out, _err = run(capsys, path, "--json", "--valid-only")

    assert code == 0
    result = json.loads(out)
    assert (result["created"], len(result["errors"])) == (1, 1)
    assert RosterImport.objects.get().mode == RosterImport.Mode.VALID_ONLY


def test_a_dry_run_writes_nothing(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([row_cells()]))

    code, out, _err = run(capsys, path, "--dry-run", "--json")

    assert code == 0
    assert json.loads(out)["created"] == 1
    assert not Teacher.objects.filter(name="李明").exists()


def test_as_an_outsider_rows_of_another_county_are_out_of_scope(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([row_cells()]))

    code, out, _err = run(capsys, path, "--json", "--as", world.outsider.phone)

    assert code == 1
    assert json.loads(out)["errors"][0]["reason"] == "学校不在您的管辖范围内"
    assert not Teacher.objects.filter(name="李明").exists()


def test_a_bad_file_prints_a_clear_message_and_stores_nothing(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)

    code, _out, err = run(capsys, path)

    assert code == 2
    assert "另存为 .xlsx" in err
    assert not RosterImport.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(world, tmp_path, capsys, settings, monkeypatch):
    settings.ROSTER_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)  # sparse: 60 MB on paper, nothing on disk
    monkeypatch.setattr("builtins.open", _refuse_open(open, path))

    code, out, _err = run(capsys, path, "--json")

    assert code == 2
    assert json.loads(out)["errors"][0]["reason"] == "文件超过 50 MB，请拆分后分批导入"


def _refuse_open(real_open, forbidden):
    def guarded(file, *args, **kwargs):
        if str(file) == str(forbidden):
            raise AssertionError("the file was opened before its size was checked")
        return real_open(file, *args, **kwargs)
    return guarded


def test_without_json_the_summary_is_human_readable(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([row_cells()]))

    code, out, _err = run(capsys, path)

    assert code == 0
    assert out.startswith("已导入：共 1 行，新增 1")


def test_an_unknown_actor_or_a_missing_file_is_one_json_error(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([row_cells()]))

    code, out, _err = run(capsys, path, "--json", "--as", "19999999999")
    missing_code, missing_out, _err = run(capsys, tmp_path / "nope.xlsx", "--json")

    assert code == missing_code == 2
    assert json.loads(out)["errors"][0]["reason"] == "没有手机号为 19999999999 的有效用户"
    assert json.loads(missing_out)["errors"][0]["reason"].startswith("文件不存在")
