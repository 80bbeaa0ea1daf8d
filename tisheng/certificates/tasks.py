"""Background jobs of the certificates app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.certificates.services import certificates_issue_batch
from tisheng.jobs.registry import Progress, job

ISSUE_BATCH = "certificates.issue_batch"


@job(ISSUE_BATCH, capability=Cap.CERTIFICATES_ISSUE)
def issue_batch(job, progress: Progress) -> dict:
    from tisheng.orgs.models import Region
    from tisheng.programs.models import Program

    program = Program.objects.get(pk=job.args["program"])
    region = Region.objects.get(pk=job.args["region"])
    return certificates_issue_batch(actor=job.created_by, program=program, code=job.args["code"], region=region,
                                    progress=progress)


PARTNER_BATCH = "certificates.partner_batch"


@job(PARTNER_BATCH, capability=Cap.CERTIFICATES_ISSUE_PARTNER)
def partner_batch(job, progress: Progress) -> dict:
    """A training institution issues or signs, or a teacher college co-signs, for a county or
    a school (services_partner.partner_batch)."""
    from tisheng.certificates.services_partner import partner_batch as run
    from tisheng.programs.models import Program

    program = Program.objects.get(pk=job.args["program"])
    return run(actor=job.created_by, program=program, code=job.args["code"], action=job.args["action"],
               path=job.args["path"], progress=progress)
