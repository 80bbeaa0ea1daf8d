"""Demo pair, through the real services: 福州市工程办 (13800000002) pairs the demo school (鼓楼区, a
city school) with a rural school of another 福州 county for a year; the demo teacher (13800000008)
mentors a rural teacher (13800001631, the demo password), and the last month's activity is logged
(co-prepared lessons, a synchronous class, an observation and feedback), one entry with a PDF."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tisheng.accounts.models import User
from tisheng.communities import pairing_services as services
from tisheng.communities.models import AssistedRegion, SchoolPair
from tisheng.orgs.models import School
from tisheng.people.models import Teacher

CITY_OFFICE_PHONE = "13800000002"
DEMO_TEACHER_PHONE = "13800000008"
MENTEE_PHONE = "13800001631"
# A one-page PDF (what a scanned record would be), small enough to keep in the source.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@transaction.atomic
def pairing_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county__parent").filter(code=school_code).first()
    office = User.objects.filter(phone=CITY_OFFICE_PHONE).first()
    mentor = User.objects.filter(phone=DEMO_TEACHER_PHONE).first()
    if not (school and office and mentor) or SchoolPair.objects.exists():
        return "skipped"
    city = school.county.parent
    rural = (School.objects.filter(path__startswith=city.path + "/", is_rural=True).exclude(county=school.county)
             .order_by("code").first()
             or School.objects.filter(path__startswith=city.path + "/", is_rural=True).exclude(pk=school.pk)
             .order_by("code").first())
    mentee = Teacher.objects.filter(school=rural, status="active").order_by("id").first() if rural else None
    if mentee is None:
        return "skipped: no rural school with teachers in the demo city"
    from tisheng.communities.seed_workshops import _account

    _account(mentee, MENTEE_PHONE, mentor)
    mentee.refresh_from_db()
    today = timezone.localdate()
    pair = services.pair_create(
        actor=office, scope_path=city.path, school_code=rural.code, strong_school_code=school.code,
        starts_on=today - dt.timedelta(days=40), ends_on=today + dt.timedelta(days=325),
        goals="以“双师课堂”带动乡村学校教师运用信息技术改进课堂教学，一年内两校数学、语文教师全部参与。",
        plan="每月至少一次共同备课和一次同步课堂；每学期两次送教听评课；师徒每周线上交流一次。")
    link = services.mentor_pair_add(actor=office, pair=pair, mentor_phone=DEMO_TEACHER_PHONE,
                                    mentee_phone=mentee.user.phone)
    log = [
        (30, "co_prep", "共同备课：《认识钟表》", "两校一年级数学教师线上集体备课，确定同步课堂的分工。", None),
        (24, "sync_class", "同步课堂：认识钟表", "城区主讲、乡村辅讲，乡村学生用实物钟同步操作。", "同步课堂记录.pdf"),
        (17, "observation", "送教听评课", "到乡村学校听两节数学课，课后评课。", None),
        (9, "feedback", "师徒线上交流：课堂提问设计", "针对上次听课中的提问问题给出改进建议。", None),
        (2, "co_prep", "共同备课：《100以内数的认识》", "准备下一次同步课堂。", None),
    ]
    for days, kind, title, description, file_name in log:
        upload = SimpleUploadedFile(file_name, PDF, "application/pdf") if file_name else None
        services.activity_log(actor=mentor, pair=pair, kind=kind, held_on=today - dt.timedelta(days=days),
                              title=title, description=description, mentor_pair_id=link.pk, upload=upload)
    AssistedRegion.objects.get_or_create(region=rural.county, defaults={"tag": "乡村振兴重点帮扶县",
                                                                       "note": "演示数据"})
    return f"{school.name} → {rural.name}: mentor {DEMO_TEACHER_PHONE} ↔ {mentee.user.phone}, {len(log)} activities"
