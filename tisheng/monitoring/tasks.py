"""Monitoring's periodic work, in this order: roll-ups older than ROLLUP_REFRESH_MINUTES
refreshed, then the week's bulletins (which read them) on BULLETIN_WEEKDAY, then stored export
files older than EXPORT_RETENTION_DAYS deleted."""

from tisheng.jobs.periodic import register
from tisheng.monitoring.services.bulletins import bulletins_issue_due
from tisheng.monitoring.services.exports import exports_purge
from tisheng.monitoring.services.rollups import rollups_refresh_if_stale

register("rollups_refreshed", rollups_refresh_if_stale)
register("bulletins_issued", bulletins_issue_due)
register("exports_purged", exports_purge)
