"""The winners' workbook a province sends on to national activities (一师一优课 and the like):
one row per winner with the fields those activities ask for (the author's region, school,
stage, subject, the work's title and kind, the award and certificate), written through
core.tabular (no formula can start a cell). The ID number is masked: the national form is
filled from it by the office, never mailed around whole."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tisheng.achievements.models import Nomination, Round
from tisheng.core.tabular import BOLD, XlsxBook
from tisheng.orgs.models import Region

HEADER = ("序号", "评选活动", "级别", "成果类别", "成果名称", "资源类型", "学段", "学科", "作者姓名",
          "身份证号（脱敏）", "工作单位", "所属市", "所属县（市、区）", "推荐单位", "专家评分", "排名",
          "获奖等级", "证书编号", "资源地址")
WIDTHS = (6, 28, 8, 14, 32, 12, 8, 8, 10, 20, 28, 10, 14, 20, 9, 6, 10, 26, 40)


def winners(r: Round) -> list[Nomination]:
    return list(r.nominations.exclude(award="").select_related("resource", "teacher__school__county")
                .order_by("certificate_number"))


def winners_xlsx(r: Round) -> bytes:
    rows = winners(r)
    county_ids = {n.teacher.school.county_id for n in rows if n.teacher}
    counties = {c.pk: c for c in Region.objects.filter(pk__in=county_ids).select_related("parent")}
    book = XlsxBook(title="获奖名单", widths=WIDTHS)
    book.append(HEADER, font=BOLD)
    for i, n in enumerate(rows, start=1):
        t = n.teacher
        county = counties.get(t.school.county_id) if t else None
        book.append([
            i, r.title, r.get_level_display(), r.category_label(n.category), n.title,
            n.resource.get_kind_display(), t.get_stage_display() if t else n.resource.get_stage_display(),
            t.subject if t else n.resource.subject, t.name if t else n.resource.authors,
            t.national_id_masked if t else "", t.school.name if t else n.unit_name,
            county.parent.name if county and county.parent else "", county.name if county else "", n.unit_name,
            float(n.score) if n.score is not None else None, n.rank, n.get_award_display(), n.certificate_number,
            f"{settings.SITE_URL}{reverse('resources:detail', args=[n.resource_id])}",
        ])
    return book.to_bytes()
