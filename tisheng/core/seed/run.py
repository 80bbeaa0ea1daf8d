"""`tisheng seed`: the whole seeded world, in order, with progress.

regions (the shipped divisions) → schools (bulk) → teacher colleges and institutions →
teachers (roster rows through roster_validate + roster_apply, in chunks) → demo accounts.
All in one transaction: a failure leaves the database as it was.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.account_admin import account_admin_seed_demo
from tisheng.accounts.evaluators import evaluators_seed_demo
from tisheng.certificates.seed_partner import partner_certificates_seed_demo
from tisheng.core.seed.accounts import DemoAccount, demo_accounts_seed, organizations_seed
from tisheng.core.seed.schools import DEMO_SCHOOL_CODE, SCALES, SchoolSpec, counties_of, plan_schools
from tisheng.core.seed.teachers import TeacherRowMaker
from tisheng.diagnostics.services import diagnostics_seed_demo
from tisheng.home.seed import home_seed_demo
from tisheng.integration.seed import integration_seed_demo
from tisheng.learning.seed import learning_seed_demo
from tisheng.monitoring.services.rollups import rollups_refresh_all
from tisheng.monitoring.warning.seed import warning_seed_demo
from tisheng.orgs.models import Region, School, school_path
from tisheng.orgs.services import divisions_read, regions_load
from tisheng.people.models import Teacher
from tisheng.people.services.roster import roster_apply, roster_validate
from tisheng.playback.seed import playback_demo_seed
from tisheng.practice.checks.seed import practice_checks_seed_demo
from tisheng.practice.seed import practice_seed_demo
from tisheng.programs.services.programs import programs_seed_demo

CHUNK_ROWS = 20_000

ALREADY_SEEDED = gettext_noop(
    "The database already has schools or teachers; seeding runs only on an empty database. "
    "Start from a fresh one (remove the SQLite file or drop the PostgreSQL database, then migrate)."
)
ALREADY_SEEDED_SKIPPED = gettext_noop("The database already has schools or teachers; nothing seeded.")
UNKNOWN_SCALE = gettext_noop("Unknown scale %(scale)s; use demo, county or province.")
ROWS_REJECTED = gettext_noop("The roster validation rejected seeded rows: %(errors)s")


class SeedError(Exception):
    pass


@dataclass
class SeedReport:
    scale: str
    regions: int = 0
    schools: int = 0
    teachers: int = 0
    organizations: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)
    seconds: float = 0.0


def _chunked(rows: Iterator[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def schools_create(specs: list[SchoolSpec]) -> int:
    """The planned schools, in bulk (paths computed here: bulk_create skips School.save)."""
    counties = {r.code: r for r in Region.objects.filter(code__in={s.county_code for s in specs})}
    School.objects.bulk_create(
        [
            School(
                code=s.code, name=s.name, county=counties[s.county_code],
                path=school_path(counties[s.county_code].path, s.code), stage=s.stage, is_rural=s.is_rural,
                environment=s.environment, is_deep_poverty_area=s.is_deep_poverty_area,
                is_demonstration=s.is_demonstration,
            )
            for s in specs
        ],
        batch_size=2000,
    )
    return len(specs)


def database_is_empty() -> bool:
    """No schools and no teachers: the only state seeding starts from."""
    return not School.objects.exists() and not Teacher.objects.exists()


def seed_run(*, scale: str, seed: int = 1, chunk_rows: int = CHUNK_ROWS,
             out: Callable[[str], None] = lambda line: None) -> SeedReport:
    """Seed an empty database at `scale` (demo, county or province), deterministically for
    a given `seed`. Refuses (SeedError) when schools or teachers already exist."""
    if scale not in SCALES:
        raise SeedError(_(UNKNOWN_SCALE) % {"scale": scale})
    if not database_is_empty():
        raise SeedError(_(ALREADY_SEEDED))
    started = time.monotonic()
    report = SeedReport(scale=scale)

    def progress(line: str) -> None:
        out(f"[{time.monotonic() - started:7.1f}s] {line}")

    with transaction.atomic():
        report.regions = regions_load()
        progress(f"regions: {report.regions}")

        specs = plan_schools(scale, counties_of(divisions_read()), seed=seed)
        report.schools = schools_create(specs)
        progress(f"schools: {report.schools}")

        report.organizations = len(organizations_seed())
        progress(f"teacher colleges and institutions: {report.organizations}")

        planned = sum(s.planned_teachers for s in specs)
        maker = TeacherRowMaker(seed=seed)
        first_row = 2
        for chunk in _chunked(maker.rows(specs), chunk_rows):
            records, errors = roster_validate(chunk, actor=None, first_row=first_row)
            if errors:
                shown = "; ".join(f"{e.row} {e.column} {e.reason}" for e in errors[:5])
                raise SeedError(_(ROWS_REJECTED) % {"errors": shown})
            counts = roster_apply(records, actor=None, source="seed")
            report.teachers += counts.created
            first_row += len(chunk)
            progress(f"teachers: {report.teachers:,} / {planned:,}")

        report.accounts = demo_accounts_seed()
        progress(f"demo accounts: {len(report.accounts)}")

        programs = programs_seed_demo(enroll_all=scale != "province")
        progress(f"programs: {', '.join(p.code for p in programs)}")

        results = diagnostics_seed_demo(school_code=DEMO_SCHOOL_CODE, seed=seed)
        progress(f"diagnostic tests and sample results: {results}")

        courses = learning_seed_demo()
        progress(f"contracts and published courses: {courses}")

        demo_lesson = playback_demo_seed()
        progress(f"player demo lesson: {demo_lesson.pk if demo_lesson else '-'}")

        partner = partner_certificates_seed_demo(school_code=DEMO_SCHOOL_CODE)
        progress(f"1.0 partner certificates: {partner}")

        progress(f"xAPI from institutions: {integration_seed_demo()}")

        progress(f"school-based practice: {practice_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
        progress(f"similarity and spot checks: {practice_checks_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # After a bulk load, as after any big roster import: fresh statistics for the
        # planner and a visibility map for index-only counts (the teacher list's COUNT(*)
        # reads the heap of every row until the table has been vacuumed).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        progress("vacuum analyze")
    runs = rollups_refresh_all()
    progress(f"monitoring roll-ups: {sum(r.rows for r in runs):,} rows")
    progress(f"third-party evaluators: {evaluators_seed_demo()}")
    progress(f"security admin's new account: {account_admin_seed_demo(DEMO_SCHOOL_CODE)}")
    progress(f"early warning: {warning_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    progress(f"home page to-dos: {home_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.supervision.seed import supervision_seed_demo

    progress(f"supervision: {supervision_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.communities.seed import communities_seed_demo

    progress(f"study classes: {communities_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.accounts.federation.seed import federation_seed_demo
    from tisheng.certificates.credentials.seed import credentials_seed_demo

    progress(f"identity platform: {federation_seed_demo(school_code=DEMO_SCHOOL_CODE)}; {credentials_seed_demo()}")
    from tisheng.ledger.seed import ledger_seed_demo

    progress(f"continuing-education registry: {ledger_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.resources.seed import resources_seed_demo

    progress(f"resource library: {resources_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.institutions.seed import institutions_seed_demo

    progress(f"institutions: {institutions_seed_demo()}")
    from tisheng.funding.seed import funding_seed_demo

    progress(f"funding: {funding_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.institutions.seed_evaluation import institutions_evaluation_seed_demo

    progress(f"institution evaluation and exit: {institutions_evaluation_seed_demo(DEMO_SCHOOL_CODE)}")
    from tisheng.tracks.seed import tracks_seed_demo

    progress(f"tracks: {tracks_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    from tisheng.achievements.seed import achievements_seed_demo

    progress(f"achievement rounds: {achievements_seed_demo(school_code=DEMO_SCHOOL_CODE)}")
    report.seconds = time.monotonic() - started
    return report
