"""Learning together's periodic work: a day before an assignment's deadline, its class is told."""

from tisheng.communities.services_assignments import assignment_deadlines_remind
from tisheng.jobs.periodic import register

register("assignment_deadline_reminders", assignment_deadlines_remind)
