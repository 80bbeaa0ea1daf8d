"""Words for people, not developers (issue 13 item 9): what the scan of rendered pages
(tisheng.core.words_scan) reports and leaves alone, and the pages fixed for it. The walk over
every role's pages of the demo province is in test_demo_province.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tisheng.core.words_scan import findings, visible_text

pytestmark = pytest.mark.django_db


def rules(text: str) -> set[str]:
    return {f.rule for f in findings(text)}


def test_visible_text_keeps_labels_and_placeholders_but_drops_scripts_and_the_technical_fold():
    html = """<h1>证书查验</h1><script>var job_state = "x";</script><style>.a_b{}</style>
      <input placeholder="证书编号" name="cert_number"><button title="查验">查验</button>
      <details class="technical"><summary>技术细节</summary><code>tisheng verify-certificate</code></details>
      <p>完成</p>"""

    text = visible_text(html)

    assert text.split("\n") == ["证书查验", "证书编号", "查验", "查验", "完成"]


@pytest.mark.parametrize(("text", "rule"), [
    ("状态：job_failed", "snake_case"),
    ("来源 tisheng.ledger.services", "dotted.name"),
    ("检查方式：MinHash", "CamelCase"),
    ("编号 1b4e28ba-2fa1-11d2-883f-0016d3cca427", "uuid"),
    ("详情：{'grade': 'pass'}", "raw dict or JSON"),
    ("审批人：None", "None/True/False"),
    ("推优：False", "None/True/False"),
    ("Jaccard 相似度 0.82", "tool word"),
    ("文件校验 SHA-256", "tool word"),
    ("状态：waiting for review", "English left untranslated"),
    ("Failed", "English label"),
])
def test_the_scan_reports_what_looks_like_a_code(text, rule):
    assert rule in rules(text)


@pytest.mark.parametrize("text", [
    "福州市鼓楼第一中心小学 · 学校代码 3501020001",
    "证书编号 FJ2024-350102-000001",
    "上传 学情分析报告.docx（PDF、PPT，不超过 20 MB）",
    "网址 https://example.gov.cn/verify/",
    "使用 PowerPoint 制作微课",
    "A1 技术支持的学情分析",
])
def test_the_scan_leaves_data_codes_file_names_and_addresses_alone(text):
    assert findings(text) == []


def test_the_public_verify_page_explains_in_chinese_and_folds_the_key_and_the_command(client, world):
    html = client.get(reverse("verify:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = visible_text(html)

    assert "如何查验证书" in text
    assert "扫描证书上的二维码" in text
    # The key and the command are still there for whoever checks offline, inside the fold.
    assert "BEGIN PUBLIC KEY" in html
    assert "verify-certificate" in html
    assert "技术细节" in html
    for word in ("Ed25519", "verify-certificate", "BEGIN PUBLIC KEY", "base64"):
        assert word not in text
    assert findings(text) == []


def test_the_roster_pages_call_the_file_hash_a_fingerprint_not_sha_256(client, world):
    client.force_login(world.principal)

    html = client.get(reverse("people:roster_import"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = visible_text(html)

    assert "文件指纹" in text
    assert "SHA" not in text
