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
    code = job.args["code"]
    # A retried job (its worker died or lost the database) reports the whole job: what its
    # earlier attempts issued (certificates of this code that the job's user issued in the
    # region since the job was created) plus this attempt's, which skips those holders.
    earlier = _issued_since(job, program, code, region) if job.attempts > 1 else 0
    result = certificates_issue_batch(actor=job.created_by, program=program, code=code, region=region,
                                      progress=progress)
    if earlier:
        result = {**result, "eligible": result["eligible"] + earlier, "issued": result["issued"] + earlier,
                  "issued_by_earlier_attempts": earlier}
    return result


def _issued_since(job, program, code: str, region) -> int:
    from tisheng.certificates.models import Certificate
    from tisheng.orgs.scope import path_q

    return (Certificate.objects.filter(path_q("org_path", [region.path]), program=program, code=code,
                                       issued_by=job.created_by, issued_at__gte=job.created_at,
                                       revoked_at__isnull=True).count())


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
