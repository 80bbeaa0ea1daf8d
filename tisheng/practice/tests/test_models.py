import pytest
from django.db import IntegrityError

from tisheng.diagnostics.models import MicroAbility
from tisheng.practice.models import PointVersion


@pytest.mark.django_db
def test_a_point_cannot_have_two_versions_with_the_same_number():
    point = MicroAbility.objects.get_or_create(code="Z9", defaults={"name": "测试", "dimension": "学情分析",
                                                                     "environment": "A"})[0]
    PointVersion.objects.create(point=point, number=1, name="测试", dimension="学情分析", environment="A")
    with pytest.raises(IntegrityError):
        PointVersion.objects.create(point=point, number=1, name="测试", dimension="学情分析", environment="A")
