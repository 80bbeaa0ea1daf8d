"""Django's database session engine with its one read per request written as SQL.

Every signed-in request reads its session row. Through the ORM that read (`Session.objects.get(
session_key=…, expire_date__gt=now)`) is compiled afresh each time, and the compiling cost more
CPU than the query (issue 16: about a sixth of a discussion reply's CPU went to loading the
session and the user). This engine is `django.contrib.sessions.backends.db` with that one read
as a fixed SQL string: the same table, the same row, the same rule (a session past its
`expire_date` is not loaded, and its key is dropped so a new one is made), every write and
delete unchanged. Nothing is kept between requests in a process, so a session ended anywhere
(logout, a password change, `accounts.sessions.sessions_end`) is refused by every process at its
next request, exactly as with Django's engine."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

_SQL: dict[str, str] = {}


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key  # None when the cookie's key is malformed (SessionBase validates it)
        if not key:
            self._session_key = None
            return None
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql = _SQL.get(alias)
        if sql is None:
            table, quote = model._meta.db_table, connection.ops.quote_name
            sql = _SQL[alias] = (f"SELECT {quote('session_data')} FROM {quote(table)} "
                                 f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])  # all that `load` reads of it
