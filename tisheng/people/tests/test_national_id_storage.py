from django.db import connection


def test_a_database_dump_does_not_contain_any_national_id(world):
    """What a stolen dump of the teacher table holds: neither the ID nor its first 14 digits."""
    national_id = world.teacher.national_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_teacher")
        dump = repr(cursor.fetchall())
    assert national_id not in dump
    assert national_id[:14] not in dump
    assert world.teacher.national_id_masked == f"{national_id[:6]}********{national_id[-4:]}"
