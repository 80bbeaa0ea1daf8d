from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from tisheng.accounts.lockout import LoginRefused, password_login
from tisheng.core.clientip import client_ip

_USER_READ: dict[str, tuple] = {}


class PhoneOrNationalIdBackend(ModelBackend):
    """Phone number or national ID and password, through `lockout.password_login` (lockout,
    throttle and audit), so Django's `authenticate()` is one more door to the same check.

    `get_user` (every signed-in request: the user of the session) is ModelBackend's read as a
    fixed SQL string, not an ORM query compiled afresh each time (issue 16: that compiling cost
    more CPU than the query). Same row, every column, the backend's and the fields' converters,
    and the same rule after it: an inactive user is no one (`user_can_authenticate`). Nothing is
    kept between requests, so a user deactivated in one process is refused by all at their next
    request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            return password_login(login=username, password=password, ip=client_ip(request), via="authenticate")
        except LoginRefused:
            return None

    def get_user(self, user_id):
        model = get_user_model()
        alias = router.db_for_read(model)
        connection = connections[alias]
        read = _USER_READ.get(alias)
        if read is None:
            read = _USER_READ[alias] = _user_read(model, connection)
        sql, attnames, converters = read
        with connection.cursor() as cursor:
            cursor.execute(sql, [model._meta.pk.get_db_prep_value(user_id, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, col, convert in converters:
            values[i] = convert(values[i], col, connection)
        user = model.from_db(alias, attnames, values)
        return user if self.user_can_authenticate(user) else None


def _user_read(model, connection) -> tuple[str, list[str], list]:
    """The SQL that reads a user by key, the fields' names, and the converters the ORM would run
    on each column (the backend's and the field's: SQLite hands back times as text, booleans as 0/1)."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)} "
           f"WHERE {quote(model._meta.pk.column)} = %s")
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        converters += [(i, col, convert) for convert in
                       connection.ops.get_db_converters(col) + field.get_db_converters(connection)]
    return sql, [f.attname for f in fields], converters
