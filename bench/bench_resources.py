"""The resource library at province size (issue 15), on synthetic data this script makes itself:
BENCH_RESOURCES published resources (default 200,000) with ~400 characters of extracted Chinese
text each, 6 stages × 12 subjects, BENCH_USAGE usage events (default 5,000,000) by 50,000
people and 1,000,000 ratings.

- search: p95 over BENCH_REPEAT requests of the library page through Django's full stack, for a
  2-character and a 10-character query, each with two facets (stage and subject) and without;
  the issue asks < 100 ms on PostgreSQL;
- ranking: one `ranking_recompute` over all of it; the issue asks < 60 s.

Chinese is indexed as character bigrams in a tsvector literal with a GIN index (see
tisheng/resources/search.py for why not pg_trgm or jieba).

    scripts/pg.sh with sh -c '.venv/bin/tisheng migrate -v0 && .venv/bin/python bench/bench_resources.py'
    BENCH_STEPS=seed,resources make bench        (after the seed, in make bench)

The rows go in with COPY and INSERT … SELECT generate_series; the bench leaves them in place.
Texts come from a pool of BENCH_TEXT_POOL (default 5,000) synthetic texts (see make_resources).
"""

from __future__ import annotations

import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
os.environ.setdefault("BENCH_REPEAT", "20")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from bench_pages import measure  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.accounts.models import User  # noqa: E402
from tisheng.orgs.models import Region  # noqa: E402
from tisheng.resources.models import Resource  # noqa: E402
from tisheng.resources.search import tsvector_literal  # noqa: E402
from tisheng.resources.services.ranking import ranking_recompute  # noqa: E402

RESOURCES = int(os.getenv("BENCH_RESOURCES", "200000"))
USAGE = int(os.getenv("BENCH_USAGE", "5000000"))
RATINGS = int(os.getenv("BENCH_RATINGS", "1000000"))
PEOPLE = 50_000
TEXT_POOL = int(os.getenv("BENCH_TEXT_POOL", "5000"))
SEARCH_LIMIT_MS = 100.0
RANK_LIMIT_S = 60.0
STAGES = ["kindergarten", "primary", "junior", "senior", "vocational", "special"]
SUBJECTS = ["语文", "数学", "英语", "科学", "道德与法治", "音乐", "美术", "体育", "信息科技", "物理", "化学", "生物"]
KINDS = ["case", "lesson", "micro", "design", "slides", "tool"]
# Common characters, so the text has the statistics of teaching prose rather than random rare ones.
CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
         "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
         "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
         "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件"
         "长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给"
         "色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白"
         "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石"
         "记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般"
         "史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状"
         "育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞课堂师板希沃")
PLANTED_2 = "白板"  # in ~8 % of the texts
PLANTED_10 = "希沃白板课堂活动导入"  # in ~0.5 %


def synthetic_text(rnd: random.Random) -> str:
    words = ["".join(rnd.choices(CHARS, k=rnd.choice((2, 2, 3, 4)))) for _ in range(rnd.randint(90, 140))]
    if rnd.random() < 0.08:
        words.insert(rnd.randrange(len(words)), PLANTED_2)
    if rnd.random() < 0.005:
        words.insert(rnd.randrange(len(words)), PLANTED_10)
    return "，".join("".join(words[i:i + 4]) for i in range(0, len(words), 4))


def ensure_world() -> tuple[Region, User]:
    province = Region.objects.filter(level="province").first()
    if province is None:
        province = Region.objects.create(code="35", name="福建省", level="province", path="35")
    county = Region.objects.filter(level="county").first() or province
    user = User.objects.order_by("pk").first() or User.objects.create(phone="13900000000", name="基准")
    return county, user


@contextmanager
def indexes_rebuilt(cursor, *tables: str):
    """Drop the tables' non-unique indexes around a bulk insert and build them again after: one
    sorted build instead of millions of inserts into a GIN or B-tree index (the search index's
    GIN took longer to fill row by row than everything else together). Foreign keys of the
    generated rows (ids from existing ranges) are not checked row by row either."""
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                   "AND indexdef NOT LIKE 'CREATE UNIQUE%%'", [list(tables)])
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = cursor.fetchone()[0]  # (only a superuser may skip the foreign-key triggers)
    if superuser:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if superuser:
            cursor.execute("SET session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cursor.execute(definition)


def copy_rows(sql: str, rows) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def make_resources(county: Region, user: User) -> None:
    """The resources go in with COPY. Building a text and its bigram index in Python costs ~4 ms,
    13 minutes for 200,000, so the bench draws each resource's text from a pool of TEXT_POOL
    texts (with the same share of planted phrases) and indexes each pooled text once; PostgreSQL
    joins a resource's own title tokens to its text's (`tsvector || tsvector` shifts the second's
    positions past the first's, as `tsvector_literal(title, text)` does). Posting lists have the
    sizes 200,000 distinct texts would give them."""
    existing = Resource.objects.count()
    if existing >= RESOURCES:
        print(f"bench_resources: {existing:,} resources already there")
        return
    rnd = random.Random(15)
    now = timezone.now()
    started = time.monotonic()
    pool = [synthetic_text(rnd) for _ in range(min(TEXT_POOL, RESOURCES))]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM resources_resource")
        first = cursor.fetchone()[0] + 1
        cursor.execute("CREATE TEMPORARY TABLE bench_text_pool (idx int PRIMARY KEY, tokens tsvector)")
        cursor.execute("CREATE TEMPORARY TABLE bench_search_stage (resource_id bigint, title tsvector, idx int)")
    copy_rows("COPY bench_text_pool (idx, tokens) FROM STDIN",
              ((i, tsvector_literal("", text)) for i, text in enumerate(pool)))
    print(f"bench_resources: {len(pool):,} pooled texts indexed ({time.monotonic() - started:.0f} s)", flush=True)
    batch = 50_000
    for start in range(existing, RESOURCES, batch):
        n = min(batch, RESOURCES - start)
        resources, searches = [], []
        for i in range(n):
            pk = first + start - existing + i
            idx = rnd.randrange(len(pool))
            title = f"{rnd.choice(SUBJECTS)}课例{pk}：" + "".join(rnd.choices(CHARS, k=8))
            resources.append((pk, rnd.choice(KINDS), title, "", rnd.choice(STAGES), rnd.choice(SUBJECTS), "", "",
                              "province", user.pk, "teacher", county.path, county.pk, "", False, pool[idx],
                              "published", "county", now, now, now, 0, 0, 0.0, 0, 0.0,
                              round(rnd.random() * 100, 3), False))
            searches.append((pk, tsvector_literal(title), idx))
        copy_rows("COPY resources_resource (id, kind, title, description, stage, subject, topic, authors, licence,"
                  " contributor_id, contributor_kind, org_path, region_id, source_grade, source_recommended, text,"
                  " state, published_level, published_at, created_at, updated_at, rating_count, rating_sum,"
                  " rating_score, usage_users, usage_score, quality_score, is_excellent) FROM STDIN", resources)
        copy_rows("COPY bench_search_stage (resource_id, title, idx) FROM STDIN", searches)
        print(f"bench_resources: {start + n:,} resources ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        with indexes_rebuilt(cursor, "resources_resourcesearch"):
            cursor.execute("INSERT INTO resources_resourcesearch (resource_id, tokens) "
                           "SELECT s.resource_id, s.title || p.tokens FROM bench_search_stage s "
                           "JOIN bench_text_pool p ON p.idx = s.idx")
        cursor.execute("DROP TABLE bench_search_stage")
        cursor.execute("DROP TABLE bench_text_pool")
        cursor.execute("SELECT setval(pg_get_serial_sequence('resources_resource', 'id'), "
                       "(SELECT MAX(id) FROM resources_resource))")
    print(f"bench_resources: search index of {RESOURCES - existing:,} resources ({time.monotonic() - started:.0f} s)",
          flush=True)


def make_people_and_use() -> None:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounts_user WHERE phone LIKE '197%%'")
        if cursor.fetchone()[0] < PEOPLE:
            cursor.execute("INSERT INTO accounts_user (password, phone, name, is_active, date_joined,"
                           " must_change_password) SELECT '', '197' || lpad(g::text, 8, '0'), '读者' || g, true, now(),"
                           " false FROM generate_series(1, %s) g ON CONFLICT DO NOTHING", [PEOPLE])
        cursor.execute("SELECT MIN(id), MAX(id) FROM accounts_user WHERE phone LIKE '197%%'")
        low, high = cursor.fetchone()
        cursor.execute("SELECT MIN(id), MAX(id) FROM resources_resource")
        r_low, r_high = cursor.fetchone()
        span, r_span = high - low + 1, r_high - r_low + 1
        cursor.execute("SELECT COUNT(*) FROM resources_usageevent")
        if cursor.fetchone()[0] < USAGE:
            with indexes_rebuilt(cursor, "resources_usageevent"):
                # Popularity skewed like real use: a few resources draw most of it.
                cursor.execute(
                    "INSERT INTO resources_usageevent (resource_id, user_id, kind, note, at) "
                    "SELECT %s + floor(power(random(), 3) * %s)::int, %s + floor(random() * %s)::int,"
                    " (ARRAY['view','view','view','download','used'])[1 + floor(random() * 5)::int], '',"
                    " now() - (random() * 400) * interval '1 day' FROM generate_series(1, %s)",
                    [r_low, r_span, low, span, USAGE])
        cursor.execute("SELECT COUNT(*) FROM resources_rating")
        if cursor.fetchone()[0] < RATINGS:
            per = max(1, RATINGS // r_span)
            with indexes_rebuilt(cursor, "resources_rating"):  # (the unique one stays, for ON CONFLICT)
                cursor.execute(
                    "INSERT INTO resources_rating (resource_id, user_id, stars, comment, created_at, updated_at) "
                    "SELECT r, %s + ((r * 7919 + k * 104729) %% %s), 1 + floor(random() * 5)::int, '', now(), now() "
                    "FROM generate_series(%s, %s) r, generate_series(1, %s) k ON CONFLICT DO NOTHING",
                    [low, span, r_low, r_high, per])
        cursor.execute("ANALYZE")
    print(f"bench_resources: people, {USAGE:,} usage events and ratings in {time.monotonic() - started:.0f} s",
          flush=True)


def main() -> int:
    if connection.vendor != "postgresql":
        print("bench_resources: PostgreSQL only (scripts/pg.sh with …)", file=sys.stderr)
        return 2
    county, user = ensure_world()
    make_resources(county, user)
    make_people_and_use()
    started = time.monotonic()
    result = ranking_recompute()
    rank_s = time.monotonic() - started
    print(f"resources_rank_s={rank_s:.1f} limit_s={RANK_LIMIT_S:.0f} resources={result['resources']:,} "
          f"excellent={result['excellent']:,} {'OK' if rank_s < RANK_LIMIT_S else 'OVER'}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE resources_resource")
    client = Client()
    client.force_login(user)
    worst = 0.0
    for name, query in [("q2", PLANTED_2), ("q10", PLANTED_10)]:
        for facets in ("", "&stage=primary&subject=%E6%95%B0%E5%AD%A6"):
            url = f"/resources/?q={query}{facets}"
            median, p95, queries = measure(client, url)
            label = f"{name}{'_two_facets' if facets else ''}"
            worst = max(worst, p95)
            print(f"resources_search_{label}_p95_ms={p95:.1f} median_ms={median:.1f} queries={queries}", flush=True)
    print(f"resources_search_worst_p95_ms={worst:.1f} limit_ms={SEARCH_LIMIT_MS:.0f} "
          f"{'OK' if worst < SEARCH_LIMIT_MS else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

