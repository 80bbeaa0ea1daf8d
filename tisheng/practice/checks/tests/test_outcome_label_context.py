"""The spot check's "Failed" keeps its own Chinese (抽检不合格) now that the job state "Failed"
reads 失败: the two share a msgid and are told apart by context (issue 12)."""

from django.urls import reverse

from tisheng.practice.checks import services

from .conftest import make_passed


def test_the_spot_check_page_still_shows_a_failed_item_as_failing_the_spot_check(client, world, practice,
                                                                                  reviewer):
    for t in world.teachers_a:
        make_passed(practice, t, 0)
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program,
                                     region=world.county_a, share=1)
    services.spot_check_assign(actor=world.county_officer, check=check, reviewers=[reviewer])
    services.spot_check_item_decide(actor=reviewer, item=check.items.first(), outcome="failed", reason="反思与课例无关")
    client.force_login(world.county_officer)

    html = client.get(reverse("practice:checks_spot_detail", args=[check.pk]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "抽检不合格" in html
