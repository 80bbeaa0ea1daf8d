import datetime as dt

import pytest

from tisheng.accounts.evaluators import today
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.panels import services
from tisheng.panels.services import ItemSpec

RUBRIC = {"criteria": [
    {"key": "resources", "label": "课程资源", "weight": 60, "max": 100},
    {"key": "service", "label": "服务团队", "weight": 40, "max": 50},
]}


class Board:
    pass


@pytest.fixture
def board(world, password):
    """A province panel with two institutions' applications and three experts, all assigned."""
    b = Board()
    b.org_1 = OrganizationFactory(code="INST01", name="福建师范大学继续教育学院", kind="institution", region=world.province)
    b.org_2 = OrganizationFactory(code="INST02", name="海峡教育科技有限公司", kind="institution", region=world.province)
    b.panel = services.panel_create(actor=world.province_officer, round_key="test:1", title="2026年培训机构遴选评审",
                                    scope_path=world.province.path, rubric=RUBRIC,
                                    ends_on=today() + dt.timedelta(days=10))
    b.item_1, b.item_2 = services.panel_items_set(panel=b.panel, items=[
        ItemSpec("application:1", b.org_1.name, b.org_1), ItemSpec("application:2", b.org_2.name, b.org_2)])
    b.experts = [services.panel_expert_add(actor=world.province_officer, panel=b.panel, phone=phone, name=name,
                                           affiliation="福建师范大学")
                 for phone, name in (("13900000101", "郑教授"), ("13900000102", "吴老师"), ("13900000103", "周主任"))]
    for e in b.experts:
        e.user.set_password(password)
        e.user.must_change_password = False
        e.user.save()
    services.panel_assign_all(actor=world.province_officer, panel=b.panel)
    return b


def assignment_of(expert, item):
    return expert.assignments.get(item=item)
