"""The shared JSON guard: every class of hostile JSON is a JSONInputError (the caller's 400)."""

import pytest

from tisheng.core import jsonsafe


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30_000 + b"]" * 30_000,
        b'{"a":' * 100 + b"1" + b"}" * 100,
        b'{"seq": NaN}',
        b'{"seq": Infinity}',
        b'{"seq": -Infinity}',
        b'{"seq": 1e999}',
        b'{"seq": 1000000000000000000000000000000}',
        b'{"seq": ' + b"9" * 5000 + b"}",
        b'{"name": "\\ud800"}',
        b'{"\\u0000": 1}',
        b'{"name": "a\\u0000b"}',
        b"\xff\xfe{}",
        b"{",
        b"",
    ],
)
def test_hostile_json_is_refused_with_a_reason(body):
    with pytest.raises(jsonsafe.JSONInputError):
        jsonsafe.loads(body)


def test_ordinary_json_passes_unchanged():
    body = '{"seq": 9223372036854775807, "rate": 1.5, "name": "林晓燕 😀", "list": [[1], {"a": null}], "ok": true}'
    assert jsonsafe.loads(body.encode()) == {
        "seq": 2**63 - 1, "rate": 1.5, "name": "林晓燕 😀", "list": [[1], {"a": None}], "ok": True}


def test_depth_is_counted_in_containers():
    assert jsonsafe.loads(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(jsonsafe.JSONInputError, match="32"):
        jsonsafe.loads(b"[" * 33 + b"]" * 33)
