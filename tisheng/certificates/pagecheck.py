"""Does a certificate PDF's page show what its signature says?

The signature (signing.py) covers the facts, not the page: anyone can print other hours on a
page and keep the genuine signature in the file's properties. `page_problems` holds the page
to the signed facts:

- every signed fact is on the page, in the words pdf.py prints it with ("完成培训 55 学时");
- no labelled fact appears twice with another value (a second "完成培训 100 学时" drawn over
  a white box still extracts as text);
- nothing the system never draws: annotations (a viewer's "add text" tool), images (a pasted
  picture over the hours), more than one page.

What it cannot see is a value drawn as curves over a white box; that is why the command also
prints the signed facts for the person holding the paper to compare. Text comes from pypdf's
extract_text, with all white space removed (the body wraps at any character).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pypdf

# Older certificates were signed before the program name, certificate name and issuers were.
NOT_SIGNED_BEFORE = ("pn", "cn", "iss")


def chinese_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class NoPageText(ValueError):
    """The page has no text to compare (a picture of a certificate, or unreadable)."""


# Literal strings of a content stream (reportlab escapes the parentheses inside them), removed
# before looking for operators, so a "BI" in printed text is not taken for one.
_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)")
_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")


def _embedded(page: pypdf.PageObject) -> bool:
    """Images or embedded forms: the system draws neither (its QR code is a path). Read from
    the resources and the raw operators, because pypdf's `page.images` parses every one of
    the QR code's thousand operators."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is not None and len(xobjects.get_object()) > 0:
        return True
    contents = page.get_contents()
    return contents is not None and bool(_INLINE_IMAGE.search(_STRING.sub(b"()", contents.get_data())))


def page_problems(payload: dict, reader: pypdf.PdfReader) -> list[str]:
    """What on the PDF's page disagrees with the signed `payload` (empty: nothing found).
    Raises NoPageText when the page has no text at all."""
    texts = [page.extract_text() or "" for page in reader.pages]
    if not "".join(texts).strip():
        raise NoPageText
    problems = []
    if len(reader.pages) != 1:
        problems.append(f"文件有 {len(reader.pages)} 页，证书只有一页")
    page = reader.pages[0]
    annotations = page.get("/Annots")
    if annotations is not None and len(annotations.get_object()) > 0:
        problems.append("页面上有批注（可以盖住或改写印出的内容），证书原本没有批注")
    if _embedded(page):
        problems.append("页面上有图片或嵌入的内容，证书原本没有")
    text = _squeeze("".join(texts))
    lines = [_squeeze(line) for part in texts for line in part.splitlines()]

    def on_page(label: str, printed: str) -> None:
        if _squeeze(printed) not in text:
            problems.append(f"页面上找不到{label}「{printed}」")

    def same_everywhere(label: str, pattern: str, signed: str, found_in: str | list[str] = text,
                        equal=lambda a, b: a == b) -> None:
        found = re.findall(pattern, found_in) if isinstance(found_in, str) else [
            m for line in found_in for m in re.findall(pattern, line)]
        others = sorted({value for value in found if not equal(value, signed)})
        if others:
            problems.append(f"{label}：页面上是 {'、'.join(others)}，签名是 {signed}")

    number, name, masked = str(payload.get("no", "")), str(payload.get("name", "")), str(payload.get("id", ""))
    on_page("证书编号", f"证书编号：{number}")
    same_everywhere("证书编号", r"证书编号：([A-Za-z0-9-]+)", number)
    on_page("姓名和身份证号", f"{name}（身份证号 {masked}）")
    same_everywhere("姓名", r"^(.+?)（身份证号", name, lines)
    same_everywhere("身份证号", r"（身份证号([^）]*)）", masked)
    hours = str(payload.get("h", ""))
    found_hours = re.findall(r"完成培训(.*?)学时", text)
    if not found_hours:
        problems.append(f"页面上找不到学时「完成培训 {hours} 学时」")
    same_everywhere("学时", r"完成培训(.*?)学时", hours,
                    equal=lambda a, b: _decimal(a) is not None and _decimal(a) == _decimal(b))
    try:
        issued_on = chinese_date(str(payload.get("d", "")))
    except ValueError:
        problems.append("签名中的发证日期无法识别")
    else:
        on_page("发证日期", issued_on)
        same_everywhere("发证日期", r"(\d{4}年\d{1,2}月\d{1,2}日)", issued_on)
    if "pn" in payload:
        on_page("项目名称", f"参加{payload['pn']}，")
        same_everywhere("项目名称", r"参加(.*?)，完成培训", str(payload["pn"]))
    if "cn" in payload:
        on_page("证书名称", str(payload["cn"]))
    for issuer in payload.get("iss", []) if isinstance(payload.get("iss"), list) else []:
        on_page("发证机构", str(issuer))
    return problems
