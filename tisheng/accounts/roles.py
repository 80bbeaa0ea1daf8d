"""Roles and the capabilities they grant. Defined once; everything else asks `can()`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_OFFICE = "province_office", _("Province office")
    CITY_OFFICE = "city_office", _("City office")
    COUNTY_OFFICE = "county_office", _("County office")
    TEACHER_COLLEGE = "teacher_college", _("Teacher college")
    INSTITUTION = "institution", _("Training institution")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    SCHOOL_ASSESSOR = "school_assessor", _("School assessor")
    TEACHER = "teacher", _("Teacher")
    EVALUATOR = "evaluator", _("Evaluator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    # The second half of the project (DESIGN.md: institutions, resources, communities, supervision).
    EXPERT = "expert", _("Expert")  # 专家: time-limited, assigned to a selection or evaluation round
    TUTOR = "tutor", _("Tutor")  # 辅导教师: at an institution or teacher college, scoped to their classes
    WORKSHOP_LEADER = "workshop_leader", _("Workshop leader")  # 坊主: a master teacher leading a workshop
    INSPECTOR = "inspector", _("Inspector")  # 督导: assigned to the units of an inspection round
    NATIONAL_OFFICE = "national_office", _("National office")  # the ministry's view over provinces' reports


class Cap:
    """Capability strings. A role grants a set of them over its scope."""

    ORGS_VIEW = "orgs.view"
    SCHOOLS_EDIT = "schools.edit"
    TEACHERS_VIEW = "teachers.view"
    TEACHERS_VIEW_ID = "teachers.view_id"  # the national ID in full (audited)
    TEACHERS_EDIT = "teachers.edit"
    # A school administrator resets a teacher's password to a temporary one (teacher-only accounts).
    TEACHERS_PASSWORD_RESET = "teachers.password_reset"
    ROSTER_IMPORT = "roster.import"
    REPORTS_VIEW = "reports.view"
    REPORTS_EXPORT = "reports.export"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    CERTIFICATES_VIEW = "certificates.view"
    # Issue the kinds the province issues (结业证书, the 2.0 certificate), one or a county's batch.
    CERTIFICATES_ISSUE = "certificates.issue"
    # Issue the kinds an institution or teacher college issues (1.0 online / practice).
    CERTIFICATES_ISSUE_PARTNER = "certificates.issue_partner"
    CERTIFICATES_REVOKE = "certificates.revoke"
    PROGRAMS_MANAGE = "programs.manage"  # programs, rule sets, rollout, enrollment (province)
    TRAINING_RECORD = "training.record"  # management/backbone trainees of the office's own level
    EXEMPTIONS_REQUEST = "exemptions.request"  # a school asks for a manual exemption
    EXEMPTIONS_APPROVE = "exemptions.approve"  # the county decides it
    COMPLETION_SUBMIT = "completion.submit"  # a school submits its completion list
    COMPLETION_REVIEW = "completion.review"  # a county or city reviews it
    COMPLETION_APPROVE = "completion.approve"  # the province approves it
    HOURS_DECLARE = "hours.declare"  # a teacher declares hours from other platforms
    HOURS_APPROVE = "hours.approve"  # the school approves them as imported hours
    HOURS_IMPORT = "hours.import"  # an office imports other platforms' hour records (issue 17)
    REGISTRY_REPORT = "registry.report"  # the 定期注册 list of a county's teachers (issue 17)
    TITLE_RECORDS = "registry.title_records"  # 职称评聘: teachers' hours and training records (issue 17)
    SCHOOL_INDICATORS = "registry.school_indicators"  # 办学水平评估 / 校长考评 indicators per school
    # Each teacher's 教师资格定期注册 date: the school (or the county) enters and corrects it (issue 17).
    REGISTRATION_DATES = "registry.registration_dates"
    # Online learning (issue 4).
    COURSES_MANAGE = "courses.manage"  # an institution publishes courses, sees its learners
    CONTRACTS_MANAGE = "contracts.manage"  # the province selects institutions, a city chooses
    COURSES_SELECT = "courses.select"  # a teacher browses the catalogue and selects courses
    LEARNING_MONITOR = "learning.monitor"  # who selected, started, is idle (offices, schools)
    # Institution integration (issue 5): credentials, OAuth2 applications, the xAPI ops page.
    INTEGRATION_MANAGE = "integration.manage"
    # School-based practice (issue 6).
    PRACTICE_VIEW = "practice.view"  # plans, choices, evidence, results in scope
    PRACTICE_CATALOGUE = "practice.catalogue"  # the province edits the micro-ability catalogue
    PRACTICE_PLAN = "practice.plan"  # a school writes and submits its plan, names its team
    PRACTICE_PLAN_APPROVE = "practice.plan_approve"  # the county approves or returns it
    PRACTICE_ASSESS = "practice.assess"  # the school team grades evidence, assigns peers
    PRACTICE_SUBMIT = "practice.submit"  # a teacher chooses points and uploads evidence
    PRACTICE_SPOT_CHECK = "practice.spot_check"  # the county draws spot checks, assigns reviewers
    PRACTICE_SPOT_REVIEW = "practice.spot_review"  # a teacher college reviewer checks assigned items
    # Monitoring (issue 7): offices grant third-party evaluators time-limited read access.
    EVALUATORS_MANAGE = "evaluators.manage"
    # Funding (issue 14 item 4): budgets, rates, settlement statements with institutions.
    FUNDING_VIEW = "funding.view"  # budgets and statements in scope
    FUNDING_BUDGET = "funding.budget"  # an office or school enters its own budget lines
    FUNDING_SETTLE = "funding.settle"  # an office drafts and confirms what it pays institutions
    FUNDING_RATES = "funding.rates"  # the province sets the rates
    FUNDING_CHECK = "funding.check"  # an institution checks or disputes its own statements
    # Supervision (issue 19): an office plans inspection rounds of the units below it and decides
    # rectifications; an inspector works on the units assigned to them; the inspected unit answers.
    SUPERVISION_MANAGE = "supervision.manage"
    SUPERVISION_INSPECT = "supervision.inspect"
    SUPERVISION_RESPOND = "supervision.respond"
    # The national level (issue 19): a province office sends its report to the ministry; the
    # ministry's national office reads the reports provinces sent.
    NATIONAL_REPORT = "national.report"
    NATIONAL_VIEW = "national.view"
    # The resource library (issue 15): unpublished resources in scope; contributing; reviewing
    # the library of the node a role is held at; the ranking's parameters (province).
    RESOURCES_VIEW = "resources.view"
    RESOURCES_CONTRIBUTE = "resources.contribute"
    RESOURCES_REVIEW = "resources.review"
    RESOURCES_MANAGE = "resources.manage"
    # Model sites (issue 15): a county or school applies; the province designates.
    SITES_VIEW = "sites.view"
    SITES_APPLY = "sites.apply"
    SITES_DESIGNATE = "sites.designate"
    # Achievement rounds (issue 15): an office runs a round; the units one level below nominate.
    ACHIEVEMENTS_MANAGE = "achievements.manage"
    ACHIEVEMENTS_NOMINATE = "achievements.nominate"
    # Learning together (issue 16): study classes with tutors.
    COMMUNITIES_VIEW = "communities.view"  # the study-class pages at all (each sees only their own classes)
    COMMUNITIES_CLASSES_MANAGE = "communities.classes_manage"  # an institution or college forms classes
    COMMUNITIES_TUTOR = "communities.tutor"  # a tutor guides the classes they are assigned to
    COMMUNITIES_OVERSEE = "communities.oversee"  # offices see the classes in their area
    COMMUNITIES_WORKSHOPS_CREATE = "communities.workshops_create"  # offices, colleges, 坊主 create workshops
    COMMUNITIES_RULES = "communities.rules"  # the province edits the points→hours rule, tags assisted regions
    COMMUNITIES_PAIRS_MANAGE = "communities.pairs_manage"  # offices pair schools in their area
    COMMUNITIES_PAIRS_TAKE_PART = "communities.pairs_take_part"  # a paired school or institution keeps the log
    # Expert panels and institutions (issue 14): offices run panels and selection rounds; an expert
    # scores only what a panel assigns them; an institution applies and sees its own evaluation.
    PANELS_MANAGE = "panels.manage"
    PANELS_SCORE = "panels.score"
    INSTITUTIONS_MANAGE = "institutions.manage"  # the province's selection rounds, decisions, exit
    INSTITUTIONS_APPLY = "institutions.apply"  # an institution applies and reads its own scores
    INSTITUTIONS_ASSESS = "institutions.assess"  # a third-party evaluator reports on and scores institutions
    # Tracks (issue 17): leadership, training-team, backbone … programs with nominations and quotas.
    TRACKS_VIEW = "tracks.view"
    TRACKS_MANAGE = "tracks.manage"  # an office runs tracks at its level: quotas, selection
    TRACKS_NOMINATE = "tracks.nominate"  # a school or an office below nominates its people
    TRACKS_POOL = "tracks.pool"  # a county's trainer pool: offices read it, institutions and colleges draw tutors


_OFFICE = {
    Cap.ORGS_VIEW,
    Cap.TEACHERS_VIEW,
    Cap.REPORTS_VIEW,
    Cap.REPORTS_EXPORT,
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PROVINCE_OFFICE: frozenset(
        _OFFICE | {Cap.SCHOOLS_EDIT, Cap.TEACHERS_EDIT, Cap.ROSTER_IMPORT, Cap.TEACHERS_VIEW_ID,
                   Cap.COMPLETION_APPROVE, Cap.PROGRAMS_MANAGE, Cap.TRAINING_RECORD}
    ),
    Role.CITY_OFFICE: frozenset(_OFFICE | {Cap.COMPLETION_REVIEW, Cap.TRAINING_RECORD}),
    Role.COUNTY_OFFICE: frozenset(
        _OFFICE | {Cap.SCHOOLS_EDIT, Cap.TEACHERS_EDIT, Cap.ROSTER_IMPORT, Cap.TEACHERS_VIEW_ID,
                   Cap.COMPLETION_REVIEW, Cap.EXEMPTIONS_APPROVE}
    ),
    Role.TEACHER_COLLEGE: frozenset({Cap.ORGS_VIEW, Cap.TEACHERS_VIEW, Cap.REPORTS_VIEW}),
    # An institution reaches teachers only through its contracts (programs issue).
    Role.INSTITUTION: frozenset({Cap.ORGS_VIEW}),
    Role.SCHOOL_ADMIN: frozenset(
        _OFFICE | {Cap.TEACHERS_EDIT, Cap.ROSTER_IMPORT, Cap.TEACHERS_VIEW_ID, Cap.HOURS_APPROVE,
                   Cap.EXEMPTIONS_REQUEST, Cap.COMPLETION_SUBMIT, Cap.TEACHERS_PASSWORD_RESET}
    ),
    Role.SCHOOL_ASSESSOR: frozenset({Cap.ORGS_VIEW, Cap.TEACHERS_VIEW}),
    # A teacher's scope is their own record (see SELF_SCOPED_ROLES).
    Role.TEACHER: frozenset({Cap.TEACHERS_VIEW, Cap.TEACHERS_VIEW_ID, Cap.HOURS_DECLARE}),
    Role.EVALUATOR: frozenset({Cap.ORGS_VIEW, Cap.TEACHERS_VIEW, Cap.REPORTS_VIEW}),
    # Separation of duties (等保三级): security and audit admins see no business data.
    Role.SECURITY_ADMIN: frozenset({Cap.ACCOUNTS_MANAGE, Cap.ORGS_VIEW}),
    Role.AUDIT_ADMIN: frozenset({Cap.AUDIT_VIEW}),
    # The newer domains grant these roles their capabilities where they land; until then, none.
    Role.EXPERT: frozenset(),
    Role.TUTOR: frozenset(),
    Role.WORKSHOP_LEADER: frozenset(),
    Role.INSPECTOR: frozenset(),
    Role.NATIONAL_OFFICE: frozenset(),
}

# Roles whose scope is the user's own records, not the subtree of their node.
SELF_SCOPED_ROLES = frozenset({Role.TEACHER})

# Where each role may be assigned.
ROLE_NODE_KINDS: dict[str, frozenset[str]] = {
    Role.PROVINCE_OFFICE: frozenset({"province"}),
    Role.CITY_OFFICE: frozenset({"city"}),
    Role.COUNTY_OFFICE: frozenset({"county"}),
    Role.TEACHER_COLLEGE: frozenset({"teacher_college"}),
    Role.INSTITUTION: frozenset({"institution"}),
    Role.SCHOOL_ADMIN: frozenset({"school"}),
    Role.SCHOOL_ASSESSOR: frozenset({"school"}),
    Role.TEACHER: frozenset({"school"}),
    Role.EVALUATOR: frozenset({"province", "city", "county", "school"}),
    Role.SECURITY_ADMIN: frozenset({"province"}),
    Role.AUDIT_ADMIN: frozenset({"province"}),
    Role.EXPERT: frozenset({"province", "city", "county"}),
    Role.TUTOR: frozenset({"teacher_college", "institution"}),
    Role.WORKSHOP_LEADER: frozenset({"province", "city", "county", "school"}),
    Role.INSPECTOR: frozenset({"province", "city", "county"}),
    Role.NATIONAL_OFFICE: frozenset({"national"}),  # the root of a national instance
}

# Certificates (issue 3). The province office issues and revokes; a county office can batch
# issue the province's kinds for its county; partners issue theirs where their scope reaches.
_CERTIFICATE_CAPABILITIES: dict[str, set[str]] = {
    Role.PROVINCE_OFFICE: {Cap.CERTIFICATES_VIEW, Cap.CERTIFICATES_ISSUE, Cap.CERTIFICATES_ISSUE_PARTNER,
                           Cap.CERTIFICATES_REVOKE},
    Role.CITY_OFFICE: {Cap.CERTIFICATES_VIEW},
    Role.COUNTY_OFFICE: {Cap.CERTIFICATES_VIEW, Cap.CERTIFICATES_ISSUE},
    Role.TEACHER_COLLEGE: {Cap.CERTIFICATES_VIEW, Cap.CERTIFICATES_ISSUE_PARTNER},
    Role.INSTITUTION: {Cap.CERTIFICATES_ISSUE_PARTNER},
    Role.SCHOOL_ADMIN: {Cap.CERTIFICATES_VIEW},
    Role.TEACHER: {Cap.CERTIFICATES_VIEW},
    Role.EVALUATOR: {Cap.CERTIFICATES_VIEW},
}
for _role, _caps in _CERTIFICATE_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# Online learning (issue 4): the province and cities contract institutions; offices and
# schools monitor selection and progress; an institution publishes courses and sees its
# learners in the regions its contracts cover.
_LEARNING_CAPABILITIES: dict[str, set[str]] = {
    Role.PROVINCE_OFFICE: {Cap.CONTRACTS_MANAGE, Cap.LEARNING_MONITOR},
    Role.CITY_OFFICE: {Cap.CONTRACTS_MANAGE, Cap.LEARNING_MONITOR},
    Role.COUNTY_OFFICE: {Cap.LEARNING_MONITOR},
    Role.INSTITUTION: {Cap.COURSES_MANAGE},
    Role.SCHOOL_ADMIN: {Cap.LEARNING_MONITOR},
    Role.TEACHER: {Cap.COURSES_SELECT},
}
for _role, _caps in _LEARNING_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# School-based practice (issue 6): offices and teacher colleges see practice in their area; the
# province edits the catalogue; the county approves school plans; the school writes its plan and
# its team grades; a teacher chooses points and submits evidence (self-scoped).
_PRACTICE_CAPABILITIES: dict[str, set[str]] = {
    Role.PROVINCE_OFFICE: {Cap.PRACTICE_VIEW, Cap.PRACTICE_CATALOGUE},
    Role.CITY_OFFICE: {Cap.PRACTICE_VIEW},
    Role.COUNTY_OFFICE: {Cap.PRACTICE_VIEW, Cap.PRACTICE_PLAN_APPROVE},
    Role.TEACHER_COLLEGE: {Cap.PRACTICE_VIEW},
    Role.EVALUATOR: {Cap.PRACTICE_VIEW},
    Role.SCHOOL_ADMIN: {Cap.PRACTICE_VIEW, Cap.PRACTICE_PLAN, Cap.PRACTICE_ASSESS},
    Role.SCHOOL_ASSESSOR: {Cap.PRACTICE_VIEW, Cap.PRACTICE_ASSESS},
    Role.TEACHER: {Cap.PRACTICE_VIEW, Cap.PRACTICE_SUBMIT},
}
for _role, _caps in _PRACTICE_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# County spot checks of practice results (issue 6): the county office draws samples and assigns
# reviewers from the teacher college, who check only the items assigned to them.
ROLE_CAPABILITIES[Role.COUNTY_OFFICE] = ROLE_CAPABILITIES[Role.COUNTY_OFFICE] | {Cap.PRACTICE_SPOT_CHECK}
ROLE_CAPABILITIES[Role.TEACHER_COLLEGE] = ROLE_CAPABILITIES[Role.TEACHER_COLLEGE] | {Cap.PRACTICE_SPOT_REVIEW}

# Institution integration (issue 5): only the province office issues credentials to
# institutions and watches what their platforms report.
ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] = ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] | {Cap.INTEGRATION_MANAGE}

# Third-party evaluators (issue 7): a time-limited, read-only grant over a subtree that sees the
# dashboards and exports; the province, city and county offices grant and revoke it.
ROLE_CAPABILITIES[Role.EVALUATOR] = ROLE_CAPABILITIES[Role.EVALUATOR] | {Cap.REPORTS_EXPORT}
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.EVALUATORS_MANAGE}

# Funding (issue 14 item 4): offices and schools enter their budgets; offices draft and confirm
# settlement statements for what they pay; an institution checks (or disputes) its own statements.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.FUNDING_VIEW, Cap.FUNDING_BUDGET, Cap.FUNDING_SETTLE}
ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] = ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] | {Cap.FUNDING_RATES}
ROLE_CAPABILITIES[Role.SCHOOL_ADMIN] = ROLE_CAPABILITIES[Role.SCHOOL_ADMIN] | {Cap.FUNDING_VIEW, Cap.FUNDING_BUDGET}
ROLE_CAPABILITIES[Role.INSTITUTION] = ROLE_CAPABILITIES[Role.INSTITUTION] | {Cap.FUNDING_CHECK}

# The resource library (issue 15): everyone contributes (a teacher their own, self-scoped); a
# school administrator reviews the school's library, each office its level's; published
# resources are read by every signed-in person and need no capability. Model sites: a county
# office applies for 创新实验区, a school administrator for 示范校; the province designates.
_RESOURCE_CAPABILITIES: dict[str, set[str]] = {
    Role.PROVINCE_OFFICE: {Cap.RESOURCES_VIEW, Cap.RESOURCES_CONTRIBUTE, Cap.RESOURCES_REVIEW, Cap.RESOURCES_MANAGE,
                           Cap.SITES_VIEW, Cap.SITES_DESIGNATE},
    Role.CITY_OFFICE: {Cap.RESOURCES_VIEW, Cap.RESOURCES_CONTRIBUTE, Cap.RESOURCES_REVIEW, Cap.SITES_VIEW},
    Role.COUNTY_OFFICE: {Cap.RESOURCES_VIEW, Cap.RESOURCES_CONTRIBUTE, Cap.RESOURCES_REVIEW, Cap.SITES_VIEW,
                         Cap.SITES_APPLY},
    Role.TEACHER_COLLEGE: {Cap.RESOURCES_VIEW, Cap.RESOURCES_CONTRIBUTE},
    Role.INSTITUTION: {Cap.RESOURCES_CONTRIBUTE},
    Role.SCHOOL_ADMIN: {Cap.RESOURCES_VIEW, Cap.RESOURCES_CONTRIBUTE, Cap.RESOURCES_REVIEW, Cap.SITES_VIEW,
                        Cap.SITES_APPLY},
    Role.TEACHER: {Cap.RESOURCES_VIEW, Cap.RESOURCES_CONTRIBUTE},
}
for _role, _caps in _RESOURCE_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# Expert panels and institutions (issue 14): offices run panels over their area; an expert's
# time-limited grant lets them score their own assignments; the province selects, evaluates and
# exits institutions; an institution applies to rounds and reads its own evaluation.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.PANELS_MANAGE}
ROLE_CAPABILITIES[Role.EXPERT] = ROLE_CAPABILITIES[Role.EXPERT] | {Cap.PANELS_SCORE}
# A trainer of the county's pool assigned spot-check items holds a time-limited expert grant over the
# county (practice/checks/reviewer_pool.py); the items they see are only those assigned to them.
ROLE_CAPABILITIES[Role.EXPERT] = ROLE_CAPABILITIES[Role.EXPERT] | {Cap.PRACTICE_SPOT_REVIEW}
ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] = ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] | {Cap.INSTITUTIONS_MANAGE}
ROLE_CAPABILITIES[Role.INSTITUTION] = ROLE_CAPABILITIES[Role.INSTITUTION] | {Cap.INSTITUTIONS_APPLY}
ROLE_CAPABILITIES[Role.EVALUATOR] = ROLE_CAPABILITIES[Role.EVALUATOR] | {Cap.INSTITUTIONS_ASSESS}

# Learning together (issue 16): an institution or teacher college forms study classes within its
# contracts and assigns its tutors; a tutor sees only their classes; offices see the classes in
# their area; a teacher sees the classes they are a member of.
_COMMUNITIES_CAPABILITIES: dict[str, set[str]] = {
    Role.PROVINCE_OFFICE: {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_OVERSEE},
    Role.CITY_OFFICE: {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_OVERSEE},
    Role.COUNTY_OFFICE: {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_OVERSEE},
    Role.INSTITUTION: {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_CLASSES_MANAGE},
    Role.TEACHER_COLLEGE: {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_CLASSES_MANAGE},
    Role.TUTOR: {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_TUTOR},
    Role.TEACHER: {Cap.COMMUNITIES_VIEW},
}
for _role, _caps in _COMMUNITIES_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)
# Workshops (issue 16, item 2): a county (or city, province) office, a teacher college or a
# designated 坊主 creates workshops within their scope; the province edits the points→hours rule.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.TEACHER_COLLEGE, Role.WORKSHOP_LEADER):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.COMMUNITIES_VIEW, Cap.COMMUNITIES_WORKSHOPS_CREATE}
ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] = ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] | {Cap.COMMUNITIES_RULES}
# Pairing (issue 16, item 3): offices pair schools of their area; the paired schools' administrators
# and the assisting institutions or colleges keep the activity log.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.COMMUNITIES_PAIRS_MANAGE}
for _role in (Role.SCHOOL_ADMIN, Role.INSTITUTION, Role.TEACHER_COLLEGE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.COMMUNITIES_PAIRS_TAKE_PART}

# The continuing-education registry (issue 17): offices import hours from other platforms.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.HOURS_IMPORT, Cap.REGISTRY_REPORT, Cap.TITLE_RECORDS}
ROLE_CAPABILITIES[Role.SCHOOL_ADMIN] = ROLE_CAPABILITIES[Role.SCHOOL_ADMIN] | {Cap.TITLE_RECORDS}
for _role in (Role.COUNTY_OFFICE, Role.SCHOOL_ADMIN):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.REGISTRATION_DATES}
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.EVALUATOR):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.SCHOOL_INDICATORS}
# Tracks (issue 17): each office runs tracks at its level and nominates into those above; a school
# administrator nominates the school's people; a teacher sees their own nominations (self-scoped).
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.TRACKS_VIEW, Cap.TRACKS_MANAGE, Cap.TRACKS_NOMINATE}
ROLE_CAPABILITIES[Role.SCHOOL_ADMIN] = ROLE_CAPABILITIES[Role.SCHOOL_ADMIN] | {Cap.TRACKS_VIEW, Cap.TRACKS_NOMINATE}
ROLE_CAPABILITIES[Role.TEACHER] = ROLE_CAPABILITIES[Role.TEACHER] | {Cap.TRACKS_VIEW}
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.TEACHER_COLLEGE, Role.INSTITUTION):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.TRACKS_POOL}

# Supervision (issue 19): offices plan rounds of the units below them; an inspector sees only the
# units a round assigns them (selectors check the assignment); a county or school answers its items.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.SUPERVISION_MANAGE}
for _role in (Role.COUNTY_OFFICE, Role.SCHOOL_ADMIN):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.SUPERVISION_RESPOND}
ROLE_CAPABILITIES[Role.INSPECTOR] = ROLE_CAPABILITIES[Role.INSPECTOR] | {Cap.SUPERVISION_INSPECT}
ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] = ROLE_CAPABILITIES[Role.PROVINCE_OFFICE] | {Cap.NATIONAL_REPORT}
ROLE_CAPABILITIES[Role.NATIONAL_OFFICE] = ROLE_CAPABILITIES[Role.NATIONAL_OFFICE] | {Cap.NATIONAL_VIEW}

# Achievement rounds (issue 15): each office runs rounds at its level; a school administrator
# nominates for their school, a county or city office for its area in the round above.
for _role in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.ACHIEVEMENTS_MANAGE}
for _role in (Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.SCHOOL_ADMIN):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Cap.ACHIEVEMENTS_NOMINATE}
