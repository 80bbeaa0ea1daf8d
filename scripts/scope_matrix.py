"""The cross-scope matrix: every GET route of the site, filled with the ids, codes and numbers
of one county's objects, requested as users who must not see that county; counts the answers
and reports every one that shows a person or school of that county, and every 5xx.

Runs in-process (Django's test client) against a database seeded with the demo province
(`tisheng seed --scale demo`), as `make scope-matrix` does:

    TISHENG_VAR_DIR=/tmp/scope/var .venv/bin/python scripts/scope_matrix.py [--county 350102]

How the routes are filled: every model that declares `scope_path_field` (the org-tree
scope filter's contract) gives up to `--per-model` primary keys of rows inside the county,
so an `<int:…>` parameter is tried with each of them (and with 1); string parameters take
the county's school and region codes, its certificate numbers, and the few slugs the routes
name. A leak is a 2xx answer whose body contains a marker: the name of a teacher of the
county who has no namesake outside it, or the name of one of its schools. Exit status 1 if
any leak or 5xx was seen.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver  # noqa: E402

SLUGS = {"table": ["teachers", "learning", "roster", "enrollments", "practice"],
         "action": ["rotate", "revoke", "edit"], "fmt": ["pdf", "xlsx"]}
# Users of the demo (their phone numbers), the county each must not see (None: the user
# sees the whole province, checked for 5xx only), and whether that county's school names
# are markers (not for a teacher, whose own school is in it).
USERS = [
    ("13800000012", "思明区 county office", "350102", True),
    ("13800000003", "鼓楼区 county office", "350203", True),
    ("13800000004", "鼓楼区 teacher college", "350203", True),
    ("13800000006", "school admin (鼓楼第一中心小学)", "350203", True),
    ("13800000007", "school assessor (鼓楼第一中心小学)", "350203", True),
    ("13800000008", "teacher (鼓楼第一中心小学)", "350102", False),
    ("13800000002", "福州市 city office", "350203", True),
    ("13800000010", "security admin", None, False),
    ("13800000011", "audit admin", None, False),
    ("13800000009", "evaluator (province, read-only)", None, False),
    ("13800000001", "province office", None, False),
]


def routes() -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []

    def walk(patterns, prefix: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                out.append((prefix + str(p.pattern), dict(getattr(p.pattern, "converters", {}))))

    walk(get_resolver().url_patterns)
    return out


def county_values(path: str, per_model: int) -> dict[str, list[str]]:
    ints: set[int] = {1}
    from django.db.models import Q

    for model in apps.get_models():
        field = getattr(model, "scope_path_field", None)
        if not field:
            continue
        q = Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"})
        try:
            rows = model.objects.filter(q)
            ints.update(rows.order_by("pk").values_list("pk", flat=True)[:per_model])
            ints.update(rows.order_by("-pk").values_list("pk", flat=True)[:per_model])
        except Exception as error:  # noqa: BLE001 — a model whose path field needs a join we skip
            print(f"  skipped {model.__name__}: {error}", file=sys.stderr)
    School = apps.get_model("orgs", "School")
    Teacher = apps.get_model("people", "Teacher")
    Certificate = apps.get_model("certificates", "Certificate")
    schools = list(School.objects.filter(path__startswith=path + "/").values_list("code", "pk")[:per_model])
    numbers = list(Certificate.objects.filter(org_path__startswith=path + "/").values_list("number", flat=True)
                   [:per_model]) if hasattr(Certificate, "org_path") else []
    teachers = list(Teacher.objects.filter(org_path__startswith=path + "/").values_list("pk", flat=True)[:per_model])
    strings = [code for code, _pk in schools] + [path.rsplit("/", 1)[-1], "A1"]
    return {"int": sorted(ints), "code": strings, "number": numbers or ["X-000001"],
            "str": [str(t) for t in teachers] + [str(pk) for _code, pk in schools] + strings[:3]}


def markers(path: str, user, schools: bool) -> list[str]:
    """Names only the county's people (other than the user) bear, and its schools' names."""
    School = apps.get_model("orgs", "School")
    Teacher = apps.get_model("people", "Teacher")
    inside = set(Teacher.objects.filter(org_path__startswith=path + "/").values_list("name", flat=True))
    outside = set(Teacher.objects.exclude(org_path__startswith=path + "/").values_list("name", flat=True))
    unique = sorted(n for n in inside - outside - {user.name} if len(n) >= 2)
    if schools:
        unique += list(School.objects.filter(path__startswith=path + "/").values_list("name", flat=True))
    return unique


def fill(route: str, converters: dict, values: dict[str, list[str]], limit: int) -> list[str]:
    import re

    names = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    choices = []
    for conv, name in names:
        if name in SLUGS:
            choices.append(SLUGS[name])
        elif conv == "int":
            choices.append([str(i) for i in values["int"]])
        elif name in ("code",):
            choices.append(values["code"])
        elif name == "number":
            choices.append(values["number"])
        else:
            choices.append(values["str"])
    urls = []
    for combo in itertools.islice(itertools.product(*choices), limit):
        url = route
        for (_conv, name), value in zip(names, combo, strict=True):
            url = re.sub(r"<(?:\w+:)?" + name + ">", value, url, count=1)
        url = url.replace("^", "").replace("$", "")
        urls.append("/" + url)
    return urls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--county", default="350102", help="the county whose ids fill the routes of "
                        "users who see the whole province")
    parser.add_argument("--per-model", type=int, default=3)
    parser.add_argument("--limit", type=int, default=150, help="URLs per route at most")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    import logging

    logging.disable(logging.CRITICAL)  # the 4xx and 5xx are counted here, not logged
    Region = apps.get_model("orgs", "Region")
    User = apps.get_model("accounts", "User")
    all_routes = routes()
    print(f"scope_matrix: {len(all_routes)} routes, {len(USERS)} users")
    failures = 0
    total = 0
    for phone, label, county, school_markers in USERS:
        user = User.objects.get(phone=phone)
        path = Region.objects.get(code=county or args.county).path
        values = county_values(path, args.per_model)
        secret = markers(path, user, school_markers) if county else []
        client = Client(raise_request_exception=False)
        client.force_login(user)
        statuses: Counter = Counter()
        leaks: list[tuple[str, str]] = []
        errors: list[tuple[str, int]] = []
        requests = 0
        for route, converters in all_routes:
            for url in fill(route, converters, values, args.limit) if "<" in route else ["/" + route]:
                if "logout" in url:
                    continue
                response = client.get(url)
                requests += 1
                statuses[response.status_code // 100 * 100] += 1
                if response.status_code >= 500:
                    errors.append((url, response.status_code))
                elif 200 <= response.status_code < 300 and secret:
                    body = b"".join(response) if response.streaming else response.content
                    text = body.decode("utf-8", "replace")
                    hit = next((m for m in secret if m in text), None)
                    if hit:
                        leaks.append((url, hit))
        total += requests
        print(f"  {label} ({phone}, must not see {county or '—'}): {requests} requests, "
              + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
              + f"; leaks: {len(leaks)}; 5xx: {len(errors)}")
        for url, hit in leaks[:20]:
            print(f"    LEAK {url} shows {hit}")
        for url, status in errors[:20]:
            print(f"    {status} {url}")
        failures += len(leaks) + len(errors)
    print(f"scope_matrix_requests={total} scope_matrix_failures={failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
