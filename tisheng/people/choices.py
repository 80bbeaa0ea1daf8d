"""Teacher attributes as the roster files spell them.

Values are stable codes; the Chinese labels are both the UI text (through the catalog) and
what the roster import accepts, with the aliases schools actually type.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TeachingStage(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational")
    SPECIAL = "special", _("Special education")


STAGE_ALIASES: dict[str, str] = {
    "幼儿园": TeachingStage.KINDERGARTEN, "学前": TeachingStage.KINDERGARTEN, "学前教育": TeachingStage.KINDERGARTEN,
    "小学": TeachingStage.PRIMARY,
    "初中": TeachingStage.JUNIOR, "初级中学": TeachingStage.JUNIOR,
    "高中": TeachingStage.SENIOR, "普通高中": TeachingStage.SENIOR, "高级中学": TeachingStage.SENIOR,
    "中职": TeachingStage.VOCATIONAL, "中等职业学校": TeachingStage.VOCATIONAL, "职高": TeachingStage.VOCATIONAL,
    "特殊教育": TeachingStage.SPECIAL, "特教": TeachingStage.SPECIAL,
}

# Subjects as taught in Fujian's schools (data, shown as is in both languages).
SUBJECTS: tuple[str, ...] = (
    "语文", "数学", "英语", "道德与法治", "思想政治", "历史", "地理", "物理", "化学", "生物",
    "科学", "信息技术", "通用技术", "音乐", "体育", "美术", "心理健康", "劳动", "综合实践活动",
    "书法", "日语", "学前教育", "特殊教育", "专业课", "其他",
)
SUBJECT_ALIASES: dict[str, str] = {
    "政治": "思想政治", "品德": "道德与法治", "思品": "道德与法治", "生物学": "生物",
    "体育与健康": "体育", "信息科技": "信息技术", "综合实践": "综合实践活动", "心理": "心理健康",
    "艺术": "美术", "幼教": "学前教育", "特教": "特殊教育",
}


class Title(models.TextChoices):
    """Professional titles of primary and secondary teachers (2015 reform)."""

    SENIOR_PROFESSOR = "正高级教师", _("Senior professor-level teacher")
    SENIOR = "高级教师", _("Senior teacher")
    FIRST = "一级教师", _("First-grade teacher")
    SECOND = "二级教师", _("Second-grade teacher")
    THIRD = "三级教师", _("Third-grade teacher")
    NONE = "未定级", _("Unranked")


TITLE_ALIASES: dict[str, str] = {
    "正高级": Title.SENIOR_PROFESSOR, "正高": Title.SENIOR_PROFESSOR,
    "高级": Title.SENIOR, "中学高级": Title.SENIOR, "小学高级": Title.FIRST,  # pre-2015 names
    "一级": Title.FIRST, "中学一级": Title.FIRST, "小学一级": Title.SECOND,
    "二级": Title.SECOND, "中学二级": Title.SECOND, "小学二级": Title.THIRD,
    "三级": Title.THIRD, "无": Title.NONE, "未评": Title.NONE, "": Title.NONE,
}


class TeacherStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    RETIRED = "retired", _("Retired")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")


STATUS_ALIASES: dict[str, str] = {
    "在职": TeacherStatus.ACTIVE, "在岗": TeacherStatus.ACTIVE, "": TeacherStatus.ACTIVE,
    "离岗": TeacherStatus.ON_LEAVE, "休假": TeacherStatus.ON_LEAVE, "长病假": TeacherStatus.ON_LEAVE,
    "退休": TeacherStatus.RETIRED,
    "调出": TeacherStatus.TRANSFERRED_OUT, "调离": TeacherStatus.TRANSFERRED_OUT,
}


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
