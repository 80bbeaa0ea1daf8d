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
