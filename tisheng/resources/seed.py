"""The demo library: a few hundred resources across the school, county, city and province
libraries with ratings and use, ranked; the demo teacher's excellent evidence contributed (two
clicks, through the real service) and waiting for the school's review; a county submission
waiting for the county office; one returned with comments.

The bulk of the resources is inserted in bulk (one INSERT per table, the same rows the services
write), so the demo seed spends well under a second here; the decisions a person would take
on the demo (contribute, publish, pick) go through the services."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.core import storage_files
from tisheng.orgs.models import School
from tisheng.people.models import Teacher
from tisheng.practice.models import Grade, Review, Submission
from tisheng.practice.services.evidence import DOCX, small_docx
from tisheng.resources.models import (
    LEVEL_RANK,
    ContributorKind,
    EntryState,
    EntryVia,
    Level,
    LibraryEntry,
    Rating,
    Resource,
    ResourceFile,
    ResourceKind,
    ResourcePoint,
    ResourceSearch,
    ResourceState,
    SiteApplication,
    SiteKind,
    UsageEvent,
)
from tisheng.resources.search import tsvector_literal
from tisheng.resources.services import library, ranking, sites

DEMO_RESOURCES = 300
SUBJECTS = ["语文", "数学", "英语", "科学", "道德与法治", "音乐", "美术", "体育", "信息科技", "物理", "化学", "生物"]
STAGES = ["primary", "primary", "junior", "junior", "senior", "kindergarten"]
TOOLS = ["希沃白板", "问卷星", "班级优化大师", "几何画板", "剪映", "国家中小学智慧教育平台", "钉钉", "腾讯文档", "EV录屏", "101教育PPT"]
TOPICS = [
    ("A1", "技术支持的学情分析", "课前用{tool}收集学生对{subject}新知的已有认识，按答题情况分组"),
    ("A3", "演示文稿设计与制作", "用{tool}制作{subject}课件，动画分步呈现难点"),
    ("A5", "技术支持的课堂导入", "以{tool}展示生活情境图片和短视频导入{subject}新课"),
    ("A6", "技术支持的课堂讲授", "借助{tool}的蒙层与克隆功能讲解{subject}重点"),
    ("A10", "技术支持的测验与练习", "用{tool}即时推送{subject}随堂练习并统计正确率"),
    ("B2", "微课程设计与制作", "用{tool}录制五分钟{subject}微课，学生课前自学"),
    ("B6", "技术支持的展示交流", "学生用平板拍照上传作品，借助{tool}同屏展示交流"),
    ("C3", "数字教育资源的获取与评价", "从{tool}筛选{subject}优质资源并整合进教学设计"),
]
KIND_TITLES = {
    ResourceKind.CASE: "{point}典型应用案例：{subject}《{lesson}》",
    ResourceKind.LESSON: "课例《{lesson}》（{subject}）",
    ResourceKind.MICRO: "微课：{lesson}",
    ResourceKind.DESIGN: "《{lesson}》教学设计",
    ResourceKind.SLIDES: "《{lesson}》课件",
    ResourceKind.TOOL: "{tool}使用指南：{point}",
}
LESSONS = ["分数的初步认识", "小数的意义", "观潮", "圆的面积", "光的反射", "植物的一生", "春夏秋冬", "勾股定理", "酸和碱",
           "细胞的结构", "我们的家乡", "声音的产生", "长方体的体积", "荷塘月色", "牛顿第一定律", "认识时间"]


def _user(role: str, **node):
    a = RoleAssignment.objects.filter(role=role, **node).select_related("user").order_by("pk").first()
    return a.user if a else None


def _contribute_demo_teacher(school: School) -> int:
    """The demo teacher's first excellent evidence, contributed through the real service."""
    teacher = Teacher.objects.filter(school=school, user__isnull=False).order_by("pk").first()
    if teacher is None:
        return 0
    graded = Review.objects.filter(stage=Review.Stage.TEAM, grade__in=[Grade.EXCELLENT, Grade.PASS],
                                   submission__teacher=teacher, submission__is_current=True,
                                   submission__kind__in=["document", "slides"]).values("submission_id")
    submission = Submission.objects.filter(pk__in=graded).order_by("pk").first()
    if submission is None:
        return 0
    library.resource_contribute_evidence(actor=teacher.user, submission=submission, consent=True,
                                         level=Level.SCHOOL, kind=ResourceKind.CASE)
    return 1


@transaction.atomic
def resources_seed_demo(*, school_code: str, count: int = DEMO_RESOURCES, seed: int = 15) -> dict[str, int]:
    rnd = random.Random(seed)
    now = timezone.now()
    demo_school = School.objects.select_related("county").get(code=school_code)
    teachers = list(Teacher.objects.filter(user__isnull=False).select_related("school")
                    .order_by("pk").values_list("user_id", "name", "school__path", "school__county_id", "stage",
                                                "subject")[:400])
    if not teachers:
        return {"resources": 0}
    readers = [t[0] for t in teachers]
    principal = _user(Role.SCHOOL_ADMIN, school=demo_school)
    county_officer = _user(Role.COUNTY_OFFICE, region=demo_school.county)
    documents = {kind: small_docx(f"{label}\n本资源供全省中小学教师免费使用。") for kind, label in ResourceKind.choices}

    resources, files, points, entries, ratings, uses, searches = [], [], [], [], [], [], []
    for i in range(count):
        user_id, name, path, county_id, stage, subject = teachers[i % len(teachers)] if i % 5 else \
            teachers[rnd.randrange(len(teachers))]
        code, point_name, practice = rnd.choice(TOPICS)
        tool, lesson = rnd.choice(TOOLS), rnd.choice(LESSONS)
        subject = subject if subject in SUBJECTS else rnd.choice(SUBJECTS)
        kind = rnd.choice(ResourceKind.values)
        title = KIND_TITLES[kind].format(point=point_name, subject=subject, lesson=lesson, tool=tool)[:128]
        text = (f"{practice.format(tool=tool, subject=subject)}。本课《{lesson}》以学生为中心，"
                f"教学目标明确，{tool}的使用贯穿导入、讲授与练习环节，课后反思记录了改进之处。")
        # The better resources (a latent quality) get more and higher ratings and more use.
        quality = rnd.random()
        level = rnd.choices([Level.SCHOOL, Level.COUNTY, Level.CITY, Level.PROVINCE], [50, 30, 12, 8])[0]
        published_at = now - dt.timedelta(days=rnd.randrange(3, 400))
        resources.append(Resource(
            kind=kind, title=title, description=f"{point_name}：{practice.format(tool=tool, subject=subject)}。",
            stage=stage if stage in dict(Resource._meta.get_field("stage").choices) else "primary",
            subject=subject, authors=name, contributor_id=user_id, contributor_kind=ContributorKind.TEACHER,
            org_path=path, region_id=county_id, text=text, state=ResourceState.PUBLISHED, published_level=level,
            published_at=published_at, created_at=published_at - dt.timedelta(days=3), updated_at=published_at,
            consent_at=published_at - dt.timedelta(days=3)))
        resources[-1]._seed = (code, quality, level, published_at, kind)
    Resource.objects.bulk_create(resources, batch_size=500)

    for r in resources:
        code, quality, level, published_at, kind = r._seed
        name = f"{r.title[:40]}.docx"
        relative = storage_files.save(f"{library.STORE}/{r.pk}/main-demo-{kind}.docx",
                                      documents[kind]).removeprefix(f"{library.STORE}/")
        files.append(ResourceFile(resource=r, file_name=relative, original_name=name, kind="document",
                                  content_type=DOCX, size=len(documents[kind]), sha256="0" * 64, text=r.text))
        points.append(ResourcePoint(resource=r, code=code))
        searches.append(ResourceSearch(resource=r, tokens=tsvector_literal(r.title, r.description, r.authors, r.text)))
        for lv in (Level.SCHOOL, Level.COUNTY, Level.CITY, Level.PROVINCE):
            if LEVEL_RANK[lv] > LEVEL_RANK[level]:
                break
            lib = library.library_path(r.org_path, lv)
            entries.append(LibraryEntry(resource=r, library_path=lib, level=lv, state=EntryState.PUBLISHED,
                                        via=EntryVia.SUBMITTED if lv == Level.SCHOOL else EntryVia.PICKED,
                                        submitted_by_id=r.contributor_id, submitted_at=published_at,
                                        decided_by_id=(principal or county_officer).pk, decided_at=published_at))
        raters = rnd.sample(readers, k=min(len(readers), int(quality * 40)))
        for reader in raters:
            stars = max(1, min(5, round(rnd.gauss(2.2 + 2.8 * quality, 0.7))))
            ratings.append(Rating(resource=r, user_id=reader, stars=stars, created_at=published_at,
                                  updated_at=published_at))
        for reader in rnd.sample(readers, k=min(len(readers), int(quality * 90))):
            at = published_at + dt.timedelta(days=rnd.randrange(0, max(1, (now - published_at).days)))
            kind_of_use = rnd.choices(["view", "download", "used"], [6, 3, 1])[0]
            uses.append(UsageEvent(resource=r, user_id=reader, kind=kind_of_use, at=at))
    ResourceFile.objects.bulk_create(files, batch_size=500)
    ResourcePoint.objects.bulk_create(points, batch_size=500)
    ResourceSearch.objects.bulk_create(searches, batch_size=500)
    LibraryEntry.objects.bulk_create(entries, batch_size=500)
    Rating.objects.bulk_create(ratings, batch_size=1000)
    UsageEvent.objects.bulk_create(uses, batch_size=1000)
    from django.db.models import Count, Sum

    for row in Rating.objects.values("resource_id").annotate(n=Count("id"), total=Sum("stars")):
        Resource.objects.filter(pk=row["resource_id"]).update(rating_count=row["n"], rating_sum=row["total"])

    # The decisions people take on the demo, through the services: a submission from the demo
    # school waiting for its principal, one waiting for the county, one returned with comments.
    contributed = _contribute_demo_teacher(demo_school)
    waiting = 0
    if principal is not None:
        for n, (lesson, level) in enumerate([("认识时间", Level.SCHOOL), ("圆的面积", Level.COUNTY),
                                             ("光的反射", Level.SCHOOL)]):
            r = Resource.objects.create(
                kind=ResourceKind.DESIGN, title=f"《{lesson}》教学设计（鼓楼第一中心小学）",
                description="学校教研组集体备课成果。", stage="primary", subject="数学", authors="数学教研组",
                contributor=principal, contributor_kind=ContributorKind.SCHOOL, org_path=demo_school.path,
                region=demo_school.county, text=f"《{lesson}》教学设计：用希沃白板呈现情境，问卷星课前诊断。")
            library.resource_index(r)
            relative = storage_files.save(f"{library.STORE}/{r.pk}/main-demo-design.docx",
                                          documents[ResourceKind.DESIGN]).removeprefix(f"{library.STORE}/")
            ResourceFile.objects.create(resource=r, file_name=relative, original_name=f"{lesson}教学设计.docx",
                                        kind="document", content_type=DOCX, size=len(documents[ResourceKind.DESIGN]),
                                        sha256="0" * 64, text=r.text)
            entry = library.resource_submit(actor=principal, resource=r, level=level)
            if n == 2:
                library.entry_decide(actor=principal, entry=entry, publish=False,
                                     comment="请补充课后反思，并注明所用的微能力点。")
            else:
                waiting += 1
    rank = ranking.ranking_recompute(now=now)
    designated = _model_sites(demo_school, principal, county_officer)
    return {"resources": len(resources) + 3 + contributed, "ratings": len(ratings), "uses": len(uses),
            "waiting": waiting + contributed, "excellent": rank["excellent"], "model_sites": designated}


def _model_sites(demo_school: School, principal, county_officer) -> int:
    """One 创新实验区 (the demo county) and two 示范校 (the demo school and a neighbour), designated
    by the province through the services."""
    province = _user(Role.PROVINCE_OFFICE, region__level="province")
    if province is None or principal is None or county_officer is None:
        return 0
    start = timezone.localdate().replace(month=9, day=1)
    if start > timezone.localdate():
        start = start.replace(year=start.year - 1)
    end = start.replace(year=start.year + 3) - dt.timedelta(days=1)
    applications = [
        sites.site_apply(actor=county_officer, unit_path=demo_school.county.path,
                         plan="三年内全区学校常态化应用智慧课堂，建设区级资源库，每校培养两名种子教师，开展整校推进。",
                         targets={"completion": 98, "practice_pass": 90, "resources": 300}),
        sites.site_apply(actor=principal, unit_path=demo_school.path,
                         plan="以希沃白板和国家智慧教育平台为抓手，建设学科教研共同体，每学期开展两次校际展示课。",
                         targets={"completion": 100, "practice_pass": 95, "resources": 40}),
    ]
    neighbour = School.objects.filter(county=demo_school.county).exclude(pk=demo_school.pk).order_by("code").first()
    if neighbour is not None:
        applications.append(SiteApplication.objects.create(
            kind=SiteKind.DEMO_SCHOOL, unit_path=neighbour.path, unit_name=neighbour.name, submitted_by=principal,
            plan="以信息化教学创新为特色，带动片区学校共同提升。", targets={"completion": 100, "resources": 20}))
    for application in applications:
        sites.site_decide(actor=province, application=application, designate=True,
                          reason="应用基础扎实，规划目标明确，示范辐射作用明显。", period_start=start, period_end=end)
    return len(applications)
