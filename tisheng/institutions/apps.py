from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    """Training institutions from selection to exit: selection rounds (遴选), evaluation (考评),
    suspension and termination (退出)."""

    name = "tisheng.institutions"
    label = "institutions"

    def ready(self) -> None:
        from tisheng.institutions.bulletin import ranking_section
        from tisheng.institutions.rollup import institution_measures_refresh_due
        from tisheng.institutions.services.exit import exits_apply_due, narrow_catalogue, narrow_contracts
        from tisheng.institutions.services.selection import narrow_to_selection
        from tisheng.jobs.periodic import register
        from tisheng.learning.selectors import CATALOGUE_COURSE_FILTERS
        from tisheng.learning.services import CONTRACT_INSTITUTION_FILTERS
        from tisheng.monitoring.sections import register_bulletin_section

        for narrow in (narrow_to_selection, narrow_contracts):
            if narrow not in CONTRACT_INSTITUTION_FILTERS:
                CONTRACT_INSTITUTION_FILTERS.append(narrow)
        if narrow_catalogue not in CATALOGUE_COURSE_FILTERS:
            CATALOGUE_COURSE_FILTERS.append(narrow_catalogue)
        # From the effective date an exited institution's courses credit no hours there, by any channel.
        from tisheng.institutions.services.exit_credit import credit_stop_areas_at, credit_stops_at
        from tisheng.learning.crediting import COURSE_CREDIT_STOP_AREAS, COURSE_CREDIT_STOPS

        if credit_stops_at not in COURSE_CREDIT_STOPS:
            COURSE_CREDIT_STOPS.append(credit_stops_at)
        if credit_stop_areas_at not in COURSE_CREDIT_STOP_AREAS:  # the same stops, for the offices' SQL
            COURSE_CREDIT_STOP_AREAS.append(credit_stop_areas_at)
        # An exit decided for a later day takes effect on that day: its application is queued
        # before the round's jobs run, so the same round applies it (services.exit).
        register("institution_exits", exits_apply_due, before_jobs=True)
        # The published ranking of each period goes out in the bulletins (考评结果通报).
        register_bulletin_section("institution_ranking", ranking_section)
        # The objective measures of the years being evaluated, recomputed once a day.
        register("institution_measures", institution_measures_refresh_due)
        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps the applications'
        # materials, the third-party reports and the registrations' licences (documents.py stores all three).
        from tisheng.core.storage_sweep import Column, register_references

        register_references("institutions/", Column("institutions.ApplicationMaterial", "stored_path"))
        register_references("institutions/", Column("institutions.ThirdPartyEvaluation", "stored_path"))
        register_references("institutions/", Column("institutions.InstitutionRegistration", "licence_path"))
