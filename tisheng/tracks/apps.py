from django.apps import AppConfig


class TracksConfig(AppConfig):
    """Tracks (issue 17): programs for a group other than the whole staff — leadership, training
    teams, 领航 principals and teachers, cross-disciplinary and backbone teachers — with their
    participant rule, nominations from below and selection within quotas per subunit."""

    name = "tisheng.tracks"
    label = "tracks"
    verbose_name = "Tracks"

    def ready(self) -> None:
        from tisheng.certificates.school_indicators import register_indicator
        from tisheng.tracks.plans import plan_indicators

        # 校长考评: the leadership track's plan review joins each school's indicators.
        register_indicator("tracks_plan_review", plan_indicators)

        from django.db.models import Exists, OuterRef

        from tisheng.programs.selectors import register_narrow_programs
        from tisheng.tracks.models import Track, TrackKind

        # A dashboard opens on a whole-staff program, not on a track of a few dozen principals.
        register_narrow_programs(lambda: Exists(
            Track.objects.filter(program=OuterRef("pk")).exclude(kind=TrackKind.FULL_STAFF)))

        from tisheng.practice.checks.reviewer_pool import register_reviewer_source
        from tisheng.tracks.pool import pool_users

        # The county's spot-check reviewers come from its trainer pool first (issue 17).
        register_reviewer_source("tracks_pool", pool_users)
