"""Two LRS requests at once completing the same course for the same teacher under different
statement ids must credit it once: the batch locks the enrollments it may credit (FOR UPDATE,
in pk order) before it looks for earlier credits, so the second waits for the first to commit
and then finds its outcome. (A threaded test would need a transactional test database, which
the append-only ledger's TRUNCATE trigger refuses to flush; this checks the lock is taken.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.integration.hooks import statements_stored
from tisheng.integration.tests.conftest import statement


def test_a_batch_locks_the_enrollments_it_may_credit_before_looking_for_earlier_credits(world, lrs):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (it serialises writers)")
    with CaptureQueriesContext(connection) as ctx:
        statements_stored(lrs.client_a, [statement(world.teacher, lrs.course.activity_id)])
    sqls = [q["sql"] for q in ctx.captured_queries]
    lock = next(i for i, sql in enumerate(sqls) if "programs_enrollment" in sql and "FOR UPDATE" in sql)
    earlier = next(i for i, sql in enumerate(sqls) if "integration_statementoutcome" in sql and "SELECT" in sql)
    assert lock < earlier
