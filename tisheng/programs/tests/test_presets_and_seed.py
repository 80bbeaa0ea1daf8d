from django.core.management import call_command

from tisheng.programs.models import Enrollment, Program, QuotaTarget
from tisheng.programs.services.programs import programs_seed_demo


def test_load_presets_creates_both_programs_once(world):
    call_command("load_presets")
    call_command("load_presets")

    programs = {p.code: p for p in Program.objects.all()}
    assert set(programs) == {"fujian-2015", "tisheng-2"}
    assert programs["fujian-2015"].ruleset.min_hours == {"online": 50, "practice": 30}
    assert programs["tisheng-2"].ruleset.micro_abilities.min_points == 3
    assert not Enrollment.objects.exists()


def test_the_demo_has_both_programs_with_2_0_active_and_the_seeded_counties_enrolled(world):
    p1, p2 = programs_seed_demo()

    assert (p1.status, p2.status) == ("closed", "active")
    assert Enrollment.objects.filter(program=p2).count() == 5  # every active teacher of 鼓楼 and 思明
    assert Enrollment.objects.filter(program=p1).count() == 4  # 1.0: the demo county's 2015 batch
    assert QuotaTarget.objects.get(program=p1, region=world.province).target == 2000


def test_seeding_after_load_presets_uses_the_existing_programs(world):
    call_command("load_presets")

    p1, p2 = programs_seed_demo()

    assert Program.objects.count() == 2
    assert Enrollment.objects.filter(program=p2).count() == 5
