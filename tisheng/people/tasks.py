"""The people app's periodic work: uploaded roster files (full national IDs) are deleted once
older than ROSTER_RETENTION_DAYS."""

from tisheng.jobs.periodic import register
from tisheng.people.services.roster_import import rosters_purge

register("rosters_purged", rosters_purge)
