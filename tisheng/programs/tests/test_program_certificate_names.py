"""A program's page names its certificates by their Chinese names, also where one certificate
needs others first (issue 13 item 9): never by the codes the rule set keys them with."""

from django.urls import reverse

from tisheng.core.words_scan import findings, visible_text


def test_the_program_page_names_the_certificates_a_certificate_needs_in_chinese(client, world, program_1):
    client.force_login(world.province_officer)

    html = client.get(reverse("programs:detail", args=[program_1.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    table = visible_text(html.split('data-testid="certificates"')[1].split("</table>")[0])

    assert "须先取得 网络培训合格证明、网络研修与教学实践合格证明" in table
    assert findings(table) == []
    for code in ("online", "practice", "completion"):
        assert code not in table
