"""Menu labels are short words: each carries the "navigation" context and has its Chinese, so
one English word never shows another screen's Chinese in the menu."""

import inspect
import re

from django.utils import translation

from tisheng.accounts import context_processors
from tisheng.accounts.context_processors import MY_RECORD, NAV_ITEMS


def test_every_menu_label_has_the_navigation_context_and_chinese():
    source = inspect.getsource(context_processors)
    declared = re.findall(r'(\w+)\((?:"navigation", )?"[^"]+"\)', source[source.index("NAV_ITEMS = ("):
                                                                      source.index("def _is_active")])
    assert declared
    assert set(declared) == {"pgettext_lazy"}
    assert source.count('pgettext_lazy("navigation", ') == len(NAV_ITEMS) + 1  # the items and MY_RECORD
    with translation.override("zh-hans"):
        labels = [str(label) for _name, label, _cap in NAV_ITEMS] + [str(MY_RECORD)]
    assert [label for label in labels if not re.search(r"[\u4e00-\u9fff]", label)] == []
