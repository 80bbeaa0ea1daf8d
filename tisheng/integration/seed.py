"""Demo data for `tisheng seed`: the province office issues the demo institution (INST-FJNU) a
Basic credential, a client-credentials application and a single sign-on application; the
institution registers its courses' xAPI activity ids; its platform then reports a batch of
statements through the LRS itself, so the operations page shows credited hours, rejections with
their reasons and a voided credit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction

from tisheng.accounts.models import User
from tisheng.core.seed.accounts import DEMO_INSTITUTION_CODE
from tisheng.core.seed.schools import DEMO_SCHOOL_CODE
from tisheng.integration import services
from tisheng.integration.auth import XapiClient, authority_for
from tisheng.integration.hooks import COMPLETED
from tisheng.integration.selectors import platform_id
from tisheng.learning.models import Course
from tisheng.orgs.models import Organization
from tisheng.people.models import Teacher

PROVINCE_PHONE = "13800000001"
DEMO_TEACHER_PHONE = "13800000008"
# The demo institution's platform does not exist: its address is under the reserved .example
# domain, so the teacher's platforms page says so instead of sending anyone to a dead host.
LMS = "https://lms.fjnu.example"


def _statement(actor_name: str, verb: str, activity: str, **extra) -> dict:
    return {"id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": actor_name}},
            "verb": {"id": verb}, "object": {"objectType": "Activity", "id": activity}, **extra}


@transaction.atomic
def integration_seed_demo() -> str:
    """Returns a one-line summary with the demo Basic key and secret (shown once, here)."""
    from tisheng.xapi.services import statements_store

    institution = Organization.objects.filter(code=DEMO_INSTITUTION_CODE).first()
    officer = User.objects.filter(phone=PROVINCE_PHONE).first()
    courses = list(Course.objects.filter(institution=institution, status="published").order_by("code"))
    if institution is None or officer is None or not courses:
        return "-"
    credential, secret = services.credential_issue(actor=officer, institution=institution, name="福建师大学习平台")
    services.application_create(actor=officer, institution=institution, name="学习平台（OAuth2）")
    services.application_create(actor=officer, institution=institution, name="学习平台单点登录", sso=True,
                                redirect_uri=f"{LMS}/oidc/callback", login_url=f"{LMS}/oidc/login")
    for course in courses:
        services.course_activity_id_set(actor=None, course=course, activity_id=f"{LMS}/course/{course.code}")
    with_quiz = courses[0]  # the learning seed gives each institution's first course a quiz (pass mark 60)
    teachers = list(Teacher.objects.filter(school__code=DEMO_SCHOOL_CODE, enrollments__program=with_quiz.program)
                    .exclude(user__phone=DEMO_TEACHER_PHONE).order_by("pk")[:12])
    if len(teachers) < 8:
        return "-"
    pid = [platform_id(t) for t in teachers]
    passed = {"completion": True, "success": True, "score": {"scaled": 0.86}}
    batch = [_statement(p, COMPLETED, with_quiz.activity_id, result=passed) for p in pid[:4]]
    batch += [_statement(pid[4], COMPLETED, with_quiz.activity_id,
                         result={"completion": True, "success": False, "score": {"scaled": 0.42}})]
    batch += [_statement(pid[5], COMPLETED, courses[1].activity_id)]
    batch += [_statement("t999999-000000", COMPLETED, courses[1].activity_id)]
    batch += [_statement(pid[6], COMPLETED, f"{LMS}/course/unregistered")]
    batch += [_statement(p, "http://adlnet.gov/expapi/verbs/experienced", f"{LMS}/course/{c.code}/video/1")
              for p in pid for c in courses[:2]]
    batch += [_statement(p, "http://adlnet.gov/expapi/verbs/attempted", with_quiz.activity_id) for p in pid[:8]]
    client = XapiClient(institution_id=institution.pk, name=institution.name, credential_key=credential.key,
                        authority=authority_for(credential.key, institution.name), rate_limit=credential.rate_limit)
    statements_store(client=client, statements=batch)
    # The platform corrects a mistaken completion: voiding it reverses its credit.
    void = {"actor": {"objectType": "Agent", "account": {"homePage": LMS, "name": "admin"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": batch[3]["id"]}}
    statements_store(client=client, statements=[void])
    return f"{len(batch) + 1} statements from {institution.code}; Basic key {credential.key} secret {secret}"
