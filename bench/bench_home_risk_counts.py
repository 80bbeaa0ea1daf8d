"""The home's "schools at risk" count at province scale, before (COUNT DISTINCT over every high
RiskScore row under the viewer's path) and after (the per-school counts the refresh stores):
450,000 scores over 12,000 schools, levels as the bench seed's mid-program mix; tables and
indexes as the two models declare them. Median and p95 of 20 runs, for the province and a county.

PostgreSQL only (DATABASE_URL), on temporary tables of its own: it needs no seed and leaves
nothing behind. `scripts/pg.sh with .venv/bin/python bench/bench_home_risk_counts.py`
(HIGH_SHARE=0.3 by default: the share of teachers rated high)."""

import os
import statistics
import time

import psycopg

url = os.environ["DATABASE_URL"]
conn = psycopg.connect(url, autocommit=True)
cur = conn.cursor()
HIGH_SHARE = float(os.environ.get("HIGH_SHARE", "0.3"))
cur.execute("""
CREATE TEMP TABLE risk (id bigserial primary key, program_id int, teacher_id int, school_id int, org_path varchar(96),
                   score smallint, level varchar(8));
CREATE TEMP TABLE school_risk (id bigserial primary key, program_id int, school_id int, org_path varchar(96),
                          high int, medium int, low int);
""")
# 9 cities × 10 counties × ~133 schools = 12,000 schools; 37.5 teachers each → 450,000.
cur.execute("""
INSERT INTO risk (program_id, teacher_id, school_id, org_path, score, level)
SELECT 1, t, s, '35/' || lpad((s %% 9)::text, 2, '0') || '/' || lpad(((s / 9) %% 10)::text, 2, '0') || '/' || s,
       (random() * 100)::int, CASE WHEN random() < %s THEN 'high' WHEN random() < 0.5 THEN 'medium' ELSE 'low' END
FROM generate_series(1, 450000) t, LATERAL (SELECT (t %% 12000) + 1 AS s) x
""", (HIGH_SHARE,))
cur.execute("""
CREATE INDEX risk_list ON risk (program_id, org_path, level, score);
CREATE INDEX risk_by_level ON risk (program_id, level, score DESC);
INSERT INTO school_risk (program_id, school_id, org_path, high, medium, low)
SELECT program_id, school_id, max(org_path), count(*) FILTER (WHERE level = 'high'),
       count(*) FILTER (WHERE level = 'medium'), count(*) FILTER (WHERE level = 'low')
FROM risk GROUP BY program_id, school_id;
CREATE INDEX school_risk_high ON school_risk (program_id, org_path) WHERE high > 0;
ANALYZE risk; ANALYZE school_risk;
""")
BEFORE = ("SELECT count(DISTINCT school_id), count(id) FROM risk WHERE program_id IN (1) AND level = 'high' "
          "AND (org_path = %s OR org_path LIKE %s)")
AFTER = ("SELECT count(DISTINCT school_id), sum(high) FROM school_risk WHERE program_id IN (1) AND high > 0 "
         "AND (org_path = %s OR org_path LIKE %s)")


def timed(sql, path):
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        cur.execute(sql, (path, path + "/%"))
        row = cur.fetchone()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[18], row


for label, path in (("province", "35"), ("county", "35/03/04")):
    for name, sql in (("before", BEFORE), ("after", AFTER)):
        median, p95, row = timed(sql, path)
        print(f"schools_at_risk_{label}_{name}_p95_ms={p95:.1f} median_ms={median:.1f} result={row}")
