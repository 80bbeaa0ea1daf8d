"""Words for people: find what a developer left on a page a user reads.

`visible_text(html)` keeps what a person sees or hears on a rendered page (text, option labels,
placeholders, titles, alt text, aria-labels, the question a button asks before it acts) and
drops scripts, styles and the folds marked `<details class="technical">` (a certificate's key
and the command that checks it are there on purpose). `findings(text)` names what looks like an
internal code in it: snake_case and dotted.names, CamelCase, UUIDs, raw dicts and JSON,
None/True/False, tool words (Jaccard, MinHash, SHA-256…) and, on a Chinese page, English left
untranslated (two lowercase English words in a row, or a label that is one English word).

`crawl(client, start)` walks a signed-in user's pages the way the user would: from the home page
and the navigation, following every link on the site (HTML answers only; never logout, files,
the API or the admin), at most a few pages per route, so every kind of page is seen once or
twice with real ids in its URL. The Django test client does the requests, so it costs what the
pages cost and nothing is sent over a network.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.urls import Resolver404, resolve

# Attributes whose value a person reads or hears.
READ_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label", "data-confirm", "data-match", "data-mismatch")
SKIP_ELEMENTS = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = self._skipping() or tag in SKIP_ELEMENTS or (
            tag == "details" and "technical" in (values.get("class") or "").split())
        if not skip:
            for name in READ_ATTRIBUTES:
                if values.get(name):
                    self.parts.append(values[name])
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"])
        if tag not in VOID:
            self.stack.append((tag, skip))
        # Block boundaries keep words of neighbouring cells apart.
        self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed <p>, <li>…
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# Shown on purpose: addresses, e-mail, file names with their extension, version-like numbers.
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|"
                  r"(?<![\w/])/(?:[\w.-]+/)+[\w.-]*")
_FILE = re.compile(r"[\w\u4e00-\u9fff（）()·\-]+\.(?:pdf|docx?|xlsx?|pptx?|csv|zip|png|jpe?g|gif|mp4|webm|mp3|txt|"
                   r"json|odt|ods|odp|wps|et|dps|mov|m4a)\b", re.IGNORECASE)
RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)),
    ("raw dict or JSON", re.compile(r"[{\[]\s*['\"][\w.-]+['\"]\s*[:,]|\{'|\[\{|<(?:QuerySet|[A-Z]\w+ object)")),
    ("snake_case", re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])")),
    ("dotted.name", re.compile(r"(?<![\w.])[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+(?![\w.])")),
    ("CamelCase", re.compile(r"(?<![\w.])(?:[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+|[a-z]+[A-Z][A-Za-z]+)(?![\w.])")),
    ("None/True/False", re.compile(r"(?<![\w.])(?:None|True|False|null|undefined|NaN|nan)(?![\w.])")),
    ("tool word", re.compile(r"Jaccard|MinHash|SHA-?(?:1|256|512)\b|HMAC|Ed25519|Django|Python|Traceback|"
                             r"Exception\b|\bJSON\b|\bjob\b|\bpk\b", re.IGNORECASE)),
    ("English left untranslated", re.compile(r"(?<![\w.@/-])[A-Za-z][a-z]+(?:[ ,'-]+[a-z]{2,})+(?![\w@])")),
    ("English label", re.compile(r"^[A-Z]?[a-z]{2,}(?: [a-z]+)?$")),
)
# Real things that look like codes: product and standard names a teacher meets in the training
# itself, units. Add only what a person would read as a word, never a code.
ALLOWED = {
    "PowerPoint", "WeChat", "iPad", "iPhone", "GeoGebra", "MindManager", "ClassIn", "PhotoShop", "Photoshop",
    "WebQuest", "SmartBoard", "Scratch", "Word", "Excel", "Office", "Flash", "Moodle", "Pad", "ActivInspire",
    "WebM", "DingTalk", "MathType", "XMind", "iFlytek", "Mac", "Windows", "Android", "Zoom", "EasiNote",
    "kB", "MB", "GB", "KB",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    text: str
    line: str


def findings(text: str, *, chinese: bool = True, allowed: Iterable[str] = ()) -> list[Finding]:
    allow = ALLOWED | set(allowed)
    found: list[Finding] = []
    for raw in text.split("\n"):
        line = _FILE.sub(" ", _URL.sub(" ", raw))
        for rule, pattern in RULES:
            if rule.startswith("English") and not chinese:
                continue
            for m in pattern.finditer(line.strip() if rule == "English label" else line):
                word = m.group(0)
                if word in allow or all(part in allow for part in re.split(r"[ ,'-]+", word) if part):
                    continue
                found.append(Finding(rule, word, raw.strip()[:160]))
    return found


SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/xapi/", "/admin/", "/i18n/", "/accounts/logout/", "/o/",
                 "/healthz", "/__")


def _route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.view_name


def plain_routes() -> list[str]:
    """The address of every route of the site that takes no argument (as scripts/scope_matrix.py
    walks them), so pages no link leads to are read too."""
    from django.urls import URLPattern, URLResolver, get_resolver

    out: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" not in route and not route.startswith("^"):
                out.append("/" + route.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "")
    return [path for path in out if not path.startswith(SKIP_PREFIXES) and "(" not in path]


def crawl(client, start: Iterable[str], *, per_route: int = 2, limit: int = 200,
          skip: Iterable[str] = ()) -> Iterable[tuple[str, int, str]]:
    """Yield (url, status, html) for every HTML page reachable from `start` by links, at most
    `per_route` URLs of one route (the same page with other ids or filters) and `limit` pages."""
    skip = SKIP_PREFIXES + tuple(skip)
    seen: set[str] = set()
    per: Counter = Counter()
    queue = deque(start)
    pages = 0
    while queue and pages < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        route = _route_of(path)
        if route is None or path.startswith(skip):
            continue
        # One query string variant per route beyond the plain page: filters multiply endlessly.
        key = (route, bool(urlsplit(url).query))
        if per[key] >= (per_route if not key[1] else 1):
            continue
        per[key] += 1
        response = client.get(url)
        if response.get("Content-Type", "").split(";")[0] != "text/html" or getattr(response, "streaming", False):
            continue
        html = response.content.decode("utf-8", "replace")
        pages += 1
        yield url, response.status_code, html
        if response.status_code != 200:
            continue
        for href in re.findall(r"""<a\b[^>]*\bhref=["']([^"'#][^"']*)["']""", html):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if href not in seen:
                queue.append(href)
