"""Each teacher's registration date (教师资格注册有效期): entered by the school on a page or in
the roster import's optional column, kept with its history, and shown to the teacher with the
hours of their own five-year window."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tisheng.accounts.models import AuditLog
from tisheng.ledger import registration_dates as dates
from tisheng.ledger.models import TeacherRegistration, TeacherRegistrationChange
from tisheng.ledger.registration_windows import add_years, valid_until_from, window_start
from tisheng.ledger.tests.test_registry import past_credit
from tisheng.notifications.models import Notification
from tisheng.people.models import RosterImport, Teacher
from tisheng.people.services.roster import CANONICAL_HEADERS
from tisheng.people.services.roster_import import roster_file_run
from tisheng.people.tests.test_roster_helpers import csv_bytes, make_id, row_cells


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(str(message))


def test_the_school_enters_a_teachers_date_and_the_teacher_is_told(client, world):
    teacher = world.teachers_a[2]
    client.force_login(world.principal)
    due = add_years(timezone.localdate(), 1)

    response = client.post(reverse("ledger:teacher_registration", args=[teacher.pk]),
                           {"valid_until": f"{due}"}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"{due:%Y-%m-%d}" in page
    assert "已保存" in page
    record = TeacherRegistration.objects.get(teacher=teacher)
    assert (record.valid_until, record.source, record.updated_by) == (due, "school", world.principal)
    change = TeacherRegistrationChange.objects.get(teacher=teacher)
    assert (change.valid_until_before, change.valid_until, change.changed_by_name) == (None, due, world.principal.name)
    log = AuditLog.objects.get(action="ledger.registration_set")
    assert log.scope_path == teacher.org_path
    assert log.detail["valid_until"] == f"{due}"
    assert Notification.objects.filter(recipient=teacher.user).exists()

    # Corrected later: the history keeps both.
    client.post(reverse("ledger:teacher_registration", args=[teacher.pk]), {"valid_until": f"{due - dt.timedelta(days=30)}"})
    assert TeacherRegistrationChange.objects.filter(teacher=teacher).count() == 2
    assert TeacherRegistration.objects.get(teacher=teacher).valid_until == due - dt.timedelta(days=30)


def test_only_the_last_registration_makes_the_date_five_years_on(client, world):
    teacher = world.teachers_a[2]
    client.force_login(world.county_officer)

    client.post(reverse("ledger:teacher_registration", args=[teacher.pk]), {"last_registered": "2023-03-15"})

    record = TeacherRegistration.objects.get(teacher=teacher)
    assert (record.valid_until, record.last_registered, record.source) == (
        dt.date(2028, 3, 14), dt.date(2023, 3, 15), "office")
    assert valid_until_from(dt.date(2024, 2, 29)) == dt.date(2029, 2, 27)
    assert window_start(dt.date(2028, 3, 14)) == dt.date(2023, 3, 15)


@pytest.mark.parametrize(("data", "error"), [
    ({}, dates.REGISTRATION_DATE_REQUIRED),
    ({"valid_until": "2045-01-01"}, dates.REGISTRATION_DATE_TOO_LATE),
    ({"valid_until": "1990-01-01"}, dates.REGISTRATION_DATE_TOO_EARLY),
    ({"valid_until": "2026-01-01", "last_registered": "2019-01-01"}, dates.REGISTRATION_LONGER_THAN_FIVE),
    ({"valid_until": "2025-01-01", "last_registered": "2025-06-01"}, dates.REGISTRATION_LAST_AFTER_VALID),
    ({"valid_until": "not a date"}, None),
])
def test_a_bad_date_is_refused_with_a_clear_error_and_the_date_on_record_stays(client, world, data, error):
    teacher = world.teachers_a[2]
    kept = add_years(timezone.localdate(), 2)
    dates.registration_set(actor=world.principal, teacher=teacher, valid_until=kept, last_registered=None)
    client.force_login(world.principal)

    response = client.post(reverse("ledger:teacher_registration", args=[teacher.pk]), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert zh(error or "Enter a valid date.") in page
    assert TeacherRegistration.objects.get(teacher=teacher).valid_until == kept


def test_the_outsider_and_a_teacher_get_404_on_the_registration_date_pages(client, world):
    target = world.teachers_a[2]
    for user in (world.outsider, world.teacher.user):
        client.force_login(user)
        assert client.get(reverse("ledger:teacher_registration", args=[target.pk])).status_code == 404
        assert client.post(reverse("ledger:teacher_registration", args=[target.pk]),
                           {"valid_until": "2027-01-01"}).status_code == 404
    client.force_login(world.outsider)
    listed = client.get(reverse("ledger:registration_dates"))
    assert target.name not in listed.content.decode()
    client.force_login(world.teacher.user)
    assert client.get(reverse("ledger:registration_dates")).status_code == 404
    assert not TeacherRegistration.objects.exists()


def test_the_school_list_shows_whom_to_enter_and_its_queries_do_not_grow(client, world, django_assert_max_num_queries):
    dates.registration_set(actor=world.principal, teacher=world.teachers_a[0], valid_until=dt.date(2027, 8, 31),
                           last_registered=None)
    client.force_login(world.principal)

    response = client.get(reverse("ledger:registration_dates"), {"missing": "1"})

    listed = [t.name for t in response.context["page"]]
    assert world.teachers_a[0].name not in listed
    assert world.teachers_a[2].name in listed
    assert world.teacher_a2.name not in listed  # the kindergarten is another school
    assert response.context["counts"] == {"total": 3, "without": 2}  # the whole school, not only those listed
    with django_assert_max_num_queries(12):
        client.get(reverse("ledger:registration_dates"))


def roster_with_dates(rows: list[list]) -> bytes:
    return csv_bytes(rows, headers=(*CANONICAL_HEADERS, "注册有效期"))


def test_the_roster_import_stores_each_teachers_date_and_reports_a_bad_one_like_any_column(world):
    good, bad = [*row_cells(name="吴老师", seq=41), "2027-08-31"], [*row_cells(name="郑老师", seq=42), "2027-13-01"]
    blank = [*row_cells(name="周老师", seq=43), ""]

    refused = roster_file_run(actor=world.county_officer, content=roster_with_dates([good, bad, blank]),
                              filename="花名册.csv", mode=RosterImport.Mode.ALL_OR_NOTHING)

    assert not refused.committed
    [error] = refused.errors
    assert (error.row, error.column) == (3, "注册有效期")
    assert error.reason == zh(dates.ROSTER_DATE_BAD)
    assert not TeacherRegistration.objects.exists()

    done = roster_file_run(actor=world.county_officer, content=roster_with_dates([good, blank]),
                           filename="花名册.csv", mode=RosterImport.Mode.ALL_OR_NOTHING)

    assert done.committed
    teacher = Teacher.objects.get(name="吴老师")
    assert TeacherRegistration.objects.get(teacher=teacher).valid_until == dt.date(2027, 8, 31)
    assert not TeacherRegistration.objects.filter(teacher__name="周老师").exists()  # a blank cell: nothing
    change = TeacherRegistrationChange.objects.get(teacher=teacher)
    assert change.source == "roster"
    assert change.reference == f"import:{done.roster_import.pk}"
    assert AuditLog.objects.get(action="ledger.registration_import").detail["teachers"] == 1

    # The same teacher again with a blank cell keeps the date; a new date replaces it.
    roster_file_run(actor=world.county_officer, content=roster_with_dates([[*good[:-1], ""]]),
                    filename="花名册.csv", mode=RosterImport.Mode.ALL_OR_NOTHING)
    assert TeacherRegistration.objects.get(teacher=teacher).valid_until == dt.date(2027, 8, 31)
    roster_file_run(actor=world.county_officer, content=roster_with_dates([[*good[:-1], "2028年3月1日"]]),
                    filename="花名册.csv", mode=RosterImport.Mode.ALL_OR_NOTHING)
    assert TeacherRegistration.objects.get(teacher=teacher).valid_until == dt.date(2028, 3, 1)
    assert TeacherRegistrationChange.objects.filter(teacher=teacher).count() == 2


def test_a_roster_date_too_far_ahead_is_a_row_error_and_a_roster_without_the_column_imports_as_before(world):
    far = [*row_cells(name="吴老师", seq=44), "2099-01-01"]
    outcome = roster_file_run(actor=world.county_officer, content=roster_with_dates([far]), filename="花名册.csv",
                              mode=RosterImport.Mode.DRY_RUN, record=False)
    assert [e.reason for e in outcome.errors] == [zh(dates.ROSTER_DATE_OUT_OF_RANGE)]

    plain = roster_file_run(actor=world.county_officer, content=csv_bytes([row_cells(name="钱老师", seq=45)]),
                            filename="花名册.csv", mode=RosterImport.Mode.ALL_OR_NOTHING)
    assert plain.committed
    assert not TeacherRegistration.objects.exists()
    assert Teacher.objects.filter(id_last4=make_id(45)[-4:]).exists()


def test_the_teacher_sees_their_date_and_the_hours_of_their_own_window(client, world, program_2):
    teacher = world.teacher
    due = add_years(timezone.localdate(), 1)
    dates.registration_set(actor=world.principal, teacher=teacher, valid_until=due, last_registered=None)
    start = window_start(due)
    past_credit(teacher, program_2, "30", start + dt.timedelta(days=10), "in")
    past_credit(teacher, program_2, "50", start - dt.timedelta(days=10), "before")  # before the window
    client.force_login(teacher.user)

    response = client.get(reverse("ledger:my_registry"))

    page = response.content.decode()
    assert f"{due:%Y-%m-%d}" in page
    assert 'data-testid="window-total"' in page
    assert response.context["window_standing"].total.hours == Decimal("30")
    assert response.context["window_standing"].total.minimum == Decimal("360")  # no cycle: the MOE default

    client.force_login(world.principal)  # a teacher with no date: the school sees it and can enter it
    other = client.get(reverse("ledger:teacher_registry", args=[world.teachers_a[2].pk])).content.decode()
    assert 'data-testid="registration-missing"' in other
    assert reverse("ledger:teacher_registration", args=[world.teachers_a[2].pk]) in other


def test_the_form_shows_the_date_on_record_to_correct_it(client, world):
    """Regression: the date inputs came up empty on a teacher with a date (the locale's date
    format, not the ISO date a date input reads), so a correction started from nothing."""
    dates.registration_set(actor=world.principal, teacher=world.teachers_a[2], valid_until=dt.date(2027, 8, 31),
                           last_registered=dt.date(2022, 9, 1))
    client.force_login(world.principal)

    page = client.get(reverse("ledger:teacher_registration", args=[world.teachers_a[2].pk])).content.decode()

    assert 'value="2027-08-31"' in page
    assert 'value="2022-09-01"' in page
